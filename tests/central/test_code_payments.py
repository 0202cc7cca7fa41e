"""Mobile payment codes end to end: the kiosk client -> the live central service -> the micropay
adapter -> the gateway simulator over HTTP, for every outcome and fault the simulator can script.

Every test ends by checking the money: the simulator never charged an order twice, and the central
record agrees with the simulator's ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from central.gateway.interface import GatewayOrder, GatewayOutcomeUnknown, GatewayStatus
from central.gateway.micropay import MicropayGateway, micropay_signature
from central.gateway.simulator import CHINA, GatewaySimulator, SimulatorServer, sign_fields
from central.models import CodePaymentEvent
from kiosk.domain.progress_code import format_application_no
from kiosk.services.api import ApiClient, ConflictError, PermanentError, TransientError
from tests.central.harness import CentralHarness, application_body

WECHAT = "134567890123456789"
ALIPAY = "28763443825664394"
KEY = b"test-merchant-key-0123456789abcd"


def number(seq: int, kiosk: str = "KIOSK001") -> str:
    return format_application_no(kiosk, datetime.now(UTC).astimezone().date(), seq)


@pytest.fixture
def simulator() -> Iterator[SimulatorServer]:
    server = SimulatorServer(GatewaySimulator(key=KEY)).start()
    yield server
    server.stop()


@pytest.fixture
def central(sqlite_url: str, tmp_path: Path, simulator: SimulatorServer) -> Iterator[CentralHarness]:
    gateway = MicropayGateway(simulator.url, "1900000109", KEY, read_timeout=1.0)
    built = CentralHarness.build(sqlite_url, tmp_path, gateway=gateway)
    built.serve()
    yield built
    built.close()


@pytest.fixture
def client(central: CentralHarness) -> Iterator[ApiClient]:
    api = central.client(read_timeout=10)
    yield api
    api.close()


def charged_once(sim: GatewaySimulator) -> list[str]:
    charged = sim.charged()
    assert len(charged) == len(set(charged)), f"an order was charged twice: {charged}"
    return charged


def events(central: CentralHarness, reference: str) -> list[str]:
    with central.central.database.read() as session:
        return [e.event for e in session.scalars(select(CodePaymentEvent).where(CodePaymentEvent.reference == reference)
                                                 .order_by(CodePaymentEvent.id))]


# -- outcomes ---------------------------------------------------------------------------------------

def test_approved_then_the_same_request_again_answers_the_same_and_charges_once(
        client: ApiClient, simulator: SimulatorServer, central: CentralHarness) -> None:
    no = number(1)
    paid = client.charge_code(f"{no}W1", no, 12000, WECHAT)
    assert (paid.state, paid.wallet, paid.charged_fen, paid.code_masked) == ("paid", "wechat", 12000,
                                                                              "13************6789")
    assert paid.gateway_txn_id.startswith("42") and not paid.replayed
    again = client.charge_code(f"{no}W1", no, 12000, WECHAT)
    assert again.replayed and (again.state, again.gateway_txn_id) == ("paid", paid.gateway_txn_id)
    assert [r["op"] for r in simulator.simulator.requests()] == ["pay"]  # never presented twice
    with pytest.raises(ConflictError):
        client.charge_code(f"{no}W1", no, 12000, "134567890123450000")
    assert charged_once(simulator.simulator) == [f"{no}W1"]
    assert events(central, f"{no}W1")[:2] == ["pay:sending", "pay:answer"]
    assert WECHAT not in str(events(central, f"{no}W1"))


def test_declined(client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(2)
    declined = client.charge_code(f"{no}W1", no, 12051, ALIPAY)
    assert (declined.state, declined.result_code, declined.wallet) == ("declined", "NOTENOUGH", "alipay")
    assert client.query_code_payment(f"{no}W1").state == "declined"  # type: ignore[union-attr]
    assert charged_once(simulator.simulator) == []


def test_the_applicant_confirms_on_the_phone_20_s_later(client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(3)
    simulator.simulator.script("pays_after:20")
    first = client.charge_code(f"{no}W1", no, 12000, WECHAT)
    assert first.state == "paying"
    simulator.simulator.advance(19)
    assert client.query_code_payment(f"{no}W1").state == "paying"  # type: ignore[union-attr]
    simulator.simulator.advance(1)
    paid = client.query_code_payment(f"{no}W1")
    assert paid is not None and paid.state == "paid" and paid.charged_fen == 12000
    assert charged_once(simulator.simulator) == [f"{no}W1"]


def test_the_applicant_never_confirms_and_the_kiosk_cancels(client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(4)
    simulator.simulator.script("never_pays")
    assert client.charge_code(f"{no}W1", no, 12000, WECHAT).state == "paying"
    cancelled = client.cancel_code_payment(f"{no}W1")
    assert cancelled.state == "cancelled" and cancelled.refunded_fen == 0
    assert client.cancel_code_payment(f"{no}W1").state == "cancelled"  # idempotent
    assert charged_once(simulator.simulator) == []
    assert simulator.simulator.ledger()[0]["state"] == "REVOKED"


def test_the_applicant_gives_up_on_the_phone(client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(5)
    simulator.simulator.script("user_cancels")
    assert client.charge_code(f"{no}W1", no, 12000, WECHAT).state == "paying"
    simulator.simulator.advance(5)
    assert client.query_code_payment(f"{no}W1").state == "cancelled"  # type: ignore[union-attr]


# -- faults -------------------------------------------------------------------------------------------

def test_never_answers_and_never_charged_is_closed_for_good(client: ApiClient, simulator: SimulatorServer,
                                                            central: CentralHarness) -> None:
    no = number(6)
    answer = client.charge_code(f"{no}W1", no, 12097, WECHAT)  # hangs past the adapter's 1 s
    assert answer.state == "cancelled"  # query: never heard of it -> reversed anyway -> closed
    assert events(central, f"{no}W1")[:4] == ["pay:sending", "pay:no_answer", "query:not_found", "reverse:sending"]
    assert simulator.simulator.ledger()[0]["tombstone"] and charged_once(simulator.simulator) == []


def test_never_answers_after_charging_is_found_paid_by_the_query(client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(7)
    assert client.charge_code(f"{no}W1", no, 12096, WECHAT).state == "paid"
    assert charged_once(simulator.simulator) == [f"{no}W1"]


@pytest.mark.parametrize("amount", [12098, 12093], ids=["network-drop-after-charge", "systemerror"])
def test_a_lost_answer_after_the_charge_is_found_by_the_query(client: ApiClient, simulator: SimulatorServer,
                                                              amount: int) -> None:
    no = number(8)
    paid = client.charge_code(f"{no}W1", no, amount, WECHAT)
    assert paid.state == "paid" and paid.charged_fen == amount
    assert [r["op"] for r in simulator.simulator.requests()] == ["pay", "query"]
    assert charged_once(simulator.simulator) == [f"{no}W1"]


def test_the_gateway_silent_for_everything_leaves_unknown_until_it_answers(
        client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(9)
    simulator.simulator.inject("hang_after", 2)  # the pay is done, then neither it nor the query answers
    assert client.charge_code(f"{no}W1", no, 12000, WECHAT).state == "unknown"
    simulator.simulator.clear_faults()
    assert client.query_code_payment(f"{no}W1").state == "paid"  # type: ignore[union-attr]
    assert charged_once(simulator.simulator) == [f"{no}W1"]


def test_a_gateway_that_answers_twice_never_gets_its_stale_answer_believed(
        client: ApiClient, simulator: SimulatorServer) -> None:
    first, second = number(10), number(11)
    simulator.simulator.inject("answer_twice", 1)
    assert client.charge_code(f"{first}W1", first, 12000, WECHAT).state == "paid"
    assert client.charge_code(f"{second}W1", second, 12000, ALIPAY).state == "paid"
    assert sorted(charged_once(simulator.simulator)) == sorted([f"{first}W1", f"{second}W1"])


def test_the_adapter_refuses_an_answer_meant_for_another_request(simulator: SimulatorServer) -> None:
    """A late duplicate of an earlier answer (correctly signed) never answers this request."""
    gateway = MicropayGateway(simulator.url, "1900000109", KEY, read_timeout=1.0)
    assert gateway.pay(GatewayOrder("KIOSK0012612030001W1", WECHAT, 100)).status is GatewayStatus.PAID
    simulator.simulator.inject("stale_answer", 1)
    with pytest.raises(GatewayOutcomeUnknown, match="does not belong"):
        gateway.pay(GatewayOrder("KIOSK0012612030002W1", ALIPAY, 100))
    assert gateway.query("KIOSK0012612030002W1").status is GatewayStatus.PAID


def test_a_stale_answer_to_a_charge_is_resolved_by_the_query(client: ApiClient, simulator: SimulatorServer,
                                                             central: CentralHarness) -> None:
    first, second = number(20), number(21)
    client.charge_code(f"{first}W1", first, 12000, WECHAT)
    simulator.simulator.inject("stale_answer", 1, "pay")
    assert client.charge_code(f"{second}W1", second, 12000, ALIPAY).state == "paid"
    assert "pay:no_answer" in events(central, f"{second}W1")
    assert sorted(charged_once(simulator.simulator)) == sorted([f"{first}W1", f"{second}W1"])


def test_a_bad_signature_or_an_http_error_is_an_unknown_outcome(simulator: SimulatorServer) -> None:
    gateway = MicropayGateway(simulator.url, "1900000109", KEY, read_timeout=1.0)
    simulator.simulator.inject("bad_signature", 1)
    with pytest.raises(GatewayOutcomeUnknown, match="signature"):
        gateway.pay(GatewayOrder("KIOSK0012612030003W1", WECHAT, 100))
    simulator.simulator.inject("http_500", 1)
    with pytest.raises(GatewayOutcomeUnknown, match="HTTP 500"):
        gateway.query("KIOSK0012612030003W1")
    assert gateway.query("KIOSK0012612030003W1").status is GatewayStatus.PAID


def test_a_wrong_merchant_key_is_refused_by_the_gateway(simulator: SimulatorServer) -> None:
    gateway = MicropayGateway(simulator.url, "1900000109", b"wrong-key-000000000000000000000000")
    with pytest.raises(GatewayOutcomeUnknown, match="refused the message"):
        gateway.query("KIOSK0012612030004W1")


def test_the_signature_golden_vector() -> None:
    """Adapter and simulator compute the signature independently; both must give these bytes, the
    HMAC-SHA256 of the canonical string written out here (empty values left out, keys sorted)."""
    fields: dict[str, Any] = {"mch_id": "1900000109", "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                              "out_trade_no": "KIOSK0012612030001W1", "total_fee": 12000, "auth_code": WECHAT,
                              "body": "出入境证件费", "empty": ""}
    # canonical: "auth_code=134567890123456789&body=出入境证件费&mch_id=1900000109&nonce_str=5K82...67VS"
    #            "&out_trade_no=KIOSK0012612030001W1&total_fee=12000&key=test-merchant-key-0123456789abcd"
    golden = "DEF21334FC88B0F12BB8A2B6B594BC5AFC91247B5BF76CC20CAD98521434BA41"
    assert micropay_signature(fields, KEY) == golden
    assert sign_fields(fields, KEY) == golden
    assert micropay_signature({**fields, "sign": "ignored"}, KEY) == golden


# -- reversal, refund, tombstones ----------------------------------------------------------------------

def test_a_paid_charge_nothing_honours_is_reversed_the_same_day(client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(12)
    before = datetime.now(CHINA).strftime("%Y%m%d")  # the gateway's bill day is China's, not the machine's
    client.charge_code(f"{no}W1", no, 12000, WECHAT)
    reversed_ = client.cancel_code_payment(f"{no}W1")
    assert (reversed_.state, reversed_.refunded_fen) == ("reversed", 12000)
    after = datetime.now(CHINA).strftime("%Y%m%d")  # taken at the moment of use: midnight may pass
    bill = [line for day in sorted({before, after}) for line in simulator.simulator.bill_lines(day)]
    assert [(line["kind"], line["amount_fen"]) for line in bill] == [("pay", 12000), ("reverse", 12000)]


def test_a_day_later_the_reversal_is_refused_and_the_charge_refunded(client: ApiClient,
                                                                     simulator: SimulatorServer) -> None:
    no = number(13)
    client.charge_code(f"{no}W1", no, 12000, WECHAT)
    simulator.simulator.advance(24 * 3600)
    refunded = client.cancel_code_payment(f"{no}W1")
    assert (refunded.state, refunded.refunded_fen) == ("refunded", 12000)
    assert simulator.simulator.ledger()[0]["state"] == "REFUND"


def test_an_explicit_refund_is_whole_and_idempotent(client: ApiClient, simulator: SimulatorServer) -> None:
    no = number(14)
    client.charge_code(f"{no}W1", no, 12000, WECHAT)
    with pytest.raises(ConflictError):
        client.refund_code_payment(f"{no}W1", 6000)
    assert client.refund_code_payment(f"{no}W1", 12000).state == "refunded"
    assert client.refund_code_payment(f"{no}W1", 12000).state == "refunded"
    assert simulator.simulator.ledger()[0]["refunded_fen"] == 12000


def test_cancelling_a_reference_never_charged_refuses_a_late_charge(client: ApiClient,
                                                                    simulator: SimulatorServer) -> None:
    no = number(15)
    assert client.query_code_payment(f"{no}W1") is None
    assert client.cancel_code_payment(f"{no}W1").state == "cancelled"
    with pytest.raises(ConflictError):
        client.charge_code(f"{no}W1", no, 12000, WECHAT)
    assert simulator.simulator.requests() == []


def test_refusals(client: ApiClient, central: CentralHarness) -> None:
    other = number(16, "KIOSK002")
    with pytest.raises(PermanentError) as refused:
        client.charge_code(f"{other}W1", other, 12000, WECHAT)
    assert refused.value.status == 403
    no = number(17)
    with pytest.raises(PermanentError) as invalid:
        client.charge_code(f"{no}W1", no, 12000, "165112298638468293")  # no wallet's code
    assert invalid.value.status == 422
    with pytest.raises(PermanentError):
        client.charge_code(f"{no}P1", no, 12000, WECHAT)  # not a code payment reference
    assert client.payment_methods().code_payments


def test_without_a_gateway_code_payments_are_unavailable(harness: CentralHarness) -> None:
    api = harness.client(get_retries=0)
    no = number(18)
    assert not api.payment_methods().code_payments
    with pytest.raises(TransientError) as unavailable:
        api.charge_code(f"{no}W1", no, 12000, WECHAT)
    assert unavailable.value.status == 503


# -- the application carries the payment; the timeline shows the method --------------------------------

def test_the_filed_application_attaches_the_charge_and_shows_the_wallet(client: ApiClient,
                                                                        central: CentralHarness) -> None:
    no = number(19)
    paid = client.charge_code(f"{no}W1", no, 12000, ALIPAY)
    token = "AAAQEAYEAUDAOCAJBIFQYDIOB4"
    body = application_body(no, token, payment_method="code", payments=[
        {"reference": f"{no}W1", "amount_fen": 12000, "method": "code", "wallet": "alipay",
         "gateway_txn_id": paid.gateway_txn_id}])
    client.submit_application(body, "key-" + no)
    assert client.query_code_payment(f"{no}W1").attached  # type: ignore[union-attr]
    with pytest.raises(ConflictError):
        client.cancel_code_payment(f"{no}W1")  # a filed application's payment is never reversed here
    summary = client.application(no)
    assert summary is not None and (summary.paid_fen, summary.payment_method) == (12000, "code")
    progress = client.progress(f"EEK1:{no}:{token}")
    assert progress is not None and progress.payment_method == "code"
    assert progress.timeline[0].payment_method == "alipay"
    view = central.central.applications.staff_view(no)
    assert view is not None and view.payments[0]["gateway_txn_id"] == paid.gateway_txn_id
    day = client.code_payments(datetime.now(UTC).astimezone().date())
    assert [(p.reference, p.state, p.attached) for p in day] == [(f"{no}W1", "paid", True)]


# -- the three-way reconciliation: gateway bill, central record, kiosk report ----------------------------

def test_the_day_reconciles_three_ways_and_itemises_every_mismatch(client: ApiClient, central: CentralHarness,
                                                                    simulator: SimulatorServer) -> None:
    from central.code_reconciliation import reconcile_code_payments
    from central.models import CodePayment

    attached, declined, reversed_, unhonoured = number(30), number(31), number(32), number(33)
    paid = client.charge_code(f"{attached}W1", attached, 12000, WECHAT)
    client.submit_application(application_body(attached, "AAAQEAYEAUDAOCAJBIFQYDIOB4", payment_method="code",
                                               payments=[{"reference": f"{attached}W1", "amount_fen": 12000,
                                                          "method": "code", "gateway_txn_id": paid.gateway_txn_id}]),
                              "key-" + attached)
    client.charge_code(f"{declined}W1", declined, 12051, "124567890123456789")
    client.charge_code(f"{reversed_}W1", reversed_, 6000, ALIPAY)
    client.cancel_code_payment(f"{reversed_}W1")
    client.charge_code(f"{unhonoured}W1", unhonoured, 1500, "114567890123456789")  # a fresh code: one use each
    today = datetime.now(UTC).astimezone().date()
    client.reconciliation_report(today, [{"reference": f"{attached}W1", "application_no": attached,
                                          "amount_fen": 12000, "method": "code"}])

    report = reconcile_code_payments(central.central, today)
    assert [(m.kind, m.reference) for m in report.mismatches] == [("not_honoured", f"{unhonoured}W1")], \
        report.render_text()
    assert (report.gateway_charged_fen, report.gateway_returned_fen) == (12000 + 6000 + 1500, 6000)
    assert (report.central_charged_fen, report.central_returned_fen) == (12000 + 6000 + 1500, 6000)

    client.cancel_code_payment(f"{unhonoured}W1")
    with central.central.database.write() as session:  # a central record lost (restored from a backup)
        session.delete(session.get(CodePayment, f"{attached}W1"))
    report = reconcile_code_payments(central.central, today)
    assert sorted((m.kind, m.reference) for m in report.mismatches) == [("missing_on_central", f"{attached}W1")]
    assert "MISMATCH" in report.render_text() and report.to_dict()["ok"] is False
