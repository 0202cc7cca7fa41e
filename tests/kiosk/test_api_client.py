"""The central service client against a scripted HTTP server on loopback: retries only for GETs,
typed errors for hostile or broken answers, timeouts, TLS with a private CA and client certificates."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import ssl
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.services.api import (
    ApiClient,
    AuthenticationError,
    BadResponse,
    ConflictError,
    NetworkError,
    PermanentError,
    TransientError,
    parse_retry_after,
)

SECRET = bytes(range(32))
NOTICES = {"notices": [{"id": 1, "title": {"zh": "通知", "en": "Notice"}, "body": {"zh": "", "en": ""},
                        "starts_on": None, "ends_on": None, "updated_at": "2026-11-28T00:00:00Z"}]}


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict | list = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


class Script:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.seen: list[dict[str, str]] = []
        self.release = threading.Event()


def make_handler(script: Script) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            script.seen.append({"method": self.command, "path": self.path, **dict(self.headers.items())})
            reply = script.replies.popleft() if script.replies else Reply(500)
            if reply.hang:
                script.release.wait(10)
                return
            body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = _answer

    return Handler


class StubServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.script = Script()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.script))
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.script.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[StubServer]:
    with StubServer() as stub:
        yield stub


def client(url: str, **kwargs: object) -> tuple[ApiClient, list[float]]:
    slept: list[float] = []
    return ApiClient(url, "KIOSK001", SECRET, sleep=slept.append, **kwargs), slept  # type: ignore[arg-type]


def test_a_get_is_retried_with_a_fresh_signature(server: StubServer) -> None:
    server.script.replies.extend([Reply(503), Reply(502), Reply(200, NOTICES)])
    api, slept = client(server.url)
    assert [n.title_en for n in api.notices()] == ["Notice"]
    assert len(server.script.seen) == 3 and len(slept) == 2
    nonces = {seen["X-Kiosk-Nonce"] for seen in server.script.seen}
    assert len(nonces) == 3  # a retry is a new request, never a replay


def test_gets_give_up_after_their_retries(server: StubServer) -> None:
    server.script.replies.extend([Reply(503)] * 3)
    api, _ = client(server.url, get_retries=2)
    with pytest.raises(TransientError) as caught:
        api.notices()
    assert caught.value.status == 503 and len(server.script.seen) == 3


def test_a_post_is_never_retried_here_and_carries_retry_after(server: StubServer) -> None:
    server.script.replies.extend([Reply(503, {"detail": "busy"}, {"Retry-After": "7"}), Reply(201, {})])
    api, slept = client(server.url)
    with pytest.raises(TransientError) as caught:
        api.submit_application({"application_no": "KIOSK0012611280001"}, "row-1")
    assert caught.value.retry_after == 7.0
    assert len(server.script.seen) == 1 and slept == []
    assert server.script.seen[0]["Idempotency-Key"] == "row-1"


def test_retry_after_as_an_http_date() -> None:
    now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC).timestamp()
    assert parse_retry_after("Sat, 28 Nov 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("99999", now) == 3600.0
    assert parse_retry_after("soon", now) is None


@pytest.mark.parametrize(("reply", "error", "message"), [
    (Reply(200, b"<html>proxy error</html>"), BadResponse, "not JSON"),
    (Reply(200, {"notices": [{"id": "one"}]}), BadResponse, r"notices\[0\]\.\w+: unexpected"),
    (Reply(200, [1, 2, 3]), BadResponse, "expected an object"),
    (Reply(200, b"[" * 10 + b" " * (4 * 1024 * 1024) + b"]" * 10), BadResponse, "larger than"),
    (Reply(302, b"", {"Location": "http://elsewhere/"}), BadResponse, "HTTP 302"),
    (Reply(404, {"detail": "gone"}), PermanentError, "gone"),
    (Reply(409, {"detail": "taken"}), ConflictError, "taken"),
    (Reply(422, {"detail": [{"loc": ["body", "x"], "msg": "bad", "input": "13800138000"}]}), PermanentError,
     r"body\.x: bad$"),
    (Reply(401, {"detail": "unauthorized"}), AuthenticationError, "signature"),
    (Reply(500, b"Internal Server Error"), TransientError, "HTTP 500"),
])
def test_broken_and_hostile_answers_become_typed_errors(server: StubServer, reply: Reply, error: type,
                                                        message: str) -> None:
    server.script.replies.append(reply)
    api, _ = client(server.url, get_retries=0)
    with pytest.raises(error, match=message):
        api.notices()


def test_an_authentication_error_is_transient_for_the_outbox() -> None:
    assert issubclass(AuthenticationError, TransientError)
    assert not issubclass(ConflictError, TransientError)


def test_a_server_that_never_answers_times_out(server: StubServer) -> None:
    server.script.replies.append(Reply(hang=True))
    api, _ = client(server.url, get_retries=0, read_timeout=0.3)
    with pytest.raises(NetworkError, match="unreachable"):
        api.notices()


def test_nobody_listening_is_a_network_error() -> None:
    api, _ = client("http://127.0.0.1:9", get_retries=0, connect_timeout=1)
    with pytest.raises(NetworkError):
        api.notices()


# ---------------------------------------------------------------------------------------------------
# TLS with a private CA


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None,
                 issuer_key: ec.EllipticCurvePrivateKey | None, *, ca: bool, server: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(
            "127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    out = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("Hall test CA", ca_key, None, None, ca=True, server=False)

    def write(name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
        (out / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (out / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
        return out / f"{name}.pem", out / f"{name}.key"

    ca_path, _ = write("ca", ca, ca_key)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_paths = write("server", _certificate("central", server_key, ca.subject, ca_key, ca=False, server=True),
                         server_key)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_paths = write("client", _certificate("KIOSK001", client_key, ca.subject, ca_key, ca=False, server=False),
                         client_key)
    return Pki(ca_path, *server_paths, *client_paths)


def tls_context(pki: Pki, *, require_client_cert: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(pki.ca)
    return context


def test_tls_is_verified_against_the_configured_ca(pki: Pki) -> None:
    with StubServer(tls_context(pki, require_client_cert=False)) as stub:
        stub.script.replies.extend([Reply(200, NOTICES), Reply(200, NOTICES)])
        trusting, _ = client(stub.url, ca_file=pki.ca, get_retries=0)
        assert len(trusting.notices()) == 1
        default, _ = client(stub.url, get_retries=0)  # the system store does not know our CA
        with pytest.raises(NetworkError, match="TLS"):
            default.notices()


def test_a_client_certificate_is_presented_when_configured(pki: Pki) -> None:
    with StubServer(tls_context(pki, require_client_cert=True)) as stub:
        stub.script.replies.append(Reply(200, NOTICES))
        with_cert, _ = client(stub.url, ca_file=pki.ca, client_cert=pki.client_cert, client_key=pki.client_key,
                              get_retries=0)
        assert len(with_cert.notices()) == 1
        without, _ = client(stub.url, ca_file=pki.ca, get_retries=0)
        with pytest.raises(NetworkError):
            without.notices()


CODE_REF = "KIOSK0012611280001W1"
GOOD_CODE_PAYMENT = {"reference": CODE_REF, "application_no": "KIOSK0012611280001", "amount_fen": 12000,
                     "state": "paid", "wallet": "wechat", "charged_fen": 12000, "paid_at": "2026-11-28T02:00:00Z"}


@pytest.mark.parametrize(("body", "message"), [
    ({**GOOD_CODE_PAYMENT, "state": "paid-ish"}, "unknown state"),
    ({**GOOD_CODE_PAYMENT, "reference": "KIOSK0012611280002W1"}, "answered about"),
    ({**GOOD_CODE_PAYMENT, "charged_fen": -5}, "negative"),
    ({**GOOD_CODE_PAYMENT, "amount_fen": "12000"}, r"amount_fen: unexpected"),
    ({**GOOD_CODE_PAYMENT, "paid_at": "yesterday"}, "not a date-time"),
    ([GOOD_CODE_PAYMENT], "expected an object"),
])
def test_hostile_code_payment_answers_are_bad_responses(server: StubServer, body: object, message: str) -> None:
    """A code payment answer that is not exactly about the reference asked, in the contract's
    shape, is a BadResponse (transient: the caller queries again, it never charges again)."""
    server.script.replies.append(Reply(200, body))  # type: ignore[arg-type]
    api, _ = client(server.url, get_retries=0)
    with pytest.raises(BadResponse, match=message):
        api.charge_code(CODE_REF, "KIOSK0012611280001", 12000, "134567890123456789")


def test_code_payment_calls_and_their_answers(server: StubServer) -> None:
    server.script.replies.extend([Reply(200, GOOD_CODE_PAYMENT), Reply(404, {"detail": "not found"}),
                                  Reply(200, {**GOOD_CODE_PAYMENT, "state": "reversed", "refunded_fen": 12000}),
                                  Reply(200, {"day": "2026-11-28", "payments": [GOOD_CODE_PAYMENT]}),
                                  Reply(200, {"code_payments": True, "wallets": ["wechat"]})])
    api, _ = client(server.url, get_retries=0)
    paid = api.charge_code(CODE_REF, "KIOSK0012611280001", 12000, "134567890123456789")
    assert (paid.state, paid.final, paid.wallet, paid.paid_at is not None) == ("paid", True, "wechat", True)
    assert api.query_code_payment(CODE_REF) is None
    assert api.cancel_code_payment(CODE_REF).refunded_fen == 12000
    assert [p.reference for p in api.code_payments(dt.date(2026, 11, 28))] == [CODE_REF]
    assert api.payment_methods().wallets == ("wechat",)
    seen = [(s["method"], s["path"]) for s in server.script.seen]
    assert seen == [("POST", "/v1/payments/code"), ("GET", f"/v1/payments/code/{CODE_REF}"),
                    ("POST", f"/v1/payments/code/{CODE_REF}/cancel"), ("GET", "/v1/payments/code?day=2026-11-28"),
                    ("GET", "/v1/payments/methods")]
