"""KIOSK-ECR v1 host codec against the spec's worked frames (tests/data/frames/payment/), byte at a
time, through every link-layer rule, and fuzzed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.framing import parse_hex, stx_frame
from drivers.payment.codes import CODES, outcome_of
from drivers.payment.protocol import (
    Abort,
    Acked,
    AckTimeout,
    Final,
    InterByteTimeout,
    KioskEcrProtocol,
    LinkState,
    PromptReceived,
    Query,
    Refund,
    ResponseTimeout,
    Sale,
    SendFailed,
    Settle,
    SignIn,
    Transmit,
    Void,
    decode_request,
)
from drivers.payment.results import APPLICANT_MESSAGES, Outcome, PromptStage, SettlementTotals, TxnResult

FRAMES = Path(__file__).resolve().parents[1] / "data" / "frames" / "payment"
REF = "K1-20250115-000123"
ACK, NAK = b"\x06", b"\x15"


def golden(name: str) -> bytes:
    text = (FRAMES / f"{name}.hex").read_text(encoding="utf-8")
    return parse_hex("\n".join(line for line in text.splitlines() if not line.startswith("#")))


def drain(codec: KioskEcrProtocol) -> list[object]:
    events = []
    while (event := codec.next_event()) is not NEED_DATA:
        events.append(event)
    return events


# -- golden frames, both ways ----------------------------------------------------------------------
@pytest.mark.parametrize(("command", "name"), [
    (Sale(12000, REF), "sale"),
    (Query(REF), "query"),
    (Void("000123", 12000, "K1-20250115-000124"), "void"),
])
def test_requests_encode_to_the_spec_frames(command: object, name: str) -> None:
    assert KioskEcrProtocol("KIOSK001", "00000001").send(command) == golden(name)


@pytest.mark.parametrize(("name", "fields"), [
    ("sale", {"type": "00", "name": "sale", "amount_fen": 12000, "ecr_ref": REF, "orig_trace": ""}),
    ("query", {"type": "07", "name": "query", "amount_fen": 0, "ecr_ref": REF}),
    ("void", {"type": "01", "amount_fen": 12000, "orig_trace": "000123", "ecr_ref": "K1-20250115-000124"}),
])
def test_request_frames_decode_back(name: str, fields: dict[str, object]) -> None:
    decoded = decode_request(golden(name)[3:-2])
    assert decoded["kiosk_id"] == "KIOSK001" and decoded["operator_id"] == "00000001"
    assert {k: decoded[k] for k in fields} == fields


def test_prompt_and_approved_frames_decode_to_typed_events() -> None:
    codec = KioskEcrProtocol()
    codec.send(Sale(12000, REF))
    codec.receive_data(ACK + golden("prompt_insert_card") + golden("approved"))
    events = drain(codec)
    assert events[0] == Acked()
    assert events[1] == Transmit(ACK, "frame received")
    prompt = events[2].prompt  # type: ignore[attr-defined]
    assert (prompt.stage, prompt.code, prompt.text) == (PromptStage.INSERT_CARD, "11", "请插卡或挥卡")
    assert events[3] == Transmit(ACK, "frame received")
    final = events[4]
    assert isinstance(final, Final) and final.solicited
    assert final.result == TxnResult(
        outcome=Outcome.APPROVED, resp_code="00", resp_text="交易成功", amount_fen=12000, ecr_ref=REF,
        pan_masked="622848******1234", trace_no="000123", batch_no="000001", rrn="501510304512",
        auth_code="A12345", merchant_id="898110070110001", terminal_id="10000001", txn_date="0115",
        txn_time="103045", settle_date="0115", issuer_bank="0102")
    assert final.result.raw == golden("approved")[3:-2]
    assert codec.state is LinkState.IDLE and len(events) == 5


def test_refund_sign_in_settle_query_last_and_abort_layouts() -> None:
    codec = KioskEcrProtocol("K9", "OP1")
    frame = codec.send(Refund("501510304512", date(2025, 1, 15), 6000, "K9P1R1"))
    fields = decode_request(frame[3:-2])
    assert (fields["type"], fields["orig_date"], fields["orig_rrn"], fields["amount_fen"]) == (
        "02", "20250115", "501510304512", 6000)
    assert fields["kiosk_id"] == "K9" and frame[6:14] == b"K9      "
    codec.send(ResponseTimeout())
    assert decode_request(codec.send(SignIn())[3:-2])["type"] == "05"
    codec.send(ResponseTimeout())
    assert decode_request(codec.send(Settle())[3:-2])["type"] == "06"
    codec.send(ResponseTimeout())
    last = decode_request(codec.send(Query(None))[3:-2])
    assert (last["type"], last["ecr_ref"]) == ("08", "")
    assert decode_request(codec.send(Abort("X"))[3:-2])["type"] == "09"


def settlement_payload() -> bytes:
    # Our extension (docs/payment.md): S, code, merchant 15, terminal 8, batch 6, MMDD, hhmmss, then
    # count 4 + amount 12 for sales, voids and refunds, then a 40-byte message.
    return (b"S00" + b"898110070110001" + b"10000001" + b"000007" + b"0115" + b"180000"
            + b"0003" + b"000000036000" + b"0001" + b"000000012000" + b"0000" + b"000000000000"
            + "结算成功".encode("gbk") + b" " * 32)


def test_settlement_totals_frame() -> None:
    codec = KioskEcrProtocol()
    codec.send(Settle())
    codec.receive_data(ACK + stx_frame(settlement_payload()))
    final = drain(codec)[-1]
    assert isinstance(final, Final) and final.solicited
    totals = final.result
    assert isinstance(totals, SettlementTotals)
    assert (totals.batch_no, totals.sale_count, totals.sale_amount_fen, totals.void_count,
            totals.void_amount_fen, totals.refund_count, totals.net_amount_fen) == ("000007", 3, 36000, 1, 12000, 0,
                                                                                    24000)


def test_byte_at_a_time_gives_the_same_events() -> None:
    stream = ACK + golden("prompt_insert_card") + golden("approved")
    whole = KioskEcrProtocol()
    whole.send(Sale(12000, REF))
    whole.receive_data(stream)
    expected = drain(whole)
    trickle = KioskEcrProtocol()
    trickle.send(Sale(12000, REF))
    got: list[object] = []
    for i in range(len(stream)):
        trickle.receive_data(stream[i:i + 1])
        got.extend(drain(trickle))
    assert got == expected


# -- link-layer rules -----------------------------------------------------------------------------
def test_nak_resends_the_same_frame_until_three_sends_then_fails() -> None:
    codec = KioskEcrProtocol()
    frame = codec.send(Sale(100, "A1P1"))
    codec.receive_data(NAK)
    assert drain(codec) == [Transmit(frame, "send 2 after NAK")]
    codec.receive_data(NAK)
    assert drain(codec) == [Transmit(frame, "send 3 after NAK")]
    codec.receive_data(NAK)
    assert drain(codec) == [SendFailed(3)]
    assert codec.state is LinkState.IDLE


def test_ack_timeout_gives_the_frame_again_then_gives_up() -> None:
    codec = KioskEcrProtocol(ack_timeout=0.5, response_timeout=60)
    frame = codec.send(Sale(100, "A1P1"))
    assert codec.wait_limit == 0.5
    assert codec.send(AckTimeout()) == frame and codec.sends == 2
    assert codec.send(AckTimeout()) == frame and codec.sends == 3
    assert codec.send(AckTimeout()) == b"" and codec.state is LinkState.IDLE
    assert codec.wait_limit is None


def test_ack_moves_to_the_response_wait_and_response_timeout_forgets_the_request() -> None:
    codec = KioskEcrProtocol(ack_timeout=0.5, response_timeout=60)
    codec.send(Sale(100, "A1P1"))
    codec.receive_data(ACK)
    assert drain(codec) == [Acked()] and codec.wait_limit == 60
    assert codec.send(AckTimeout()) == b""  # not awaiting an ACK any more
    codec.send(ResponseTimeout())
    assert codec.state is LinkState.IDLE
    late = approved_frame("A1P1")
    codec.receive_data(late)
    events = drain(codec)
    assert events[0] == Transmit(ACK, "frame received")
    assert isinstance(events[1], Final) and not events[1].solicited


def approved_frame(ref: str, amount: int = 100, trace: str = "000001") -> bytes:
    payload = golden("approved")[3:-2]
    payload = payload[:27] + trace.encode() + f"{amount:012d}".encode() + payload[45:146] + ref.encode().ljust(20)
    return stx_frame(payload)


def test_bad_frames_are_naked_and_the_codec_resynchronises() -> None:
    codec = KioskEcrProtocol()
    codec.send(Sale(12000, REF))
    bad = bytearray(golden("approved"))
    bad[-1] ^= 0xFF
    codec.receive_data(ACK + bytes(bad) + golden("approved"))
    assert codec.next_event() == Acked()
    with pytest.raises(RemoteProtocolError, match="bad LRC"):
        codec.next_event()
    events = drain(codec)
    assert events[0] == Transmit(NAK, "bad frame")  # the terminal will send it again
    assert isinstance(events[-1], Final) and events[-1].result.trace_no == "000123"


def test_noise_raises_after_consuming_it() -> None:
    codec = KioskEcrProtocol()
    codec.receive_data(b"\xff\xfe" + golden("prompt_insert_card"))
    with pytest.raises(RemoteProtocolError, match="2 stray"):
        codec.next_event()
    assert isinstance(drain(codec)[-1], PromptReceived)


def test_good_frame_with_unknown_content_is_acked_then_reported() -> None:
    codec = KioskEcrProtocol()
    codec.receive_data(stx_frame(b"Zhello"))
    with pytest.raises(RemoteProtocolError, match="unknown frame class"):
        codec.next_event()
    assert drain(codec) == [Transmit(ACK, "frame received")]


def test_repeated_final_is_acked_and_dropped_once_delivered() -> None:
    codec = KioskEcrProtocol()
    codec.send(Sale(12000, REF))
    codec.receive_data(ACK + golden("approved") + golden("approved"))
    events = drain(codec)
    assert [type(e).__name__ for e in events] == ["Acked", "Transmit", "Final", "Transmit"]
    assert codec.duplicates_dropped == 1


def test_query_answer_equal_to_the_sale_answer_is_still_delivered() -> None:
    codec = KioskEcrProtocol()
    codec.send(Sale(12000, REF))
    codec.receive_data(ACK + golden("approved"))
    drain(codec)
    codec.send(Query(REF))
    codec.receive_data(ACK + golden("approved"))
    finals = [e for e in drain(codec) if isinstance(e, Final)]
    assert len(finals) == 1 and finals[0].solicited


def test_final_for_another_reference_does_not_answer_the_request() -> None:
    codec = KioskEcrProtocol()
    codec.send(Sale(100, "A2P1"))
    codec.receive_data(ACK + approved_frame("A1P1"))
    finals = [e for e in drain(codec) if isinstance(e, Final)]
    assert not finals[0].solicited and codec.state is LinkState.AWAITING_RESPONSE


def test_final_before_a_lost_ack_still_answers_the_request() -> None:
    codec = KioskEcrProtocol()
    codec.send(Sale(100, "A1P1"))
    codec.receive_data(approved_frame("A1P1"))
    finals = [e for e in drain(codec) if isinstance(e, Final)]
    assert finals[0].solicited and codec.state is LinkState.IDLE


def test_sign_in_and_settle_only_accept_their_own_kind_of_answer() -> None:
    codec = KioskEcrProtocol()
    codec.send(Settle())
    codec.receive_data(ACK + approved_frame("A1P1") + stx_frame(settlement_payload()))
    finals = [e for e in drain(codec) if isinstance(e, Final)]
    assert [f.solicited for f in finals] == [False, True]


def test_inter_byte_timeout_drops_a_half_frame_with_nak() -> None:
    codec = KioskEcrProtocol()
    codec.receive_data(golden("approved")[:40])
    assert codec.next_event() is NEED_DATA and codec.has_partial_frame
    assert codec.send(InterByteTimeout()) == NAK
    assert not codec.has_partial_frame
    assert codec.send(InterByteTimeout()) == b""


def test_misuse_is_a_local_protocol_error() -> None:
    codec = KioskEcrProtocol()
    with pytest.raises(LocalProtocolError, match="nothing to abort"):
        codec.send(Abort())
    codec.send(Sale(100, "A1P1"))
    with pytest.raises(LocalProtocolError, match="in flight"):
        codec.send(Sale(100, "A1P2"))
    codec.send(ResponseTimeout())
    for bad in (Sale(0, "A1P1"), Sale(100, "has space"), Sale(100, "X" * 21), Void("12", 100, "A1V1"),
                Sale(10**12, "A1P1"), "not a command"):
        with pytest.raises(LocalProtocolError):
            codec.send(bad)
    with pytest.raises(LocalProtocolError, match="kiosk id"):
        KioskEcrProtocol("TOO-LONG-ID")


# -- response codes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "outcome"), [
    ("00", Outcome.APPROVED), ("51", Outcome.DECLINED_CARD), ("05", Outcome.DECLINED_CARD),
    ("55", Outcome.DECLINED_RETRY), ("C1", Outcome.DECLINED_RETRY), ("96", Outcome.TERMINAL_PROBLEM),
    ("A0", Outcome.TERMINAL_PROBLEM), ("98", Outcome.UNKNOWN_OUTCOME), ("94", Outcome.UNKNOWN_OUTCOME),
    ("11", Outcome.UNKNOWN_OUTCOME), ("25", Outcome.NOT_FOUND), ("ZZ", Outcome.TERMINAL_PROBLEM),
])
def test_codes_map_to_outcome_classes(code: str, outcome: Outcome) -> None:
    assert outcome_of(code) is outcome


def test_only_00_approves_and_every_class_has_both_messages() -> None:
    assert [c for c, (o, _, _) in CODES.items() if o is Outcome.APPROVED] == ["00"]
    for outcome in Outcome:
        assert APPLICANT_MESSAGES[outcome]["zh_CN"] and APPLICANT_MESSAGES[outcome]["en"]


# -- fuzz -----------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_garbage_only_ever_raises_the_protocol_error_and_always_progresses(data: bytes) -> None:
    codec = KioskEcrProtocol()
    codec.send(Sale(100, "A1P1"))
    codec.receive_data(data)
    for _ in range(len(data) + 5):
        try:
            if codec.next_event() is NEED_DATA:
                return
        except RemoteProtocolError:
            continue
    raise AssertionError("codec did not reach NEED_DATA")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=12))
def test_any_split_of_a_stream_gives_the_same_events(cuts: list[int]) -> None:
    stream = ACK + golden("prompt_insert_card") + golden("approved")
    reference = KioskEcrProtocol()
    reference.send(Sale(12000, REF))
    reference.receive_data(stream)
    expected = drain(reference)
    codec = KioskEcrProtocol()
    codec.send(Sale(12000, REF))
    got: list[object] = []
    pos = 0
    for cut in [*cuts, len(stream)]:
        codec.receive_data(stream[pos:pos + cut])
        pos += cut
        got.extend(drain(codec))
    codec.receive_data(stream[pos:])
    got.extend(drain(codec))
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=170).filter(lambda b: b[:1] not in (b"I", b"R", b"S")))
def test_any_well_framed_payload_is_acked_then_decoded_or_refused(payload: bytes) -> None:
    codec = KioskEcrProtocol()
    codec.receive_data(stx_frame(payload))
    with pytest.raises(RemoteProtocolError):
        codec.next_event()
    assert drain(codec) == [Transmit(ACK, "frame received")]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"I", b"R", b"S"]), st.binary(max_size=170))
def test_fuzzed_answer_payloads_decode_or_raise_cleanly(kind: bytes, body: bytes) -> None:
    codec = KioskEcrProtocol()
    codec.receive_data(stx_frame(kind + body))
    try:
        events = drain(codec)
    except RemoteProtocolError:
        return
    assert events[0] == Transmit(ACK, "frame received")
