"""From the session's print commands (and what the services remember of the session) to the
printer layouts' slips (``layouts.py`` beside this), plus the two short notices it has no layout for.

``PrintReceipt`` carries the fees, the collection method, the dates, the QR payload and the
payment, but not the applicant's name, ID number or postal address: those are printed masked from
the application the outbox recorded moments before (the executor keeps it in memory until the
session's ``WipePersonalData``). ``PrintSlip`` carries plain data per kind (``progress``,
``appointment``, ``accommodation``, ``payment_unknown``; see kiosk/session/handlers for the keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from drivers.printer.protocol import (
    Alignment,
    Bold,
    CharacterSize,
    ChineseMode,
    Command,
    Cut,
    Feed,
    Initialise,
    Text,
    printable,
)
from kiosk import regions
from kiosk.domain.application import Application, PostalAddress
from kiosk.domain.payment_method import receipt_payment
from kiosk.domain.person import Person
from kiosk.services.printing.layouts import (
    ApplicationReceipt,
    AppointmentSlip,
    CardPayment,
    HallHeader,
    Language,
    ProgressSlip,
    ReceiptCollection,
    ReceiptItem,
    ReconciliationSlip,
    Totals,
)
from kiosk.services.printing.layouts import ProgressStage as SlipStage
from kiosk.session.commands import PrintReceipt

STAGE_NAMES: dict[str, tuple[str, str]] = {
    "received": ("已受理", "Received"),
    "under_review": ("审核中", "Under review"),
    "approved": ("已审批", "Approved"),
    "in_production": ("制证中", "Being made"),
    "posted": ("已寄出", "Posted"),
    "ready_for_collection": ("可领取", "Ready for collection"),
    "collected": ("已领取", "Collected"),
    "rejected": ("不予批准", "Rejected"),
}
APPOINTMENT_MINUTES = 30  # a slot's length when the central service did not say


def slip_language(language: str) -> Language:
    return "zh_CN" if language.startswith("zh") else "en"


def _paid_at(payment: Mapping[str, object], now: datetime) -> datetime:
    """The terminal's MMDD + hhmmss (it sends no year: the kiosk's date supplies it)."""
    day, clock = str(payment.get("txn_date") or ""), str(payment.get("txn_time") or "")
    try:
        paid = datetime(now.year, int(day[:2]), int(day[2:4]), int(clock[:2]), int(clock[2:4]), int(clock[4:6]))
    except (ValueError, IndexError):
        return now.replace(microsecond=0)
    return paid.replace(year=now.year - 1) if paid > now + timedelta(days=1) else paid


def address_line(address: PostalAddress) -> str:
    """Province, city, district names and the street, as one printable line."""
    names = list(address.region_names)
    if not names:
        code = address.district or address.city or address.province
        names = [region.name for region in regions.find(code)] if code else []
    return "".join(names) + address.detail


def application_receipt(command: PrintReceipt, application: Application | None,
                        issued_at: datetime) -> ApplicationReceipt:
    """The receipt for ``command``; ``application`` (as recorded) gives the name, number and address.
    Without it (the service restarted in between) those lines print empty rather than failing."""
    payment = command.payment
    method = str(payment.get("method") or "card")
    amount = int(payment.get("amount_fen") or command.fees.total_fen)  # type: ignore[call-overload]
    if method == "code":
        view = receipt_payment(payment, amount_fen=amount)
        name = view.wallet_en if slip_language(command.language).startswith("en") else view.wallet_zh
        wallet = f"{name} {payment.get('code_masked') or ''}".strip()
        card = CardPayment(amount_fen=amount, card_number=wallet, trace_no="",
                           reference_no=str(payment.get("gateway_txn_id") or ""),
                           order_ref=str(payment.get("ecr_ref") or ""), paid_at=issued_at, method="code")
    elif method == "counter":
        card = CardPayment(amount_fen=amount, card_number="", trace_no="", reference_no="",
                           order_ref=command.application_no, paid_at=issued_at, method="counter")
    else:
        card = CardPayment(
            amount_fen=amount,
            card_number=str(payment.get("pan_masked") or ""),
            trace_no=str(payment.get("trace_no") or ""),
            reference_no=str(payment.get("rrn") or ""),
            order_ref=str(payment.get("ecr_ref") or ""),
            paid_at=_paid_at(payment, issued_at),
            terminal_id=str(payment.get("terminal_id") or ""),
            auth_code=str(payment.get("auth_code") or ""),
        )
    address = application.collection.address if application is not None else None
    if command.collection == "postal":
        collection = ReceiptCollection(
            "postal", address_line(address) if address else "（见申请记录 see the application record）",
            address.postcode if address else "",
            (address.recipient or application.applicant.name) if address and application else "",
            (address.recipient_phone or application.contact.mobile) if address and application else "")
    else:
        collection = ReceiptCollection("pickup")
    return ApplicationReceipt(
        application_no=command.application_no,
        language=slip_language(command.language),
        applicant_name=application.applicant.name if application else "",
        id_number=application.applicant.document_number if application else "",
        items=tuple(ReceiptItem(line.name.zh, line.name.en, line.amount_fen) for line in command.fees.lines),
        payment=card,
        collection=collection,
        expected_date=command.expected_ready,
        progress_payload=command.progress_payload,
        issued_at=issued_at.replace(microsecond=0),
        green_channel=command.green_channel,
    )


def progress_slip(data: Mapping[str, Any], language: str, printed_at: datetime) -> ProgressSlip:
    """A progress timeline slip from ``PrintSlip("progress", data)``."""
    stages = []
    for stage in data.get("stages") or ():
        code = str(stage.get("stage", ""))
        zh, en = STAGE_NAMES.get(code, (code, code))
        at = stage.get("at")
        stages.append(SlipStage(zh, en, datetime.fromisoformat(at).date() if at else None))
    last = stages[-1] if stages else SlipStage("已受理", "Received", None)
    tracking = next((str(s.get("detail") or "") for s in reversed(data.get("stages") or ())
                     if s.get("stage") == "posted"), "")
    expected = data.get("expected_ready")
    collection = data.get("collection")
    return ProgressSlip(
        application_no=str(data.get("application_no", "")),
        language=slip_language(language),
        status_zh=last.name_zh,
        status_en=last.name_en,
        stages=tuple(stages),
        printed_at=printed_at.replace(microsecond=0),
        expected_date=date.fromisoformat(expected) if expected else None,
        collection=collection if collection in ("pickup", "postal") else None,
        tracking_no=tracking,
        items=tuple((str(name.get("zh", "")), str(name.get("en", ""))) for name in data.get("item_names") or ()),
    )


@dataclass(frozen=True)
class SlotTimes:
    """What the executor remembers of an offered slot (no personal data): its day and times."""

    day: date
    start: time
    end: time


def appointment_slip(data: Mapping[str, Any], language: str, person: Person | None, slot: SlotTimes | None,
                     printed_at: datetime) -> AppointmentSlip:
    """The booking slip from ``PrintSlip("appointment", data)``; ``person`` is who booked (printed
    masked) and ``slot`` the offered slot's times."""
    starts = datetime.fromisoformat(str(data.get("starts_at")))
    end = slot.end if slot else (starts + timedelta(minutes=APPOINTMENT_MINUTES)).time()
    service = data.get("service") or {}
    return AppointmentSlip(
        booking_no=str(data.get("reference", "")),
        language=slip_language(language),
        service_zh=str(service.get("zh", "")),
        service_en=str(service.get("en", "")),
        day=starts.date(),
        start=starts.time(),
        end=end,
        applicant_name=person.name if person else "",
        document_number=person.document_number if person else "",
        printed_at=printed_at.replace(microsecond=0),
        counter=str(data.get("counter") or ""),
    )


def reconciliation_slip(kiosk_id: str, report: Any, printed_at: datetime, *, filed: int, queued: int,
                        language: str = "zh_CN") -> ReconciliationSlip:
    """The staff slip for a :class:`kiosk.services.payment_reconciliation.ReconciliationReport`."""
    journal, terminal = report.journal, report.terminal
    settled = report.settle_resp_code == "00"
    return ReconciliationSlip(
        kiosk_id=kiosk_id,
        business_day=printed_at.date(),
        printed_at=printed_at.replace(microsecond=0),
        sales=Totals(journal.sale_count, journal.sale_amount_fen),
        voids=Totals(journal.void_count + journal.refund_count, journal.void_amount_fen + journal.refund_amount_fen),
        terminal=Totals(terminal.sale_count - terminal.void_count - terminal.refund_count,
                        terminal.net_amount_fen) if settled else None,
        unresolved=tuple(m.ecr_ref for m in report.mismatches if m.kind == "unresolved" and m.ecr_ref),
        applications_filed=filed,
        applications_queued=queued,
        language=slip_language(language),
    )


# -- the two notices layouts.py has no layout for ------------------------------------------------------

_NOTICES = {
    "payment_unknown": (("缴费结果待确认", "Payment being confirmed"),
                        ("请勿重复缴费。工作人员将核对本次缴费结果，如已扣款将为您继续办理或退款。",
                         "Do not pay again. Staff will confirm this payment: if your card was charged, "
                         "the application goes ahead or the money is returned."),
                        ("申请编号", "Application no.")),
    "accommodation": (("住宿登记回执", "Accommodation registration"),
                      ("您的临时住宿登记已提交。请保留本回执。",
                       "Your temporary accommodation registration has been submitted. Keep this slip."),
                      ("登记编号", "Reference")),
}


def notice_slip_commands(kind: str, data: Mapping[str, Any], language: str, hall: HallHeader,
                         printed_at: datetime) -> list[Command]:
    """A short bilingual slip for ``payment_unknown`` (application number, do not pay again) and
    ``accommodation`` (the registration reference)."""
    (title_zh, title_en), (body_zh, body_en), (label_zh, label_en) = _NOTICES[kind]
    zh_first = slip_language(language) == "zh_CN"
    value = str(data.get("application_no") or data.get("reference") or "")

    def pair(zh: str, en: str) -> tuple[str, str]:
        return (zh, en) if zh_first else (en, zh)

    title = pair(title_zh, title_en)
    body = pair(body_zh, body_en)
    label = pair(label_zh, label_en)
    commands: list[Command] = [Initialise(), ChineseMode(), Alignment("center"), Bold(True),
                               Text(printable(pair(hall.name_zh, hall.name_en)[0] + "\n")), Bold(False),
                               Feed(1), CharacterSize(2, 2), Text(printable(title[0] + "\n")), CharacterSize(1, 1),
                               Text(printable(title[1] + "\n")), Feed(1), Alignment("left"),
                               Text(printable(f"{label[0]} {label[1]}:\n")), Bold(True), CharacterSize(1, 2),
                               Text(printable(value + "\n")), CharacterSize(1, 1), Bold(False), Feed(1),
                               Text(printable(body[0] + "\n")), Text(printable(body[1] + "\n")), Feed(1),
                               Alignment("center"), Text(printable(f"{hall.kiosk_id}  {printed_at:%Y-%m-%d %H:%M}\n")),
                               Feed(2), Cut(partial=True, feed=0)]
    return commands


def copy_marked(commands: Sequence[Command]) -> list[Command]:
    """A reprint: the same slip with "补打 COPY" on top, so it cannot pass for a second payment."""
    return [Initialise(), ChineseMode(), Alignment("center"), Bold(True), Text("** 补打 COPY **\n"), Bold(False),
            *commands]
