"""Kiosk request signing: the golden canonical form, and every way a request can be refused.

The canonical string and the HMAC are written out literally here (the oracle), not taken from
either implementation: the server's ``canonical_request`` and the client's ``KioskSigner`` are each
checked against it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
import requests

from central.kiosk_auth import canonical_request
from kiosk.services.api import ApiClient, KioskSigner
from tests.central.harness import KIOSK_ID, KIOSK_SECRET, CentralHarness

GOLDEN_BODY = b'{"rating":5}'
GOLDEN_CANONICAL = (
    b"EEK-HMAC-SHA256\n"
    b"POST\n"
    b"/v1/surveys/ratings\n"
    b"lang=zh_CN\n"
    b"KIOSK001\n"
    b"1764300000\n"
    b"00112233445566778899aabbccddeeff\n"
    + hashlib.sha256(GOLDEN_BODY).hexdigest().encode()
)


def test_server_canonical_form_matches_the_golden_string() -> None:
    assert canonical_request("post", "/v1/surveys/ratings", "lang=zh_CN", kiosk_id="KIOSK001",
                             timestamp="1764300000", nonce="00112233445566778899aabbccddeeff",
                             body=GOLDEN_BODY) == GOLDEN_CANONICAL


def test_client_signs_the_golden_string(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.services.api.secrets.token_hex", lambda n: "00112233445566778899aabbccddeeff")
    signer = KioskSigner("KIOSK001", bytes.fromhex(KIOSK_SECRET), clock=lambda: 1764300000.7)
    prepared = requests.Request("POST", "http://central.example:8700/v1/surveys/ratings", params={"lang": "zh_CN"},
                                data=GOLDEN_BODY).prepare()
    signer(prepared)
    expected = hmac.new(bytes.fromhex(KIOSK_SECRET), GOLDEN_CANONICAL, hashlib.sha256).hexdigest()
    assert prepared.headers["X-Kiosk-Signature"] == expected
    assert prepared.headers["X-Kiosk-Timestamp"] == "1764300000"
    assert prepared.headers["X-Kiosk-Id"] == "KIOSK001"


def signed_headers(method: str, path: str, body: bytes = b"", *, query: str = "", kiosk: str = KIOSK_ID,
                   secret: str = KIOSK_SECRET, timestamp: int | None = None,
                   nonce: str | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = nonce or secrets.token_hex(16)
    canonical = "\n".join(["EEK-HMAC-SHA256", method, path, query, kiosk, str(timestamp), nonce,
                           hashlib.sha256(body).hexdigest()]).encode()
    return {"X-Kiosk-Id": kiosk, "X-Kiosk-Timestamp": str(timestamp), "X-Kiosk-Nonce": nonce,
            "X-Kiosk-Signature": hmac.new(bytes.fromhex(secret), canonical, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


RATING = json.dumps({"rating": 4}).encode()


def send(harness: CentralHarness, method: str, path: str, body: bytes, headers: dict[str, str],
         query: str = "") -> requests.Response:
    url = harness.server.url + path + (f"?{query}" if query else "")  # type: ignore[union-attr]
    return requests.request(method, url, data=body, headers=headers, timeout=10)


def test_a_correctly_signed_request_is_accepted(harness: CentralHarness) -> None:
    response = send(harness, "POST", "/v1/surveys/ratings", RATING, signed_headers("POST", "/v1/surveys/ratings",
                                                                                   RATING))
    assert response.status_code == 201, response.text


@pytest.fixture
def frozen_clock(harness: CentralHarness) -> Iterator[int]:
    """The service's clock held at one second, so that "301 s ahead" stays 301 s ahead however
    long the requests take on a busy machine."""
    verifier = harness.central.verifier
    now, saved = int(time.time()), verifier.clock
    verifier.clock = lambda: float(now)
    try:
        yield now
    finally:
        verifier.clock = saved


def _refusals(now: int) -> dict[str, dict[str, object]]:
    path = "/v1/surveys/ratings"
    return {
        "no signature headers": {"headers": {"Content-Type": "application/json"}},
        "wrong secret": {"headers": signed_headers("POST", path, RATING, secret="11" * 32)},
        "unknown kiosk": {"headers": signed_headers("POST", path, RATING, kiosk="NOSUCH1")},
        "another kiosk's id with this secret": {"headers": signed_headers("POST", path, RATING, kiosk="KIOSK002")},
        "timestamp 301 s old": {"headers": signed_headers("POST", path, RATING, timestamp=now - 301)},
        "timestamp 301 s ahead": {"headers": signed_headers("POST", path, RATING, timestamp=now + 301)},
        "body changed": {"headers": signed_headers("POST", path, RATING), "body": json.dumps({"rating": 1}).encode()},
        "path changed": {"headers": signed_headers("POST", "/v1/surveys/questionnaire", RATING)},
        "query added": {"headers": signed_headers("POST", path, RATING), "query": "x=1"},
        "method changed": {"headers": signed_headers("PUT", path, RATING)},
        "signature not hex": {"headers": {**signed_headers("POST", path, RATING), "X-Kiosk-Signature": "zz" * 32}},
        "nonce missing": {"headers": {k: v for k, v in signed_headers("POST", path, RATING).items()
                                      if k != "X-Kiosk-Nonce"}},
    }


def test_every_refusal_is_the_same_401(harness: CentralHarness, frozen_clock: int) -> None:
    answers = {}
    for case, spec in _refusals(frozen_clock).items():
        response = send(harness, "POST", "/v1/surveys/ratings", spec.get("body", RATING),  # type: ignore[arg-type]
                        spec["headers"], spec.get("query", ""))  # type: ignore[arg-type]
        answers[case] = (response.status_code, response.content, response.headers.get("WWW-Authenticate"))
    assert answers == {case: (401, b'{"detail": "unauthorized"}', "EEK-HMAC-SHA256") for case in answers}
    # and none of them was recorded
    assert send(harness, "GET", "/v1/notices", b"", signed_headers("GET", "/v1/notices")).status_code == 200


def test_a_replayed_request_is_refused(harness: CentralHarness) -> None:
    headers = signed_headers("POST", "/v1/surveys/ratings", RATING)
    assert send(harness, "POST", "/v1/surveys/ratings", RATING, headers).status_code == 201
    replay = send(harness, "POST", "/v1/surveys/ratings", RATING, headers)
    assert replay.status_code == 401
    assert replay.content == b'{"detail": "unauthorized"}'


def test_concurrent_replays_let_exactly_one_through(harness: CentralHarness) -> None:
    headers = signed_headers("GET", "/v1/notices")
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def fire() -> None:
        barrier.wait(10)
        statuses.append(send(harness, "GET", "/v1/notices", b"", headers).status_code)

    threads = [threading.Thread(target=fire) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200] + [401] * 7


def test_a_timestamp_inside_the_window_is_accepted(harness: CentralHarness, frozen_clock: int) -> None:
    headers = signed_headers("GET", "/v1/notices", timestamp=frozen_clock - 299)
    assert send(harness, "GET", "/v1/notices", b"", headers).status_code == 200


def test_unsigned_requests_learn_nothing_about_the_api(harness: CentralHarness) -> None:
    for path in ("/v1/no-such-thing", "/v1/applications/NOTANUMBER/progress", "/v1/applications"):
        response = requests.get(harness.server.url + path, timeout=10)  # type: ignore[union-attr]
        assert (response.status_code, response.content) == (401, b'{"detail": "unauthorized"}')
    bad_json = send(harness, "POST", "/v1/applications", b"{not json", {"Content-Type": "application/json"})
    assert bad_json.status_code == 401


def test_a_disabled_kiosk_is_refused(harness: CentralHarness) -> None:
    from central.models import Kiosk

    with harness.central.database.write() as session:
        kiosk = session.get(Kiosk, KIOSK_ID)
        assert kiosk is not None
        kiosk.enabled = False
    harness.central.verifier.forget(KIOSK_ID)
    assert send(harness, "GET", "/v1/notices", b"", signed_headers("GET", "/v1/notices")).status_code == 401


def test_schema_and_health_need_no_signature(harness: CentralHarness) -> None:
    assert requests.get(harness.server.url + "/openapi.json", timeout=10).json()["info"]["version"]  # type: ignore[union-attr]
    assert requests.get(harness.server.url + "/healthz", timeout=10).json() == {"status": "ok"}  # type: ignore[union-attr]


def test_the_client_corrects_a_kiosk_clock_an_hour_off(harness: CentralHarness) -> None:
    client: ApiClient = harness.client(clock=lambda: time.time() - 3600)
    assert client.notices() == []
    assert 3500 < client.clock_offset < 3700
    assert client.notices() == []  # and keeps signing with the corrected time


def test_a_replayed_application_is_refused_and_filed_once(harness: CentralHarness) -> None:
    """The filing endpoint records the signature in its own transaction; a replay must still fail."""
    from kiosk.domain.progress_code import format_application_no, new_access_token
    from tests.central.harness import application_body

    body = json.dumps(application_body(format_application_no("KIOSK001", date(2026, 11, 28), 5),
                                       new_access_token())).encode()
    headers = {**signed_headers("POST", "/v1/applications", body), "Idempotency-Key": "row-replay-0001"}
    assert send(harness, "POST", "/v1/applications", body, headers).status_code == 201
    replay = send(harness, "POST", "/v1/applications", body, headers)
    assert (replay.status_code, replay.content) == (401, b'{"detail": "unauthorized"}')
    assert replay.headers["WWW-Authenticate"] == "EEK-HMAC-SHA256"
    # A request refused by validation is recorded too (before its answer leaves), so its replay is a 401.
    bad = b'{"application_no": "nonsense"}'
    headers = {**signed_headers("POST", "/v1/applications", bad), "Idempotency-Key": "row-replay-0002"}
    assert send(harness, "POST", "/v1/applications", bad, headers).status_code == 422
    assert send(harness, "POST", "/v1/applications", bad, headers).status_code == 401
