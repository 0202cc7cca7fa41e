"""Demo step: card payments through the real driver to the terminal simulator, then the day's
reconciliation, and the session's bytes decoded as a technician would.

Four applicants pay: approved; declined (insufficient funds) then approved with a new reference;
a sale the terminal charges but never answers (resolved by a query, never a second sale); and an
applicant who walks away mid-payment (the charge is voided). Then the batch is settled and compared
with the journal. Artefacts: ``var/demo/payment-reconciliation.txt`` / ``.json`` and
``var/demo/payment-capture.json`` (every byte the kiosk sent, decoded).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import drivers.sim
from drivers.payment.capture import decode_bytes
from drivers.payment.driver import KioskEcrTerminal
from drivers.payment.simulator import PaymentSimulator
from kiosk.services.payment_journal import PaymentJournal
from kiosk.services.payments import PaymentService

URL = "sim://payment/demo-payment"


class DemoLedger:
    """Stands in for the outbox (kiosk/services/outbox.py) in this step."""

    def __init__(self, applications: list[str]) -> None:
        self.state = dict.fromkeys(applications, "awaiting_payment")
        self.paid_by: dict[str, str] = {}

    def payment_state(self, application_no: str) -> str:
        return self.state.get(application_no, "unknown")

    def mark_paid(self, application_no: str, payment: Mapping[str, object]) -> bool:
        if self.state.get(application_no) == "paid":
            return self.paid_by[application_no] == payment["ecr_ref"]
        if self.state.get(application_no) != "awaiting_payment":
            return False
        self.state[application_no] = "paid"
        self.paid_by[application_no] = str(payment["ecr_ref"])
        return True

    def mark_abandoned(self, application_no: str) -> None:
        if self.state.get(application_no) == "awaiting_payment":
            self.state[application_no] = "abandoned"


def run(ctx) -> None:  # ctx: demo.run.DemoContext
    sim = PaymentSimulator(prompt_delay=0.05, ack_timeout=0.3)
    drivers.sim.attach(URL, sim)
    apps = [f"KIOSK001261128{n:04d}" for n in range(1, 5)]
    ledger = DemoLedger(apps)
    (ctx.out / "payment").mkdir(exist_ok=True)
    journal = PaymentJournal(ctx.out / "payment" / "payments.db")
    terminal = KioskEcrTerminal(URL, ack_timeout=0.5, response_timeout=1.0).start(wait=2.0)
    prompts: list[str] = []
    service = PaymentService(terminal, journal, ledger, busy_retry_wait=0.2,
                             on_event=lambda e: prompts.append(getattr(getattr(e, "prompt", None), "text", "")))
    try:
        service.start()
        results = [
            service.pay(apps[0], 12000),
            service.pay(apps[1], 6051),
            service.pay(apps[1], 6000),
            service.pay(apps[2], 1598),  # amounts ending 98: charged, never answered
            service.pay(apps[3], 8000, on_prompt=lambda _: ledger.mark_abandoned(apps[3])),
        ]
        for outcome in results:
            ctx.note(f"{outcome.application_no} {outcome.ecr_ref}: {outcome.status} ({outcome.outcome.value}) "
                     f"- {outcome.message('en')}")
        assert [r.status for r in results] == ["paid", "declined", "paid", "paid", "reversed"], results
        assert sim.charged() == [f"{apps[0]}P1", f"{apps[1]}P2", f"{apps[2]}P1", f"{apps[3]}P1"]
        ctx.note(f"prompts shown: {sorted(set(p for p in prompts if p))}")
        report = service.reconcile()
        assert report.ok, report.render_text()
        (ctx.out / "payment-reconciliation.txt").write_text(report.render_text() + "\n", encoding="utf-8")
        (ctx.out / "payment-reconciliation.json").write_text(report.to_json(), encoding="utf-8")
        for line in report.render_text().splitlines():
            ctx.note(line)
        capture = decode_bytes(bytes(sim.received), "kiosk")
        (ctx.out / "payment-capture.json").write_text(json.dumps(capture, ensure_ascii=False, indent=1),
                                                      encoding="utf-8")
        ctx.note(f"capture: {sum(1 for r in capture if r['kind'] == 'frame')} frames decoded from the kiosk side")
    finally:
        terminal.stop()
        journal.close()
