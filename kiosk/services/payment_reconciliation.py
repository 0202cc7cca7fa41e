"""Daily reconciliation reports: the terminal's settlement totals against the kiosk's payment journal
(cards), and the central service's record of the day's code payments against the journal (mobile
payment codes; the central service compares its record with the gateway's bill, central/code_reconciliation.py).

Pure: it compares data it is given and builds a report that prints for the maintenance screen and
serialises to JSON for the central service. Every disagreement is one :class:`Mismatch` line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from drivers.payment.results import SettlementTotals, TxnResult
from kiosk.services.payment_journal import (
    APPROVED,
    ATTACHED,
    CHARGED,
    COMPENSATING,
    DECLINED,
    IN_DOUBT,
    REFUNDED,
    VOIDED,
    JournalEntry,
)


@dataclass(frozen=True)
class BatchTotals:
    sale_count: int = 0
    sale_amount_fen: int = 0
    void_count: int = 0
    void_amount_fen: int = 0
    refund_count: int = 0
    refund_amount_fen: int = 0

    @property
    def net_amount_fen(self) -> int:
        return self.sale_amount_fen - self.void_amount_fen - self.refund_amount_fen

    @classmethod
    def from_settlement(cls, totals: SettlementTotals) -> BatchTotals:
        return cls(totals.sale_count, totals.sale_amount_fen, totals.void_count, totals.void_amount_fen,
                   totals.refund_count, totals.refund_amount_fen)

    @classmethod
    def from_journal(cls, entries: Iterable[JournalEntry], batch_no: str) -> BatchTotals:
        """Approved exchanges the kiosk recorded in ``batch_no``."""
        counts = {"sale": [0, 0], "void": [0, 0], "refund": [0, 0]}
        for entry in entries:
            if entry.batch_no != batch_no:
                continue
            money_moved = entry.state in CHARGED if entry.kind == "sale" else entry.state == APPROVED
            if money_moved:
                counts[entry.kind][0] += 1
                counts[entry.kind][1] += entry.charged_fen
        return cls(counts["sale"][0], counts["sale"][1], counts["void"][0], counts["void"][1],
                   counts["refund"][0], counts["refund"][1])


@dataclass(frozen=True)
class Mismatch:
    """One disagreement, itemised: what, which exchange, what each side says."""

    kind: str  # totals / unresolved / not_honoured / terminal_disagrees / settlement_failed
    detail: str
    ecr_ref: str = ""
    application_no: str = ""
    kiosk: str = ""
    terminal: str = ""


@dataclass(frozen=True)
class ReconciliationReport:
    kiosk_id: str
    batch_no: str
    settled_at: str
    settle_resp_code: str
    terminal: BatchTotals
    journal: BatchTotals
    mismatches: tuple[Mismatch, ...] = ()
    entries_checked: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.settle_resp_code == "00"

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["ok"] = self.ok
        data["terminal"]["net_amount_fen"] = self.terminal.net_amount_fen
        data["journal"]["net_amount_fen"] = self.journal.net_amount_fen
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def render_text(self) -> str:
        """Plain text for the maintenance screen and the log (amounts in yuan with two decimals)."""
        def yuan(fen: int) -> str:
            return f"{fen / 100:.2f}"

        lines = [f"Reconciliation kiosk {self.kiosk_id} batch {self.batch_no} at {self.settled_at}: "
                 f"{'OK' if self.ok else 'MISMATCH'}",
                 f"{'':8}{'terminal':>22}{'journal':>22}"]
        for label, attr in (("sales", "sale"), ("voids", "void"), ("refunds", "refund")):
            t_count, t_amount = getattr(self.terminal, f"{attr}_count"), getattr(self.terminal, f"{attr}_amount_fen")
            j_count, j_amount = getattr(self.journal, f"{attr}_count"), getattr(self.journal, f"{attr}_amount_fen")
            lines.append(f"{label:8}{t_count:>6} / {yuan(t_amount):>13}{j_count:>6} / {yuan(j_amount):>13}")
        lines.append(f"{'net':8}{yuan(self.terminal.net_amount_fen):>22}{yuan(self.journal.net_amount_fen):>22}")
        lines.append(f"exchanges checked against the terminal: {self.entries_checked}")
        for m in self.mismatches:
            who = " ".join(part for part in (m.ecr_ref, m.application_no) if part)
            sides = f" (kiosk: {m.kiosk}; terminal: {m.terminal})" if m.kiosk or m.terminal else ""
            lines.append(f"  ! {m.kind}: {who + ': ' if who else ''}{m.detail}{sides}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    __str__ = render_text


def compare_totals(terminal: BatchTotals, journal: BatchTotals) -> list[Mismatch]:
    mismatches = []
    for attr in ("sale_count", "sale_amount_fen", "void_count", "void_amount_fen", "refund_count",
                 "refund_amount_fen"):
        t, j = getattr(terminal, attr), getattr(journal, attr)
        if t != j:
            mismatches.append(Mismatch("totals", f"{attr} differs by {t - j}", kiosk=str(j), terminal=str(t)))
    return mismatches


def journal_anomalies(entries: Iterable[JournalEntry]) -> list[Mismatch]:
    """Rows that should not exist at closing time: outcome still unknown, or a charge nobody honours."""
    found = []
    for e in entries:
        if e.state in IN_DOUBT:
            found.append(Mismatch("unresolved", f"{e.kind} of {e.amount_fen} fen: outcome unknown",
                                  e.ecr_ref, e.application_no, kiosk=e.state))
        elif e.kind == "sale" and e.state in (APPROVED, "compensating"):
            found.append(Mismatch("not_honoured", f"sale of {e.charged_fen} fen charged but neither attached"
                                  " to an application nor reversed", e.ecr_ref, e.application_no, kiosk=e.state))
    return found


def verify_entry(entry: JournalEntry, answer: TxnResult) -> Mismatch | None:
    """Compare one journal row with the terminal's stored result for the same ECR reference."""
    kiosk_charged = entry.state in CHARGED if entry.kind == "sale" else entry.state == APPROVED
    if entry.state in IN_DOUBT:
        return None  # reported as unresolved already
    if kiosk_charged != answer.approved:
        said = "charged" if kiosk_charged else "not charged"
        return Mismatch("terminal_disagrees", f"{entry.kind}: kiosk says {said}",
                        entry.ecr_ref, entry.application_no, kiosk=entry.state,
                        terminal=f"{answer.resp_code} {answer.outcome.value}")
    if kiosk_charged and answer.amount_fen != entry.charged_fen:
        return Mismatch("terminal_disagrees", f"{entry.kind}: amounts differ", entry.ecr_ref, entry.application_no,
                        kiosk=str(entry.charged_fen), terminal=str(answer.amount_fen))
    return None


# -- mobile payment codes ---------------------------------------------------------------------------
# What each journal state of a code charge means the central service must say.
_CENTRAL_FOR = {ATTACHED: ("paid",), VOIDED: ("reversed",), REFUNDED: ("refunded",),
                DECLINED: ("declined", "cancelled")}


@dataclass(frozen=True)
class CodeTotals:
    charged_count: int = 0
    charged_fen: int = 0
    returned_count: int = 0  # reversed or refunded
    returned_fen: int = 0

    @property
    def net_fen(self) -> int:
        return self.charged_fen - self.returned_fen


@dataclass(frozen=True)
class CodeReconciliationReport:
    """One day's code payments: the kiosk's journal against the central service's record."""

    kiosk_id: str
    day: str
    journal: CodeTotals
    central: CodeTotals | None
    mismatches: tuple[Mismatch, ...] = ()
    entries_checked: int = 0
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.central is not None and not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["journal"]["net_fen"] = self.journal.net_fen
        if self.central is not None:
            data["central"]["net_fen"] = self.central.net_fen
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def render_text(self) -> str:
        def yuan(fen: int) -> str:
            return f"{fen / 100:.2f}"

        lines = [f"Code payments kiosk {self.kiosk_id} day {self.day}: {'OK' if self.ok else 'MISMATCH'}",
                 f"{'':10}{'central':>22}{'journal':>22}"]
        for label, count, amount in (("charged", "charged_count", "charged_fen"),
                                     ("returned", "returned_count", "returned_fen")):
            central = (f"{getattr(self.central, count):>6} / {yuan(getattr(self.central, amount)):>13}"
                       if self.central is not None else f"{'?':>22}")
            lines.append(f"{label:10}{central}{getattr(self.journal, count):>6} / "
                         f"{yuan(getattr(self.journal, amount)):>13}")
        for m in self.mismatches:
            who = " ".join(part for part in (m.ecr_ref, m.application_no) if part)
            sides = f" (kiosk: {m.kiosk}; central: {m.terminal})" if m.kiosk or m.terminal else ""
            lines.append(f"  ! {m.kind}: {who + ': ' if who else ''}{m.detail}{sides}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    __str__ = render_text


def _journal_code_totals(entries: Iterable[JournalEntry]) -> CodeTotals:
    charged = [e for e in entries if e.kind == "sale" and e.state in CHARGED]
    returned = [e for e in charged if e.state in (VOIDED, REFUNDED)]
    return CodeTotals(len(charged), sum(e.charged_fen for e in charged), len(returned),
                      sum(e.charged_fen for e in returned))


def _central_code_totals(payments: Iterable[Any]) -> CodeTotals:
    charged = [p for p in payments if p.charged_fen > 0 or p.state in ("paid", "reversed", "refunded")]
    returned = [p for p in charged if p.state in ("reversed", "refunded")]
    return CodeTotals(len(charged), sum(p.charged_fen for p in charged), len(returned),
                      sum(p.refunded_fen or p.charged_fen for p in returned))


def compare_code_payments(kiosk_id: str, day: date, entries: Sequence[JournalEntry], central: Sequence[Any] | None,
                          *, note: str = "") -> CodeReconciliationReport:
    """Itemise every disagreement between the journal's code charges of ``day`` and the central
    service's record (``api_types.CodePayment`` items; None when it could not be asked)."""
    mismatches: list[Mismatch] = []
    for e in entries:
        if e.state in IN_DOUBT:
            mismatches.append(Mismatch("unresolved", f"code charge of {e.amount_fen} fen: outcome unknown",
                                       e.ecr_ref, e.application_no, kiosk=e.state))
        elif e.state in (APPROVED, COMPENSATING):
            mismatches.append(Mismatch("not_honoured", f"charged {e.charged_fen} fen, neither attached nor reversed",
                                       e.ecr_ref, e.application_no, kiosk=e.state))
    notes = [note] if note else []
    if central is None:
        mismatches.append(Mismatch("central_unreachable", "the central service's record could not be read"))
        return CodeReconciliationReport(kiosk_id, day.isoformat(), _journal_code_totals(entries), None,
                                        tuple(mismatches), 0, tuple(notes))
    by_ref = {p.reference: p for p in central}
    checked = 0
    for e in entries:
        record = by_ref.get(e.ecr_ref)
        if record is None:
            if e.state in CHARGED:
                mismatches.append(Mismatch("missing_on_central", "the journal says money moved; central has no record",
                                           e.ecr_ref, e.application_no, kiosk=e.state))
            continue
        checked += 1
        expected = _CENTRAL_FOR.get(e.state)
        if expected is not None and record.state not in expected:
            mismatches.append(Mismatch("central_disagrees", f"journal {e.state}, central {record.state}",
                                       e.ecr_ref, e.application_no, kiosk=e.state, terminal=record.state))
        elif e.state in CHARGED and record.charged_fen != e.charged_fen:
            mismatches.append(Mismatch("central_disagrees", "amounts differ", e.ecr_ref, e.application_no,
                                       kiosk=str(e.charged_fen), terminal=str(record.charged_fen)))
        elif e.state == ATTACHED and not record.attached:
            notes.append(f"{e.ecr_ref}: paid, its application not filed yet (still in the outbox?)")
    journal_refs = {e.ecr_ref for e in entries}
    for p in central:
        if p.reference not in journal_refs and (p.charged_fen > 0 or p.state not in ("declined", "cancelled")):
            mismatches.append(Mismatch("missing_on_kiosk", f"central has {p.state} {p.charged_fen} fen the journal"
                                       " never recorded", p.reference, p.application_no, terminal=p.state))
    return CodeReconciliationReport(kiosk_id, day.isoformat(), _journal_code_totals(entries),
                                    _central_code_totals(central), tuple(mismatches), checked, tuple(notes))
