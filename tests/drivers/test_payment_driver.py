"""KioskEcrTerminal against the simulator over sim:// and a real pty, including every fault."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import drivers.sim
from drivers.contract import OK, HealthChanged
from drivers.errors import DeviceUnavailable
from drivers.payment.driver import KioskEcrTerminal
from drivers.payment.results import Outcome, Prompt, PromptStage
from drivers.payment.simulator import Declined, PaymentSimulator
from drivers.payment.terminal import UNREACHABLE, OutcomeUnknown, PaymentTerminal, RequestNotAccepted, TerminalBusy
from drivers.sim.pty import PtyServer


@pytest.fixture
def sim() -> PaymentSimulator:
    simulator = PaymentSimulator(ack_timeout=0.1)
    drivers.sim.attach("sim://payment/t", simulator)
    return simulator


@pytest.fixture
def terminal(sim: PaymentSimulator) -> Iterator[KioskEcrTerminal]:
    device = KioskEcrTerminal("sim://payment/t", ack_timeout=0.2, response_timeout=0.6).start(wait=2.0)
    yield device
    device.stop()


def test_it_is_a_payment_terminal(terminal: KioskEcrTerminal) -> None:
    assert isinstance(terminal, PaymentTerminal)


def test_sale_with_prompts_then_idempotent_repeat(terminal: KioskEcrTerminal, sim: PaymentSimulator, recorder) -> None:
    terminal.on_prompt = recorder
    result = terminal.sale(12000, "APP1P1")
    assert result.approved and result.amount_fen == 12000 and result.ecr_ref == "APP1P1"
    assert [p.stage for p in recorder.events] == [PromptStage.INSERT_CARD, PromptStage.ENTER_PIN,
                                                  PromptStage.PROCESSING]
    assert recorder.events[0].text == "请插卡或挥卡"
    assert terminal.sale(12000, "APP1P1") == result
    assert sim.charged() == ["APP1P1"]


def test_decline_query_void_refund_settle_sign_in(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    assert terminal.sign_in().approved
    declined = terminal.sale(6051, "A1P1")
    assert declined.outcome is Outcome.DECLINED_CARD and declined.resp_code == "51"
    sale = terminal.sale(6000, "A1P2")
    assert terminal.query("A1P2") == sale
    assert terminal.query(None) == sale
    assert terminal.query("A9P1").outcome is Outcome.NOT_FOUND
    other = terminal.sale(1500, "A2P1")
    assert terminal.void(other.trace_no, 1500, "A2V1").approved
    totals = terminal.settle()
    assert (totals.sale_count, totals.sale_amount_fen, totals.void_count, totals.net_amount_fen) == (2, 7500, 1, 6000)
    assert terminal.void(sale.trace_no, 6000, "A1V1").resp_code == "C5"
    refund = terminal.refund(sale.rrn, date.today(), 6000, "A1R1")
    assert refund.approved and refund.amount_fen == 6000


def test_scripted_decline_by_call(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.next_sale = Declined("55")
    assert terminal.sale(100, "A1P1").outcome is Outcome.DECLINED_RETRY


def test_fault_no_ack_once_is_sent_again(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.inject("no_ack")
    assert terminal.sale(100, "A1P1").approved
    assert [r["ignored"] for r in sim.requests()] == [True, False]


def test_fault_no_ack_ever_is_not_accepted(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.inject("no_ack", 3)
    with pytest.raises(RequestNotAccepted):
        terminal.sale(100, "A1P1")
    assert len(sim.requests()) == 3 and sim.charged() == []
    assert terminal.query("A1P1").outcome is Outcome.NOT_FOUND


def test_fault_corrupt_lrc_is_naked_and_resent(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.inject("corrupt_lrc", 2)
    assert terminal.sale(100, "A1P1").approved
    assert bytes(sim.received).count(b"\x15") == 2


def test_fault_die_after_ack_is_an_unknown_outcome(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.inject("die_after_ack")
    with pytest.raises(OutcomeUnknown) as caught:
        terminal.sale(100, "A1P1")
    assert caught.value.accepted and caught.value.ecr_ref == "A1P1"
    assert terminal.query("A1P1").outcome is Outcome.NOT_FOUND


def test_fault_slow_answer_then_busy_then_late_answer(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.inject("slow", seconds=1.0)
    with pytest.raises(OutcomeUnknown):
        terminal.sale(100, "A1P1")
    with pytest.raises(TerminalBusy):
        terminal.query("A1P1")
    assert sim.wait_idle(3)
    assert terminal.query("A1P1").approved
    assert [r["type"] for r in sim.requests()] == ["00", "07", "07"]  # never a second sale


def test_fault_duplicate_final_is_dropped(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.inject("duplicate_final")
    first = terminal.sale(100, "A1P1")
    second = terminal.sale(200, "A1P2")
    assert first.ecr_ref == "A1P1" and second.ecr_ref == "A1P2"
    assert terminal.codec.duplicates_dropped == 1


def test_fault_unplugged_after_ack(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    sim.inject("unplug_after_ack")
    with pytest.raises(OutcomeUnknown):
        terminal.sale(100, "A1P1")
    assert sim.wait_idle(3)
    with pytest.raises((DeviceUnavailable, OutcomeUnknown)):
        terminal.query("A1P1")
    sim.replug()
    assert terminal.link.wait_connected(3)
    assert terminal.query("A1P1").approved


def test_charged_but_never_answered(terminal: KioskEcrTerminal, sim: PaymentSimulator) -> None:
    with pytest.raises(OutcomeUnknown):
        terminal.sale(12098, "A1P1")
    assert terminal.query("A1P1").approved


def test_abort_from_another_thread_cancels_before_online(sim: PaymentSimulator) -> None:
    sim.configure(prompt_delay=0.3)
    terminal = KioskEcrTerminal("sim://payment/t", ack_timeout=0.2, response_timeout=2.0).start(wait=2.0)
    try:
        def on_prompt(prompt: Prompt) -> None:
            if prompt.stage is PromptStage.INSERT_CARD:
                threading.Thread(target=terminal.abort).start()

        terminal.on_prompt = on_prompt
        result = terminal.sale(100, "A1P1")
        assert result.resp_code == "C1" and result.outcome is Outcome.DECLINED_RETRY
        assert sim.charged() == []
        terminal.abort()  # nothing in flight: ignored
    finally:
        terminal.stop()


def test_over_a_real_pty(tmp_path: Path) -> None:
    sim = PaymentSimulator(ack_timeout=0.2)
    with PtyServer(sim, link=tmp_path / "payment", pace_baud=115200):
        terminal = KioskEcrTerminal(str(tmp_path / "payment"), ack_timeout=0.3, response_timeout=1.0).start(wait=2.0)
        try:
            sale = terminal.sale(12000, "KIOSK0012611280001P1")
            assert sale.approved and sale.ecr_ref == "KIOSK0012611280001P1"
            sim.inject("corrupt_lrc")
            sim.inject("no_ack")
            assert terminal.void(sale.trace_no, 12000, "KIOSK0012611280001V1").approved
            assert terminal.settle().void_count == 1
        finally:
            terminal.stop()
    sim.close()


def test_health_follows_the_link_and_is_announced(terminal: KioskEcrTerminal, sim: PaymentSimulator,
                                                  recorder) -> None:
    terminal.listen(recorder)
    assert terminal.health() == OK
    sim.unplug()
    assert recorder.wait_for(HealthChanged).health == UNREACHABLE == terminal.health()
    sim.replug()
    assert recorder.wait_for(HealthChanged).health == OK == terminal.health()
    assert terminal.sale(100, "APP9P1").approved
