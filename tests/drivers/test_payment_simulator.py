"""The terminal simulator on its own: fed the spec's golden frames, it must answer with the spec's
golden frames, keep its journal, and misbehave exactly as scripted."""

from __future__ import annotations

import queue
import threading
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.framing import stx_frame
from drivers.payment.protocol import (
    KioskEcrProtocol,
    Query,
    Refund,
    ResponseTimeout,
    Sale,
    Settle,
    SignIn,
    Void,
    decode_payload,
)
from drivers.payment.results import Outcome, SettlementTotals, TxnResult
from drivers.payment.simulator import FAULTS, Approved, Declined, NoAnswer, PaymentSimulator, parse_script
from tests.drivers.test_payment_codec import golden

ACK, NAK = b"\x06", b"\x15"
CLOCK = datetime(2025, 1, 15, 10, 30, 45)


class Host:
    """Plays the kiosk with raw bytes: collects what the terminal sends, ACKs frames if told to."""

    def __init__(self, sim: PaymentSimulator, *, auto_ack: bool = True) -> None:
        self.sim = sim
        self.auto_ack = auto_ack
        self.out: queue.Queue[bytes] = queue.Queue()
        self.codec = KioskEcrProtocol()
        sim.connect(self._received)

    def _received(self, data: bytes) -> None:
        self.out.put(data)
        if self.auto_ack and data[:1] == b"\x02":
            # From another thread, as a real port would: never re-enter the simulator mid-send.
            threading.Thread(target=self.sim.receive, args=(ACK,), daemon=True).start()

    def write(self, data: bytes) -> None:
        self.sim.receive(data)

    def next(self, timeout: float = 2.0) -> bytes:
        return self.out.get(timeout=timeout)

    def request(self, command: object) -> bytes:
        frame = self.codec.send(command)
        self.codec.send(ResponseTimeout())  # the codec only encodes here; the test reads raw bytes
        self.write(frame)
        return frame

    def final(self, timeout: float = 2.0) -> TxnResult | SettlementTotals:
        while True:
            data = self.next(timeout)
            if data[:1] == b"\x02" and data[3:4] in (b"R", b"S"):
                result = decode_payload(data[3:-2])
                assert isinstance(result, TxnResult | SettlementTotals)
                return result


@pytest.fixture
def sim() -> PaymentSimulator:
    s = PaymentSimulator(clock=lambda: CLOCK, trace=123, rrn_seq=12, ack_timeout=0.2)
    yield s
    s.close()


def test_golden_sale_gets_ack_golden_prompt_and_golden_approval(sim: PaymentSimulator) -> None:
    sim.next_auth = "A12345"
    host = Host(sim)
    host.write(golden("sale"))
    assert host.next() == ACK
    assert host.next() == golden("prompt_insert_card")
    prompts = [host.next(), host.next()]
    assert [p[3:6] for p in prompts] == [b"I12", b"I13"]
    assert host.next() == golden("approved")
    assert sim.wait_idle(2)
    assert sim.charged() == ["K1-20250115-000123"]


def test_golden_query_returns_the_stored_answer_and_golden_void_voids(sim: PaymentSimulator) -> None:
    sim.next_auth = "A12345"
    host = Host(sim)
    host.write(golden("sale"))
    approval = host.final()
    host.write(golden("query"))
    assert host.next() == ACK
    assert host.next() == golden("approved")  # byte for byte the stored answer
    host.write(golden("void"))
    void = host.final()
    assert isinstance(void, TxnResult) and void.approved and void.ecr_ref == "K1-20250115-000124"
    assert void.trace_no == "000124" and approval.trace_no == "000123"  # type: ignore[union-attr]
    entry = {e["ecr_ref"]: e for e in sim.journal()}
    assert entry["K1-20250115-000123"]["voided"] is True


def test_repeated_sale_returns_the_stored_answer_without_a_second_charge(sim: PaymentSimulator) -> None:
    host = Host(sim)
    host.request(Sale(12000, "A1P1"))
    first = host.final()
    host.request(Sale(12000, "A1P1"))
    again = host.final()
    assert first == again and sim.charged() == ["A1P1"]
    assert [r["type"] for r in sim.requests()] == ["00", "00"]


def test_query_unknown_reference_and_query_last(sim: PaymentSimulator) -> None:
    host = Host(sim)
    host.request(Query("NOPE"))
    nope = host.final()
    assert isinstance(nope, TxnResult) and nope.resp_code == "25" and nope.ecr_ref == "NOPE"
    host.request(Query(None))
    assert host.final().resp_code == "25"
    host.request(Sale(100, "A1P1"))
    host.final()
    host.request(Query(None))
    assert host.final().ecr_ref == "A1P1"  # type: ignore[union-attr]


@pytest.mark.parametrize(("amount", "code"), [(12051, "51"), (12055, "55"), (12000, "00")])
def test_outcome_by_amount(sim: PaymentSimulator, amount: int, code: str) -> None:
    host = Host(sim)
    host.request(Sale(amount, "A1P1"))
    assert host.final().resp_code == code


def test_amount_98_is_charged_but_never_answered_and_97_neither(sim: PaymentSimulator) -> None:
    host = Host(sim)
    host.request(Sale(12098, "A1P1"))
    assert sim.wait_idle(2)
    host.request(Sale(12097, "A2P1"))
    assert sim.wait_idle(2)
    frames = []
    while not host.out.empty():
        frames.append(host.out.get())
    assert not [f for f in frames if f[3:4] == b"R"]
    assert sim.charged() == ["A1P1"]
    host.request(Query("A1P1"))
    assert host.final().resp_code == "00"
    host.request(Query("A2P1"))
    assert host.final().resp_code == "25"


def test_scripted_outcomes_by_call_and_by_control_text(sim: PaymentSimulator) -> None:
    sim.next_sale = Declined("05")
    assert sim.script("decline:51") == 2
    sim.next_sale = Approved()
    host = Host(sim)
    codes = []
    for n in (1, 2, 3):
        host.request(Sale(100, f"A1P{n}"))
        codes.append(host.final().resp_code)
    assert codes == ["05", "51", "00"]
    assert parse_script("no_answer") == NoAnswer(True) and parse_script("no_answer_uncharged") == NoAnswer(False)
    with pytest.raises(ValueError):
        parse_script("approve please")


def test_bad_lrc_is_naked_and_nothing_happens(sim: PaymentSimulator) -> None:
    host = Host(sim)
    bad = bytearray(golden("sale"))
    bad[-1] ^= 1
    host.write(bytes(bad))
    assert host.next() == NAK
    assert sim.requests() == [] and sim.wait_idle(0.5)


def test_fault_no_ack_ignores_the_frame(sim: PaymentSimulator) -> None:
    sim.inject("no_ack")
    host = Host(sim)
    host.write(golden("sale"))
    with pytest.raises(queue.Empty):
        host.next(timeout=0.3)
    host.write(golden("sale"))  # the kiosk's second send
    assert host.next() == ACK
    assert [r["ignored"] for r in sim.requests()] == [True, False]


def test_fault_corrupt_lrc_then_good_copy_after_nak(sim: PaymentSimulator) -> None:
    sim.inject("corrupt_lrc")
    host = Host(sim, auto_ack=False)
    host.write(golden("sale"))
    assert host.next() == ACK
    corrupted = host.next()
    assert corrupted[:-1] == golden("prompt_insert_card")[:-1] and corrupted != golden("prompt_insert_card")
    host.write(NAK)
    assert host.next() == golden("prompt_insert_card")


def test_unacknowledged_frame_is_sent_three_times_then_given_up(sim: PaymentSimulator) -> None:
    host = Host(sim, auto_ack=False)
    host.request(Query("X"))
    assert host.next() == ACK
    copies = [host.next(), host.next(), host.next()]
    assert copies[0] == copies[1] == copies[2]
    assert sim.wait_idle(2)
    with pytest.raises(queue.Empty):
        host.next(timeout=0.3)


def test_fault_die_after_ack_and_duplicate_final(sim: PaymentSimulator) -> None:
    sim.inject("die_after_ack")
    host = Host(sim)
    host.request(Sale(100, "A1P1"))
    assert host.next() == ACK
    assert sim.wait_idle(1)
    with pytest.raises(queue.Empty):
        host.next(timeout=0.3)
    sim.inject("duplicate_final")
    host.request(Sale(100, "A1P2"))
    first = host.final()
    assert host.final() == first


def test_fault_slow_answers_busy_to_queries_meanwhile(sim: PaymentSimulator) -> None:
    sim.inject("slow", seconds=0.6)
    host = Host(sim)
    host.request(Sale(100, "A1P1"))
    host.request(Query("A1P1"))
    assert host.final().resp_code == "C4"
    assert host.final().resp_code == "00"  # the sale's own answer, late


def test_fault_unplug_after_ack_still_completes_the_charge(sim: PaymentSimulator) -> None:
    sim.inject("unplug_after_ack")
    host = Host(sim)
    host.request(Sale(100, "A1P1"))
    assert sim.wait_idle(3)
    assert not sim.plugged and sim.charged() == ["A1P1"]
    sim.replug()
    host.request(Query("A1P1"))
    assert host.final().resp_code == "00"


def test_unknown_fault_is_refused(sim: PaymentSimulator) -> None:
    with pytest.raises(ValueError, match="known"):
        sim.inject("gremlins")
    assert set(FAULTS) == {"no_ack", "corrupt_lrc", "die_after_ack", "slow", "duplicate_final", "unplug_after_ack"}


def test_void_only_in_open_batch_then_refund_and_settlement_totals(sim: PaymentSimulator) -> None:
    host = Host(sim)
    host.request(Sale(6000, "A1P1"))
    sale = host.final()
    host.request(Sale(1500, "A2P1"))
    other = host.final()
    host.request(Void(other.trace_no, 1500, "A2V1"))  # type: ignore[union-attr]
    assert host.final().approved  # type: ignore[union-attr]
    host.request(Settle())
    totals = host.final()
    assert isinstance(totals, SettlementTotals)
    assert (totals.sale_count, totals.sale_amount_fen, totals.void_count, totals.void_amount_fen) == (2, 7500, 1, 1500)
    host.request(Void(sale.trace_no, 6000, "A1V1"))  # type: ignore[union-attr]
    assert host.final().resp_code == "C5"
    host.request(Refund(sale.rrn, CLOCK.date(), 6000, "A1R1"))  # type: ignore[union-attr]
    refund = host.final()
    assert refund.approved and refund.batch_no == "000002"  # type: ignore[union-attr]
    host.request(Refund(sale.rrn, CLOCK.date(), 1, "A1R2"))  # type: ignore[union-attr]
    assert host.final().resp_code == "13"  # nothing left to refund
    assert sim.batch_totals() == {"batch_no": "000002", "sale_count": 0, "sale_amount_fen": 0, "void_count": 0,
                                  "void_amount_fen": 0, "refund_count": 1, "refund_amount_fen": 6000}


def test_sign_in_required_when_configured(sim: PaymentSimulator) -> None:
    sim.configure(signed_in=False)
    host = Host(sim)
    host.request(Sale(100, "A1P1"))
    assert host.final().resp_code == "C3"
    host.request(SignIn())
    assert host.final().approved  # type: ignore[union-attr]
    host.request(Sale(100, "A1P2"))
    assert host.final().approved  # type: ignore[union-attr]


def test_abort_before_online_cancels(sim: PaymentSimulator) -> None:
    sim.configure(prompt_delay=0.2)
    host = Host(sim)
    host.request(Sale(100, "A1P1"))
    assert host.next() == ACK
    assert host.next()[3:6] == b"I11"
    host.write(stx_frame(b"C09" + b"KIOSK001" + b"00000001" + b"0" * 12 + b" " * 26 + b"A1P1".ljust(20)))
    result = host.final()
    assert result.resp_code == "C1" and result.outcome is Outcome.DECLINED_RETRY
    assert sim.charged() == []


def test_garbage_request_content_is_answered_with_format_error(sim: PaymentSimulator) -> None:
    host = Host(sim)
    host.write(stx_frame(b"Cshort"))
    assert host.next() == ACK
    assert host.final().resp_code == "30"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_never_breaks_the_terminal(data: bytes) -> None:
    sim = PaymentSimulator(ack_timeout=0.05)
    try:
        out: list[bytes] = []
        sim.connect(out.append)
        sim.receive(data)
        sim.cancel_pending()
        # Whatever came before, a good request after it (following a clean STX) is acknowledged.
        out.clear()
        sim.receive(b"\x03" * 1000 + golden("query"))
        assert ACK in out
    finally:
        sim.close()
