"""Receipts and slips: the data the services fill in, and the printer commands that print them.

The application receipt is the applicant's proof of payment and the key to the application's
progress (its QR code carries the opaque progress payload of contracts.md). It is printed in the
applicant's language with the other language in small type beneath the headings, the items and
the collection method, where a second reader (a relative, the counter clerk) is most helped. The
layout is native ESC/POS text (Chinese in GB18030 through the printer's own font, the QR code by
the printer's own QR command) rather than one big image: about a tenth of the bytes, so it starts
printing at once even on a 9600-baud line (see ``bench/receipt_bytes.py``).

Personal data is masked here, at the last step, so that nothing upstream has to remember to:
names keep their first and last character, document numbers their first and last four, card
numbers their first six and last four (as bank slips do), phone numbers their first three and last
four. The dataclasses keep personal fields out of ``repr`` so that they never reach a log by
accident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

from drivers.printer.protocol import (
    Alignment,
    Bold,
    CharacterSize,
    ChineseMode,
    Code128,
    Command,
    Cut,
    Feed,
    Font,
    Initialise,
    LineSpacing,
    Position,
    QrCode,
    RasterImage,
    Text,
    encode_job,
    printable,
    text_columns,
)
from kiosk.config import KioskSection
from kiosk.domain.masking import mask_card_number, mask_document_number, mask_name, mask_phone
from kiosk.domain.payment_method import counter_barcode

Language = Literal["zh_CN", "en"]

FONT_A_DOTS = 12  # one text column
FONT_B_DOTS = 9
LINE_SPACING = 32  # dots: a little more air than the printer's default 30


# --------------------------------------------------------------------------------------------------
# What the services fill in

@dataclass(frozen=True)
class HallHeader:
    """The top of every slip: the hall's name in both languages and the kiosk that printed it."""

    name_zh: str
    name_en: str
    kiosk_id: str
    logo: RasterImage | None = None  # printed above the name (drivers.printer.images.raster_from_image)

    @classmethod
    def from_config(cls, kiosk: KioskSection, logo: RasterImage | None = None) -> HallHeader:
        return cls(kiosk.hall_name_zh, kiosk.hall_name_en, kiosk.id, logo)


@dataclass(frozen=True)
class ReceiptItem:
    """One charged line, named in both languages (``FeeLine`` of the fee schedule)."""

    name_zh: str
    name_en: str
    amount_fen: int


@dataclass(frozen=True)
class CardPayment:
    """The bank-card payment as the terminal reported it. ``card_number`` may be full or already
    masked by the terminal; it is printed masked either way."""

    amount_fen: int
    card_number: str = field(repr=False)
    trace_no: str  # 凭证号: the terminal's voucher/trace number
    reference_no: str  # 参考号: the acquirer's retrieval reference number (RRN)
    order_ref: str  # the ECR reference, {application_no}P{n}
    paid_at: datetime
    terminal_id: str = ""
    auth_code: str = ""
    method: Literal["card", "code", "counter", "group"] = "card"
    """card; code (``card_number``: the wallet's name and the masked code, ``reference_no``: the
    wallet's transaction id); counter (not paid yet: the amount is paid in cash at the counter);
    group (an outreach batch's organiser pays for the group: ``order_ref`` is the batch id)."""


@dataclass(frozen=True)
class ReceiptCollection:
    """How the finished document reaches the applicant. ``address`` is one printable line
    (province, city, district and street) for ``postal``."""

    method: Literal["pickup", "postal"]
    address: str = field(default="", repr=False)
    postcode: str = ""
    recipient: str = field(default="", repr=False)
    phone: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if self.method not in ("pickup", "postal"):
            raise ValueError(f"unknown collection method {self.method!r}")
        if self.method == "postal" and not self.address:
            raise ValueError("a postal collection needs an address")


@dataclass(frozen=True)
class ApplicationReceipt:
    """Everything printed on the applicant's receipt after a successful payment."""

    application_no: str
    language: Language
    applicant_name: str = field(repr=False)
    id_number: str = field(repr=False)
    items: tuple[ReceiptItem, ...]
    payment: CardPayment
    collection: ReceiptCollection
    expected_date: date
    progress_payload: str  # opaque ASCII from kiosk/domain/progress_code.py
    issued_at: datetime
    green_channel: bool = False

    @property
    def total_fen(self) -> int:
        return sum(item.amount_fen for item in self.items)


@dataclass(frozen=True)
class ProgressStage:
    """One step of the progress timeline; ``on`` is None for a step not reached yet."""

    name_zh: str
    name_en: str
    on: date | None


@dataclass(frozen=True)
class ProgressSlip:
    """Printed from the progress screen: where the application stands."""

    application_no: str
    language: Language
    status_zh: str
    status_en: str
    stages: tuple[ProgressStage, ...]
    printed_at: datetime
    expected_date: date | None = None
    collection: Literal["pickup", "postal"] | None = None
    tracking_no: str = ""  # postal tracking number once posted
    items: tuple[tuple[str, str], ...] = ()  # what was applied for, (zh, en) each


@dataclass(frozen=True)
class AppointmentSlip:
    """A booked counter appointment (what the kiosk itself cannot do)."""

    booking_no: str
    language: Language
    service_zh: str
    service_en: str
    day: date
    start: time
    end: time
    applicant_name: str = field(repr=False)
    document_number: str = field(repr=False)  # ID card or passport number, printed masked
    printed_at: datetime
    counter: str = ""
    bring: tuple[tuple[str, str], ...] = ()  # (zh, en) materials to bring
    check_in_payload: str = ""  # opaque ASCII for a QR code at the counter, if the hall uses one


@dataclass(frozen=True)
class Totals:
    count: int
    amount_fen: int


@dataclass(frozen=True)
class ReconciliationSlip:
    """The day's payments for staff (maintenance mode): what the journal says and, when known, what
    the terminal's own settlement says, with every payment whose outcome is still unknown."""

    kiosk_id: str
    business_day: date
    printed_at: datetime
    sales: Totals
    voids: Totals
    terminal: Totals | None = None  # the terminal's batch totals (net), if it reported them
    unresolved: tuple[str, ...] = ()  # ECR references whose outcome is unknown
    applications_filed: int = 0
    applications_queued: int = 0  # still waiting in the outbox for the central service
    language: Language = "zh_CN"

    @property
    def net(self) -> Totals:
        return Totals(self.sales.count - self.voids.count, self.sales.amount_fen - self.voids.amount_fen)

    @property
    def balanced(self) -> bool:
        """The journal agrees with the terminal and nothing is left unresolved."""
        return self.terminal is not None and self.terminal == self.net and not self.unresolved


Printable = ApplicationReceipt | ProgressSlip | AppointmentSlip | ReconciliationSlip


# --------------------------------------------------------------------------------------------------
# Formatting and masking

def format_fen(fen: int) -> str:
    """``12000`` -> ``"￥120.00"`` with the fullwidth yuan sign every printer font has."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}￥{fen // 100}.{fen % 100:02d}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------------------------------
# Layout

_LABELS: dict[str, tuple[str, str]] = {
    "receipt": ("受理回执", "Application Receipt"),
    "application_no": ("申请编号", "Application No."),
    "applicant": ("申请人", "Applicant"),
    "id_number": ("身份证号", "ID No."),
    "filed": ("受理时间", "Filed"),
    "total": ("合计", "Total"),
    "card_payment": ("银行卡支付", "Paid by bank card"),
    "code_payment": ("付款码支付", "Paid by payment code"),
    "counter_payment": ("请到窗口缴费", "To pay at the counter"),
    "group_payment": ("团体缴费：由组织方支付", "Group payment: paid by the organiser"),
    "batch": ("批次", "Batch"),
    "counter_note": ("未付款：请持本回执到缴费窗口现金缴费",
                     "Not paid yet: pay in cash at the counter with this receipt"),
    "wallet": ("钱包", "Wallet"),
    "counter_scan": ("缴费窗口扫此条码", "The counter scans this bar code"),
    "txn": ("交易号", "Txn No."),
    "card": ("卡号", "Card"),
    "trace": ("凭证号", "Trace No."),
    "reference": ("参考号", "Ref. No."),
    "order": ("订单号", "Order No."),
    "paid_at": ("支付时间", "Paid"),
    "collection": ("领取方式", "Collection"),
    "pickup": ("到大厅领取", "Pick up at the hall"),
    "postal": ("邮寄送达", "By post"),
    "postcode": ("邮编", "Postcode"),
    "recipient": ("收件人", "Recipient"),
    "phone": ("电话", "Phone"),
    "expected": ("预计办结", "Expected by"),
    "green": ("加急（绿色通道）", "Urgent (green channel)"),
    "scan": ("扫码查询办理进度", "Scan to check progress"),
    "progress": ("办理进度", "Application Progress"),
    "status": ("当前状态", "Status"),
    "tracking": ("邮件单号", "Tracking No."),
    "printed": ("打印时间", "Printed"),
    "appointment": ("预约凭条", "Appointment"),
    "booking_no": ("预约号", "Booking No."),
    "service": ("预约业务", "Service"),
    "date": ("日期", "Date"),
    "time": ("时段", "Time"),
    "counter": ("窗口", "Counter"),
    "document": ("证件号", "Document No."),
    "bring": ("请携带", "Please bring"),
    "reconciliation": ("当日对账单", "Daily Reconciliation"),
    "kiosk": ("自助机", "Kiosk"),
    "business_day": ("营业日", "Business day"),
    "sales": ("消费", "Sales"),
    "voids": ("撤销", "Voids"),
    "net": ("净额", "Net"),
    "terminal": ("终端结算", "Terminal total"),
    "not_reported": ("终端未报告", "not reported"),
    "unresolved": ("待查明交易", "Unresolved"),
    "filed_count": ("受理申请", "Applications filed"),
    "queued": ("待上传", "Waiting to send"),
    "balanced": ("账务相符", "BALANCED"),
    "unbalanced": ("账务不符，请核查", "NOT BALANCED: check"),
    "none": ("无", "none"),
}

_RECEIPT_NOTES = {
    "zh_CN": (
        "请妥善保管本回执，凭回执和身份证领取证件。",
        "扫描二维码或输入申请编号，可在自助机查询进度。",
        "二维码是查询凭证，请勿拍照转发他人。",
    ),
    "en": (
        "Keep this receipt. Show it with your ID card to collect your document.",
        "Scan the QR code or type the application number at a kiosk to see progress.",
        "The QR code is the key to your application: do not share photos of it.",
    ),
}
_POSTAL_NOTE = ("证件制作完成后将邮寄至上述地址。", "Your document will be posted to the address above.")
_APPOINTMENT_NOTE = ("请提前10分钟到达，过号需重新取号。",
                     "Please arrive 10 minutes early; a missed slot needs a new booking.")


_NO_LINE_START = frozenset("，。、；：！？）」』》〉】”’,.;:!?)%")


def _wrap(text: str, columns: int) -> list[str]:
    """Lines of at most ``columns`` (ASCII 1, Chinese 2): Latin text breaks at spaces, Chinese
    anywhere except before closing punctuation (which takes the previous character along), so the
    printer never has to break a line itself."""
    lines: list[str] = []
    line = ""
    for token in re.findall(r"[\x21-\x7e]+|\s+|.", text):
        if token.isspace():
            if line and text_columns(line) < columns:
                line += " "
            continue
        if text_columns(line + token) <= columns:
            line += token
            continue
        carry = ""
        if token in _NO_LINE_START and len(line) > 1 and not line[-1].isascii():
            line, carry = line[:-1], line[-1]
        if line.strip():
            lines.append(line.rstrip())
        rest = carry + token
        while text_columns(rest) > columns:  # a single word longer than the line
            cut = columns
            while text_columns(rest[:cut]) > columns:
                cut -= 1
            lines.append(rest[:cut])
            rest = rest[cut:]
        line = rest
    if line.strip():
        lines.append(line.rstrip())
    return lines


class _Slip:
    """Builds one slip's commands, emitting a mode command only when the mode changes."""

    def __init__(self, hall: HallHeader, language: Language, width: int) -> None:
        if width not in (384, 576):
            raise ValueError(f"paper width must be 384 or 576 dots, got {width}")
        self.hall = hall
        self.language = language
        self.width = width
        self.columns = width // FONT_A_DOTS
        self.wide = width >= 576
        self.commands: list[Command] = [Initialise(), ChineseMode(), LineSpacing(LINE_SPACING)]
        self._align = "left"
        self._bold = False
        self._size = (1, 1)
        self._font = "A"

    # -- words ------------------------------------------------------------------------------------
    def primary(self, key: str) -> str:
        zh, en = _LABELS[key]
        return zh if self.language == "zh_CN" else en

    def secondary(self, key: str) -> str:
        zh, en = _LABELS[key]
        return en if self.language == "zh_CN" else zh

    def pick(self, zh: str, en: str) -> tuple[str, str]:
        return (zh, en) if self.language == "zh_CN" else (en, zh)

    # -- modes ------------------------------------------------------------------------------------
    def _mode(self, align: str = "left", bold: bool = False, size: tuple[int, int] = (1, 1),
              font: Literal["A", "B"] = "A") -> None:
        if align != self._align:
            self.commands.append(Alignment(align))  # type: ignore[arg-type]
            self._align = align
        if bold != self._bold:
            self.commands.append(Bold(bold))
            self._bold = bold
        if size != self._size:
            self.commands.append(CharacterSize(*size))
            self._size = size
        if font != self._font:
            self.commands.append(Font(font))
            self._font = font

    def _text(self, text: str) -> None:
        text = printable(text)
        if self.commands and isinstance(self.commands[-1], Text):
            self.commands[-1] = Text(self.commands[-1].text + text)
        else:
            self.commands.append(Text(text))

    # -- blocks -----------------------------------------------------------------------------------
    def line(self, text: str, *, align: str = "left", bold: bool = False, size: tuple[int, int] = (1, 1),
             small: bool = False, indent: int = 0) -> None:
        """A paragraph, wrapped to the paper (``small``: font B for Latin text, 25% narrower)."""
        self._mode(align, bold, size, "B" if small else "A")
        dots = FONT_B_DOTS if small and text.isascii() else FONT_A_DOTS
        columns = (self.width // dots - indent) // size[0]
        for part in _wrap(text, columns):
            self._text(" " * indent + part + "\n")

    def blank(self, lines: int = 1) -> None:
        self._mode(self._align, False, (1, 1), "A")
        if lines == 1:
            self._text("\n")
        else:
            self.commands.append(Feed(lines))

    def rule(self) -> None:
        """A thin line across the paper: box-drawing dashes at eight times their width, so that
        a 576-dot rule costs three characters instead of twenty-four."""
        self._mode("left", size=(8, 1))
        self._text("─" * (self.width // (8 * 24)) + "\n")
        self._mode("left")

    def header(self, title_key: str) -> None:
        """Hall name, then the slip's title in both languages."""
        first, second = self.pick(self.hall.name_zh, self.hall.name_en)
        self.blank()
        if self.hall.logo is not None:
            self._mode("center")
            self.commands.append(self.hall.logo)
            self.blank()
        for part in _split_name(first, self.columns):
            self.line(part, align="center", bold=True)
        for part in _split_name(second, self.width // (FONT_B_DOTS if second.isascii() else FONT_A_DOTS)):
            self.line(part, align="center", small=True)
        self.blank()
        self.line(self.primary(title_key), align="center", bold=True, size=(2, 2))
        self.line(self.secondary(title_key), align="center", small=True)
        self.rule()

    def field(self, key: str, value: str, *, bold: bool = False) -> None:
        """``label ........ value``: label left, value right-aligned (``ESC $``), or on its own
        line when both do not fit."""
        self._mode("left")
        self.right_aligned(self.primary(key), value, bold=bold)

    def right_aligned(self, left: str, right: str, *, bold: bool = False, size: tuple[int, int] = (1, 1)) -> None:
        """``left`` in normal type (bold if the caller set it), ``right`` (bold and enlarged if asked)
        flush with the right edge."""
        self._mode("left", self._bold)
        right_dots = text_columns(right) * FONT_A_DOTS * size[0]
        if right_dots > self.width:  # longer than a line: label, then the value wrapped below it
            self._text(left + "\n")
            self.line(right, bold=bold, indent=2)
            return
        if text_columns(left) * FONT_A_DOTS + right_dots + 2 * FONT_A_DOTS > self.width:
            self._text(left + "\n")
            left = ""
        self._text(left)
        self._mode("left", bold, size)
        self.commands.append(Position(self.width - right_dots))
        self._text(right + "\n")
        self._mode("left")

    def amount(self, name: str, fen: int, *, bold: bool = False, size: tuple[int, int] = (1, 1)) -> None:
        """An item or total: name left (wrapped if long), amount right."""
        money = format_fen(fen)
        self._mode("left", bold)
        names = _wrap(name, self.columns - text_columns(money) * size[0] - 2) or [""]
        for part in names[:-1]:
            self._text(part + "\n")
        self.right_aligned(names[-1], money, bold=bold, size=size)

    def qr(self, payload: str, caption_key: str) -> None:
        self._mode("center")
        self.blank()
        self.commands.append(QrCode(payload, module=7 if self.wide else 6, error="M"))
        self.blank()
        self.line(self.primary(caption_key), align="center", bold=True)
        self.line(self.secondary(caption_key), align="center", small=True)

    def barcode(self, data: str, caption_key: str) -> None:
        """A Code 128 (set B) the counter's hand scanner reads, as wide a module as the paper allows:
        2 dots (0.25 mm) where it fits, else 1. Quiet zones of 10 modules are left either side."""
        modules = (len(data) + 3) * 11 + 2 + 20  # start, data, check, stop (13), quiet zones
        module = 2 if modules * 2 <= self.width else 1
        self._mode("center")
        self.blank()
        self.commands.append(Code128(data, height=80, module=module, hri="below", code_set="B"))
        self.line(self.primary(caption_key), align="center", bold=True)
        self.line(self.secondary(caption_key), align="center", small=True)
        self._mode("left")

    def footer(self, printed_at: datetime) -> list[Command]:
        self.blank()
        self.line(f"{self.hall.kiosk_id}  {_when(printed_at)}", align="center", small=True)
        self._mode("left")
        self.commands.append(Cut(partial=True, feed=0))
        return self.commands


def _split_name(name: str, columns: int) -> list[str]:
    """A name too long for one line breaks at its spaces (between words, or between the parts of
    a Chinese name such as "支队 出入境服务大厅"), and inside a part only when that alone is too long."""
    lines: list[str] = []
    for part in name.split():
        if lines and text_columns(lines[-1] + " " + part) <= columns:
            lines[-1] += " " + part
        else:
            lines.extend(_wrap(part, columns))
    return lines


# --------------------------------------------------------------------------------------------------
# The slips

def receipt_commands(receipt: ApplicationReceipt, hall: HallHeader, *, paper_width_dots: int = 576) -> list[Command]:
    """The applicant's receipt as printer commands (print with ``ReceiptPrinter.print``)."""
    slip = _Slip(hall, receipt.language, paper_width_dots)
    slip.header("receipt")
    slip.field("application_no", receipt.application_no, bold=True)
    slip.field("applicant", mask_name(receipt.applicant_name))
    slip.field("id_number", mask_document_number(receipt.id_number))
    slip.field("filed", _when(receipt.issued_at))
    slip.rule()
    for item in receipt.items:
        primary, secondary = slip.pick(item.name_zh, item.name_en)
        slip.amount(primary, item.amount_fen)
        if secondary and slip.wide:
            slip.line(secondary, small=True, indent=2)
    if receipt.green_channel:
        slip.line(slip.primary("green") + (" " + slip.secondary("green") if slip.wide else ""), bold=True)
    slip.amount(f"{slip.primary('total')} {slip.secondary('total')}", receipt.total_fen, bold=True, size=(2, 2))
    slip.rule()
    pay = receipt.payment
    title = {"card": "card_payment", "code": "code_payment", "counter": "counter_payment",
             "group": "group_payment"}[pay.method]
    slip.line(slip.primary(title) + (" " + slip.secondary(title) if slip.wide else ""), bold=True)
    if pay.method == "counter":
        slip.line(slip.primary("counter_note"), bold=True)
        if slip.wide:
            slip.line(slip.secondary("counter_note"), small=True)
        slip.field("order", receipt.application_no)
        slip.barcode(counter_barcode(receipt.application_no), "counter_scan")
    elif pay.method == "group":
        slip.field("batch", pay.order_ref)
    elif pay.method == "code":
        slip.field("wallet", pay.card_number)
        slip.field("txn", pay.reference_no)
        slip.field("order", pay.order_ref)
        slip.field("paid_at", _when(pay.paid_at))
    else:
        slip.field("card", mask_card_number(pay.card_number))
        slip.field("trace", pay.trace_no)
        slip.field("reference", pay.reference_no)
        slip.field("order", pay.order_ref)
        slip.field("paid_at", _when(pay.paid_at))
    slip.rule()
    collection = receipt.collection
    method = slip.primary(collection.method)
    slip.field("collection", method, bold=True)
    slip.line(slip.secondary(collection.method), align="right", small=True)
    if collection.method == "postal":
        slip.line(collection.address)
        if collection.postcode:
            slip.field("postcode", collection.postcode)
        if collection.recipient:
            slip.field("recipient", mask_name(collection.recipient))
        if collection.phone:
            slip.field("phone", mask_phone(collection.phone))
    slip.field("expected", receipt.expected_date.isoformat(), bold=True)
    if collection.method == "postal":
        slip.line(slip.pick(*_POSTAL_NOTE)[0])
    slip.rule()
    slip.qr(receipt.progress_payload, "scan")
    slip.rule()
    notes = _RECEIPT_NOTES[receipt.language]
    if collection.method == "postal":  # nothing to collect at the hall
        notes = (("请妥善保管本回执。", "Keep this receipt.")[receipt.language == "en"], *notes[1:])
    for note in notes:
        slip.line(note)
    return slip.footer(receipt.issued_at)


def progress_slip_commands(progress: ProgressSlip, hall: HallHeader, *, paper_width_dots: int = 576) -> list[Command]:
    """A progress check printed at the kiosk (no QR: the applicant already holds the receipt)."""
    slip = _Slip(hall, progress.language, paper_width_dots)
    slip.header("progress")
    slip.field("application_no", progress.application_no, bold=True)
    status, status_other = slip.pick(progress.status_zh, progress.status_en)
    slip.field("status", status, bold=True)
    if slip.wide:
        slip.line(status_other, align="right", small=True)
    for zh, en in progress.items:
        slip.line("· " + slip.pick(zh, en)[0])
    slip.rule()
    for stage in progress.stages:
        name, other = slip.pick(stage.name_zh, stage.name_en)
        mark = "●" if stage.on is not None else "○"
        slip.right_aligned(f"{mark} {name}", stage.on.isoformat() if stage.on is not None else "")
        if slip.wide and other:
            slip.line(other, small=True, indent=3)
    slip.rule()
    if progress.expected_date is not None:
        slip.field("expected", progress.expected_date.isoformat())
    if progress.collection is not None:
        slip.field("collection", slip.primary(progress.collection))
    if progress.tracking_no:
        slip.field("tracking", progress.tracking_no, bold=True)
    return slip.footer(progress.printed_at)


def appointment_slip_commands(appointment: AppointmentSlip, hall: HallHeader, *,
                              paper_width_dots: int = 576) -> list[Command]:
    """The counter appointment: when, where, for what, and what to bring."""
    slip = _Slip(hall, appointment.language, paper_width_dots)
    slip.header("appointment")
    slip.field("booking_no", appointment.booking_no, bold=True)
    service, service_other = slip.pick(appointment.service_zh, appointment.service_en)
    slip.field("service", service)
    if slip.wide and service_other:
        slip.line(service_other, align="right", small=True)
    slip.field("applicant", mask_name(appointment.applicant_name))
    slip.field("document", mask_document_number(appointment.document_number))
    slip.rule()
    slip.line(appointment.day.isoformat(), align="center", bold=True, size=(2, 2))
    slip.line(f"{appointment.start:%H:%M} - {appointment.end:%H:%M}", align="center", bold=True, size=(2, 2))
    if appointment.counter:
        slip.line(f"{slip.primary('counter')} {appointment.counter}", align="center", bold=True)
    slip.rule()
    if appointment.bring:
        slip.line(slip.primary("bring"), bold=True)
        for zh, en in appointment.bring:
            slip.line("· " + slip.pick(zh, en)[0], indent=0)
    slip.line(slip.pick(*_APPOINTMENT_NOTE)[0])
    if appointment.check_in_payload:
        slip.rule()
        slip.qr(appointment.check_in_payload, "booking_no")
    return slip.footer(appointment.printed_at)


def reconciliation_slip_commands(day: ReconciliationSlip, hall: HallHeader, *,
                                 paper_width_dots: int = 576) -> list[Command]:
    """The day's totals for staff, with a clear BALANCED / NOT BALANCED verdict."""
    slip = _Slip(hall, day.language, paper_width_dots)
    slip.header("reconciliation")
    slip.field("kiosk", day.kiosk_id)
    slip.field("business_day", day.business_day.isoformat(), bold=True)
    slip.rule()

    def totals(key: str, value: Totals | None) -> None:
        text = f"{value.count} / {format_fen(value.amount_fen)}" if value is not None else slip.primary("not_reported")
        slip.field(key, text)

    totals("sales", day.sales)
    totals("voids", day.voids)
    totals("net", day.net)
    totals("terminal", day.terminal)
    slip.rule()
    slip.field("unresolved", str(len(day.unresolved)) if day.unresolved else slip.primary("none"))
    for reference in day.unresolved:
        slip.line("  " + reference)
    slip.field("filed_count", str(day.applications_filed))
    slip.field("queued", str(day.applications_queued))
    slip.rule()
    verdict = "balanced" if day.balanced else "unbalanced"
    slip.line(slip.primary(verdict), align="center", bold=True, size=(1, 2))
    slip.line(slip.secondary(verdict), align="center", small=True)
    return slip.footer(day.printed_at)


def commands_for(document: Printable, hall: HallHeader, *, paper_width_dots: int = 576) -> list[Command]:
    """Printer commands for any slip above."""
    match document:
        case ApplicationReceipt():
            return receipt_commands(document, hall, paper_width_dots=paper_width_dots)
        case ProgressSlip():
            return progress_slip_commands(document, hall, paper_width_dots=paper_width_dots)
        case AppointmentSlip():
            return appointment_slip_commands(document, hall, paper_width_dots=paper_width_dots)
        case ReconciliationSlip():
            return reconciliation_slip_commands(document, hall, paper_width_dots=paper_width_dots)
    raise TypeError(f"nothing to print for {type(document).__name__}")


def job_bytes(commands: Sequence[Command]) -> bytes:
    """The bytes a slip puts on the wire (for benchmarks and captures)."""
    return encode_job(commands)


# --------------------------------------------------------------------------------------------------
# A specimen, for the maintenance test print, the demo and the benchmark


def specimen_receipt(issued_at: datetime, language: Language = "zh_CN", *,
                     postal: bool = False) -> ApplicationReceipt:
    """The standard passport receipt with invented data (the ID number is the standard's example)."""
    application_no = f"KIOSK001{issued_at:%y%m%d}0007"
    collection = (ReceiptCollection("postal", "广东省广州市天河区体育西路123号出入境大厦5楼", "510620",
                                    "张小明", "13812345678")
                  if postal else ReceiptCollection("pickup"))
    return ApplicationReceipt(
        application_no=application_no,
        language=language,
        applicant_name="张小明",
        id_number="11010519491231002X",
        items=(ReceiptItem("普通护照", "Ordinary passport", 12000),),
        payment=CardPayment(12000, "6228480402564890018", "000123", "123456789012", f"{application_no}P1",
                            issued_at.replace(second=0, microsecond=0), terminal_id="12345678"),
        collection=collection,
        expected_date=date.fromordinal(issued_at.date().toordinal() + 9),
        progress_payload=f"EEK1:{application_no}:K3VQ7D2MXAJ5PZ4RBN6WYT3GHE",
        issued_at=issued_at,
    )
