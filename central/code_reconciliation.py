"""The day's mobile payment codes, three ways: the gateway's bill, the central record, the kiosks' reports.

``kiosk-central code-payments reconcile --day YYYY-MM-DD`` prints it (exit 1 on any mismatch); the
kiosk compares its own journal with the central record separately
(``CodePaymentService.reconcile``). Every disagreement is one line naming the reference and what
each side says:

* ``missing_on_central``: the gateway took money for an order the central service has no record of;
* ``missing_on_gateway``: the central record says money moved, the bill does not;
* ``amount``: the amounts differ;
* ``not_returned`` / ``central_disagrees``: a reversal or refund on one side only;
* ``unresolved``: the central record is not final; ``not_honoured``: paid, no application carries it;
* ``kiosk_disagrees``: a kiosk's report and the central record differ about an attached payment.

The gateway's business day is China's; the bills of the neighbouring days are read too, so that a
payment near midnight is matched whatever the server's time zone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from central.gateway.interface import BillLine, GatewayError
from central.models import CodePayment, ReconciliationReport

if TYPE_CHECKING:
    from central.context import Central


@dataclass(frozen=True)
class CodeMismatch:
    kind: str
    reference: str
    detail: str
    gateway: str = ""
    central: str = ""
    kiosk: str = ""


@dataclass(frozen=True)
class CodeReconciliation:
    day: date
    gateway_charged_fen: int
    gateway_returned_fen: int
    central_charged_fen: int
    central_returned_fen: int
    payments_checked: int
    mismatches: tuple[CodeMismatch, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["ok"] = self.ok
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def render_text(self) -> str:
        def yuan(fen: int) -> str:
            return f"{fen / 100:.2f}"

        lines = [f"Code payments {self.day}: {'OK' if self.ok else 'MISMATCH'} ({self.payments_checked} payments)",
                 f"  gateway: charged {yuan(self.gateway_charged_fen)}, returned {yuan(self.gateway_returned_fen)}",
                 f"  central: charged {yuan(self.central_charged_fen)}, returned {yuan(self.central_returned_fen)}"]
        for m in self.mismatches:
            sides = "; ".join(f"{name}: {value}" for name, value in (("gateway", m.gateway), ("central", m.central),
                                                                     ("kiosk", m.kiosk)) if value)
            lines.append(f"  ! {m.kind}: {m.reference}: {m.detail}" + (f" ({sides})" if sides else ""))
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


def _local_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0)).astimezone()
    return start, start + timedelta(days=1)


def reconcile_code_payments(central: Central, day: date) -> CodeReconciliation:
    gateway = central.code_payments.gateway
    start, end = _local_bounds(day)
    notes: list[str] = []
    mismatches: list[CodeMismatch] = []
    lines: list[BillLine] = []
    if gateway is None:
        mismatches.append(CodeMismatch("bill_unavailable", "", "no gateway is configured"))
    else:
        for bill_day in (day - timedelta(days=1), day, day + timedelta(days=1)):
            try:
                lines.extend(gateway.bill(bill_day))
            except GatewayError as exc:
                mismatches.append(CodeMismatch("bill_unavailable", "", f"the bill of {bill_day}: {exc}"))
    with central.database.read() as session:
        rows = {r.reference: r for r in session.scalars(
            select(CodePayment).where(CodePayment.created_at >= start, CodePayment.created_at < end))}
        billed_refs = {line.order_id for line in lines if line.order_id not in rows}
        if billed_refs:
            rows.update({r.reference: r for r in session.scalars(
                select(CodePayment).where(CodePayment.reference.in_(billed_refs)))})
        reports = list(session.scalars(select(ReconciliationReport).where(ReconciliationReport.day == day)))
    kiosk_lists: dict[str, dict[str, int]] = {}
    for report in reports:
        listed = {str(p.get("reference")): int(p.get("amount_fen") or 0) for p in report.report.get("payments", [])
                  if p.get("method") == "code"}
        kiosk_lists[report.kiosk_id] = listed
    by_order: dict[str, list[BillLine]] = defaultdict(list)
    for line in lines:
        if line.order_id in rows or start <= line.at < end:
            by_order[line.order_id].append(line)

    for reference, row in sorted(rows.items()):
        billed = by_order.pop(reference, [])
        paid_fen = sum(line.amount_fen for line in billed if line.kind == "pay")
        returned_fen = sum(line.amount_fen for line in billed if line.kind in ("reverse", "refund"))
        charged = row.state in ("paid", "reversed", "refunded") or row.charged_fen > 0
        if row.state not in ("paid", "declined", "cancelled", "reversed", "refunded"):
            mismatches.append(CodeMismatch("unresolved", reference, "not final", central=row.state))
        if charged and not paid_fen and row.state not in ("unknown", "charging", "paying"):
            mismatches.append(CodeMismatch("missing_on_gateway", reference, "central says charged, no pay on the bill",
                                           central=f"{row.state} {row.charged_fen}"))
        elif paid_fen and not charged:
            mismatches.append(CodeMismatch("central_disagrees", reference, "the bill has a charge central calls "
                                           f"{row.state}", gateway=str(paid_fen), central=row.state))
        elif paid_fen and paid_fen != row.charged_fen:
            mismatches.append(CodeMismatch("amount", reference, "amounts differ", gateway=str(paid_fen),
                                           central=str(row.charged_fen)))
        if row.state in ("reversed", "refunded") and row.charged_fen and returned_fen != row.charged_fen:
            mismatches.append(CodeMismatch("not_returned", reference, "central says given back, the bill does not",
                                           gateway=str(returned_fen), central=row.state))
        elif returned_fen and row.state not in ("reversed", "refunded", "reversing", "refunding"):
            mismatches.append(CodeMismatch("central_disagrees", reference, "the bill gives money back central "
                                           "did not", gateway=str(returned_fen), central=row.state))
        if row.state == "paid" and row.attached_at is None:
            mismatches.append(CodeMismatch("not_honoured", reference, "paid, no filed application carries it",
                                           central="paid"))
        listed = kiosk_lists.get(row.kiosk_id)
        if listed is not None:
            in_report = reference in listed
            if row.attached_at is not None and row.state == "paid" and not in_report:
                mismatches.append(CodeMismatch("kiosk_disagrees", reference, "attached here, not in the kiosk's report",
                                               central="attached", kiosk="absent"))
            elif in_report and not (row.attached_at is not None and row.state == "paid"):
                mismatches.append(CodeMismatch("kiosk_disagrees", reference, "in the kiosk's report, not an attached "
                                               "paid payment here", central=row.state, kiosk="attached"))
    for reference, billed in sorted(by_order.items()):
        if any(line.kind == "pay" for line in billed):
            mismatches.append(CodeMismatch("missing_on_central", reference, "the gateway charged an order central "
                                           "has no record of", gateway=str(sum(line.amount_fen for line in billed
                                                                             if line.kind == "pay"))))
    missing_reports = {r.kiosk_id for r in rows.values()} - set(kiosk_lists)
    if missing_reports:
        notes.append("no kiosk report yet from " + ", ".join(sorted(missing_reports)))
    central_charged = sum(r.charged_fen for r in rows.values() if r.state in ("paid", "reversed", "refunded"))
    central_returned = sum(r.refunded_fen for r in rows.values() if r.state in ("reversed", "refunded"))
    day_lines = [line for line in lines if line.order_id in rows or start <= line.at < end]
    return CodeReconciliation(
        day, sum(line.amount_fen for line in day_lines if line.kind == "pay"),
        sum(line.amount_fen for line in day_lines if line.kind in ("reverse", "refund")),
        central_charged, central_returned, len(rows), tuple(mismatches), tuple(notes))
