"""The kiosk's client for the central service: one requests session, signed requests, typed answers.

Rules this module keeps (model: urllib3/requests, see docs/central.md):

- one :class:`requests.Session` (connection reuse), TLS verified against the configured CA bundle
  (or the system store), an optional client certificate;
- a ``(connect, read)`` timeout on every call, plus an overall deadline while reading the body and
  a cap on its size, so a server that drips bytes or sends gigabytes cannot hang or exhaust a kiosk;
- every request signed (``central.kiosk_auth`` documents the scheme) with a fresh nonce, so a retry
  is a new signature and never looks like a replay;
- only idempotent GETs are retried here. A POST is retried only by the outbox, with its row id as
  the ``Idempotency-Key`` (the server then answers a repeat with the first result);
- errors are types (:mod:`kiosk.services.api_errors`): transient (try later) or permanent (refused).

Thread-safety: requests' Session is shared by the sender thread and service calls; each call
prepares its own request, and the connection pool is thread-safe.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from kiosk.domain.progress_code import FILED_ON_SITE, ProgressCode, parse_application_no, parse_progress_payload
from kiosk.services.api_errors import (
    ApiError,
    AuthenticationError,
    BadResponse,
    ConflictError,
    CredentialsError,
    NetworkError,
    NotFound,
    PermanentError,
    TransientError,
)
from kiosk.services.api_types import (
    AccommodationAck,
    ApplicantInfo,
    ApplicationSummary,
    AppointmentService,
    Booking,
    Catalogue,
    CodePayment,
    DeviceHealth,
    FiledOnSite,
    HeartbeatAck,
    Notice,
    OutreachBatchAck,
    OutreachEntryAck,
    PaymentAck,
    PaymentMethods,
    Progress,
    Questionnaire,
    ReconciliationResult,
    ReusablePhoto,
    Slot,
    SubmissionReceipt,
    SurveyAck,
)

log = logging.getLogger("kiosk.api")

SCHEME = "EEK-HMAC-SHA256"
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 3600.0
CLOCK_SKEW_TOLERANCE = 60.0

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthenticationError",
    "BadResponse",
    "ConflictError",
    "CredentialsError",
    "KioskSigner",
    "NetworkError",
    "NotFound",
    "PermanentError",
    "TransientError",
]


class KioskSigner(requests.auth.AuthBase):
    """Sign a prepared request (the exact bytes that go on the wire) with the kiosk's secret."""

    def __init__(self, kiosk_id: str, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self.kiosk_id = kiosk_id
        self._secret = secret
        self._clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        parts = urlsplit(request.url or "")
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        canonical = "\n".join([SCHEME, (request.method or "GET").upper(), parts.path or "/", parts.query,
                               self.kiosk_id, timestamp, nonce, hashlib.sha256(body).hexdigest()])
        signature = hmac.new(self._secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
        request.headers["X-Kiosk-Id"] = self.kiosk_id
        request.headers["X-Kiosk-Timestamp"] = timestamp
        request.headers["X-Kiosk-Nonce"] = nonce
        request.headers["X-Kiosk-Signature"] = signature
        return request


def read_secret(path: Path) -> bytes:
    """The signing secret from its file (64 hex digits, as ``kiosk-central add-kiosk`` writes it)."""
    try:
        text = path.read_text(encoding="ascii").strip()
        secret = bytes.fromhex(text)
    except FileNotFoundError:
        raise CredentialsError(f"no kiosk secret file at {path}") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"the kiosk secret file {path} is unreadable: {exc}") from None
    if len(secret) < 16:
        raise CredentialsError(f"the kiosk secret in {path} is too short")
    return secret


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped at an hour."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, min(when.timestamp() - now, MAX_RETRY_AFTER))


@dataclass(frozen=True)
class _Answer:
    status: int
    data: Any
    headers: Mapping[str, str]


class ApiClient:
    """Every call the kiosk makes to the central service."""

    def __init__(self, base_url: str, kiosk_id: str, secret: bytes, *, ca_file: Path | None = None,
                 client_cert: Path | None = None, client_key: Path | None = None, connect_timeout: float = 3.05,
                 read_timeout: float = 20.0, get_retries: int = 2, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self.timeout = (connect_timeout, read_timeout)
        self.get_retries = get_retries
        self._clock = clock
        self._sleep = sleep
        self._offset = 0.0
        self._offset_lock = threading.Lock()
        self._signer = KioskSigner(kiosk_id, secret, clock=self._signing_time)
        self.session = session or requests.Session()
        self.session.trust_env = False  # no proxies or netrc from the environment: the config says where
        self.session.verify = str(ca_file) if ca_file else True
        if client_cert and client_key:
            self.session.cert = (str(client_cert), str(client_key))
        elif client_cert:
            self.session.cert = str(client_cert)
        self.session.headers.update({"User-Agent": f"exit-entry-kiosk/{kiosk_id}", "Accept": "application/json"})

    @classmethod
    def from_config(cls, config: Any) -> ApiClient:
        """Build from a :class:`kiosk.config.KioskConfig` (``[kiosk] id`` and the ``[central]`` section)."""
        central = config.central
        resolve = config.resolve
        return cls(central.url, config.kiosk.id, read_secret(resolve(central.secret_file)),
                   ca_file=resolve(central.ca_file) if central.ca_file else None,
                   client_cert=resolve(central.client_cert) if central.client_cert else None,
                   client_key=resolve(central.client_key) if central.client_key else None,
                   connect_timeout=central.connect_timeout, read_timeout=central.read_timeout)

    def close(self) -> None:
        self.session.close()

    @property
    def clock_offset(self) -> float:
        """Seconds added to the local clock when signing (learnt from the server when it was off)."""
        return self._offset

    def _signing_time(self) -> float:
        return self._clock() + self._offset

    # -- transport -----------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, body: Any = None, params: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None, ok: Sequence[int] = (200, 201)) -> _Answer:
        attempts = 1 + (self.get_retries if method == "GET" else 0)
        for attempt in range(attempts):
            try:
                return self._once(method, path, body=body, params=params, headers=headers, ok=ok)
            except AuthenticationError:
                raise
            except TransientError as exc:
                if attempt + 1 >= attempts:
                    raise
                delay = exc.retry_after if exc.retry_after is not None else 0.25 * 2 ** attempt
                if delay > 5.0:
                    raise
                log.info("GET %s failed (%s); retrying in %.2f s", path, exc, delay)
                self._sleep(delay * (0.5 + random.random() / 2))
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, path: str, *, body: Any, params: Mapping[str, str] | None,
              headers: Mapping[str, str] | None, ok: Sequence[int], skew_retry: bool = True) -> _Answer:
        data = None
        request_headers = dict(headers or {})
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
            request_headers["Content-Type"] = "application/json"
        try:
            response = self.session.request(method, self.base_url + path, data=data, params=params,
                                            headers=request_headers, auth=self._signer, timeout=self.timeout,
                                            allow_redirects=False, stream=True)
        except requests.exceptions.SSLError as exc:
            raise NetworkError(f"TLS failure talking to the central service: {exc}") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise NetworkError(f"central service unreachable: {type(exc).__name__}") from None
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"request failed: {type(exc).__name__}: {exc}") from None
        try:
            content = self._read_body(response)
        finally:
            response.close()
        status = response.status_code
        if status == 401:
            if skew_retry and self._learn_clock(response.headers.get("Date")):
                return self._once(method, path, body=body, params=params, headers=headers, ok=ok, skew_retry=False)
            raise AuthenticationError("the central service refused the kiosk's signature (clock or secret?)",
                                      status=401)
        if status in ok:
            if status == 304 or (not content and status == 204):
                return _Answer(status, None, response.headers)
            try:
                return _Answer(status, json.loads(content), response.headers)
            except (UnicodeDecodeError, ValueError):
                raise BadResponse(f"{method} {path}: the answer is not JSON", status=status) from None
        detail = self._detail(content)
        message = f"{method} {path}: HTTP {status}{': ' + detail if detail else ''}"
        if status in TRANSIENT_STATUSES or status >= 500:
            raise TransientError(message, status=status,
                                 retry_after=parse_retry_after(response.headers.get("Retry-After"), self._clock()))
        if status == 404:
            raise NotFound(message, status=status, detail=detail)
        if status == 409:
            raise ConflictError(message, status=status, detail=detail)
        if 400 <= status < 500:
            raise PermanentError(message, status=status, detail=detail)
        raise BadResponse(message, status=status)  # 1xx/3xx we did not ask for

    def _read_body(self, response: requests.Response) -> bytes:
        deadline = time.monotonic() + self.timeout[0] + 2 * self.timeout[1]
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise BadResponse(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise NetworkError("the answer took too long to arrive")
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"connection lost while reading the answer: {type(exc).__name__}") from None
        return b"".join(chunks)

    @staticmethod
    def _detail(content: bytes) -> str:
        """The service's explanation, for logs and maintenance. A validation error lists the field
        and the rule only: its ``input`` would echo the applicant's data into the kiosk's logs."""
        try:
            detail = json.loads(content).get("detail", "")
        except (UnicodeDecodeError, ValueError, AttributeError):
            return ""
        if isinstance(detail, list):
            detail = "; ".join(
                f"{'.'.join(str(p) for p in item.get('loc', []))}: {item.get('msg', '')}" if isinstance(item, dict)
                else "?" for item in detail)
        return detail[:300] if isinstance(detail, str) else ""

    def _learn_clock(self, date_header: str | None) -> bool:
        """After a 401: if the server's Date differs from our clock by more than a minute, sign with
        the server's time from now on and say so (the caller retries once). The header is not
        authenticated, but a forged one can only make requests fail, which a forger could anyway."""
        if not date_header:
            return False
        try:
            server = email.utils.parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        offset = server - self._clock()
        with self._offset_lock:
            if abs(offset - self._offset) <= CLOCK_SKEW_TOLERANCE:
                return False
            log.warning("kiosk clock is %.0f s off the central service; signing with the server's time", offset)
            self._offset = offset
        return True

    # -- applications --------------------------------------------------------------------------

    def submit_application(self, application: Mapping[str, Any], idempotency_key: str) -> SubmissionReceipt:
        """File an application (the outbox row's payload); a repeat with the same key is harmless."""
        answer = self._request("POST", "/v1/applications", body=application,
                               headers={"Idempotency-Key": idempotency_key})
        return SubmissionReceipt.from_json(answer.data, replayed=answer.headers.get("Idempotent-Replayed") == "true")

    def application(self, application_no: str) -> ApplicationSummary | None:
        """This kiosk's own application as the service holds it; None if the service does not have it."""
        number = str(parse_application_no(application_no))
        try:
            return ApplicationSummary.from_json(self._request("GET", f"/v1/applications/{number}").data)
        except NotFound:
            return None

    def attach_payment(self, application_no: str, payment: Mapping[str, Any]) -> PaymentAck:
        number = str(parse_application_no(application_no))
        return PaymentAck.from_json(self._request("POST", f"/v1/applications/{number}/payments", body=payment).data)

    # -- mobile payment codes ------------------------------------------------------------------

    def payment_methods(self) -> PaymentMethods:
        """Whether the service can charge mobile payment codes (a gateway is configured)."""
        return PaymentMethods.from_json(self._request("GET", "/v1/payments/methods").data)

    def charge_code(self, reference: str, application_no: str, amount_fen: int, auth_code: str) -> CodePayment:
        """Ask the central service to charge a scanned payment code (``POST /v1/payments/code``).
        Idempotent by ``reference``: sending the same request again never charges twice (the
        caller should rather :meth:`query_code_payment`). Any failure to get an answer is a
        :class:`TransientError`: the charge may have happened."""
        number = str(parse_application_no(application_no))
        answer = self._request("POST", "/v1/payments/code", body={
            "reference": reference, "application_no": number, "amount_fen": int(amount_fen), "auth_code": auth_code})
        return self._code_payment(answer, reference)

    def query_code_payment(self, reference: str) -> CodePayment | None:
        """The code payment now (the service asks the gateway first when it is not final); None
        when the service has never heard of ``reference`` (so it never charged it)."""
        try:
            answer = self._request("GET", f"/v1/payments/code/{quote(reference, safe='')}")
        except NotFound:
            return None
        return self._code_payment(answer, reference)

    def cancel_code_payment(self, reference: str) -> CodePayment:
        """Close / reverse a code payment the kiosk will not honour (idempotent; an unknown
        reference is cancelled for good). :class:`ConflictError` when a filed application carries it."""
        answer = self._request("POST", f"/v1/payments/code/{quote(reference, safe='')}/cancel")
        return self._code_payment(answer, reference)

    def refund_code_payment(self, reference: str, amount_fen: int, reason: str = "") -> CodePayment:
        answer = self._request("POST", f"/v1/payments/code/{quote(reference, safe='')}/refund",
                               body={"amount_fen": int(amount_fen), "reason": reason[:200]})
        return self._code_payment(answer, reference)

    def code_payments(self, day: date) -> list[CodePayment]:
        """This kiosk's code payments of ``day`` as the central service records them."""
        return CodePayment.list_from_json(self._request("GET", "/v1/payments/code",
                                                        params={"day": day.isoformat()}).data)

    @staticmethod
    def _code_payment(answer: _Answer, reference: str) -> CodePayment:
        payment = CodePayment.from_json(answer.data)
        if payment.reference != reference:
            raise BadResponse(f"code payment: asked about {reference}, answered about {payment.reference[:32]}")
        return payment

    def progress(self, code: str | ProgressCode) -> Progress | None:
        """The timeline for a receipt's QR text (or a parsed code). None when the service knows no
        such application or the token is wrong (it does not say which). A text that is not one of
        our progress codes raises :class:`kiosk.domain.progress_code.InvalidProgressCode`."""
        parsed = parse_progress_payload(code) if isinstance(code, str) else code
        try:
            answer = self._request("GET", f"/v1/applications/{parsed.application_no}/progress",
                                   headers={"X-Access-Token": parsed.token})
        except NotFound:
            return None
        return Progress.from_json(answer.data)

    def progress_or_filed_on_site(self, code: str | ProgressCode) -> Progress | FiledOnSite | None:
        """:meth:`progress`, telling an outreach receipt whose batch has not reached the service
        yet (:class:`FiledOnSite`: "filed on site, not yet received") from an unknown one (None)."""
        parsed = parse_progress_payload(code) if isinstance(code, str) else code
        try:
            answer = self._request("GET", f"/v1/applications/{parsed.application_no}/progress",
                                   headers={"X-Access-Token": parsed.token})
        except NotFound as exc:
            return FiledOnSite(parsed.application_no) if exc.detail == FILED_ON_SITE else None
        return Progress.from_json(answer.data)

    def progress_by_number(self, application_no: str, verification: str) -> Progress | None:
        """The timeline for a typed application number and the last four characters of the
        applicant's document number; None for any mismatch (indistinguishable from "no such
        number"). Raises :class:`kiosk.domain.progress_code.InvalidApplicationNumber` for text that
        is not an application number."""
        number = str(parse_application_no(application_no))
        last4 = verification.strip().upper()
        if len(last4) != 4 or not last4.isalnum() or not last4.isascii():
            return None
        try:
            answer = self._request("GET", f"/v1/applications/{number}/progress", headers={"X-Verification": last4})
        except NotFound:
            return None
        return Progress.from_json(answer.data)

    # -- outreach stations (kiosk/outreach) --------------------------------------------------------

    def outreach_batch(self, envelope: bytes) -> OutreachBatchAck:
        """Hand over a sealed batch's envelope (signature, keys, manifest); the answer lists the
        entries the service already holds. Repeating it is harmless."""
        body = {"envelope": base64.b64encode(envelope).decode("ascii")}
        return OutreachBatchAck.from_json(self._request("POST", "/v1/outreach/batches", body=body).data)

    def outreach_entry(self, batch_id: str, index: int, block: bytes) -> OutreachEntryAck:
        """Hand over one entry block of a batch whose envelope the service has; idempotent."""
        body = {"block": base64.b64encode(block).decode("ascii")}
        path = f"/v1/outreach/batches/{quote(batch_id, safe='')}/entries/{int(index)}"
        return OutreachEntryAck.from_json(self._request("PUT", path, body=body).data)

    # -- information ---------------------------------------------------------------------------

    def notices(self) -> list[Notice]:
        return Notice.list_from_json(self._request("GET", "/v1/notices").data)

    def catalogue(self, etag: str | None = None) -> Catalogue | None:
        """The catalogue and fee schedule; None when it has not changed since ``etag``."""
        headers = {"If-None-Match": etag} if etag else None
        answer = self._request("GET", "/v1/catalogue", headers=headers, ok=(200, 304))
        if answer.status == 304:
            return None
        if not isinstance(answer.data, dict):
            raise BadResponse("catalogue: expected a JSON object")
        return Catalogue(answer.data, answer.headers.get("ETag"))

    # -- appointments --------------------------------------------------------------------------

    def appointment_services(self) -> list[AppointmentService]:
        return AppointmentService.list_from_json(self._request("GET", "/v1/appointments/services").data)

    def appointment_slots(self, service: str, start: date | None = None, days: int = 7) -> list[Slot]:
        params = {"service": service, "days": str(days)}
        if start is not None:
            params["from"] = start.isoformat()
        return Slot.list_from_json(self._request("GET", "/v1/appointments/slots", params=params).data)

    def book_appointment(self, slot_id: int, *, name: str | None = None, id_number: str | None = None,
                         phone: str | None = None, language: str = "zh_CN",
                         idempotency_key: str | None = None) -> Booking:
        """Book a place; :class:`ConflictError` when the slot is full."""
        body = {"slot_id": slot_id, "name": name, "id_number": id_number, "phone": phone, "language": language}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return Booking.from_json(self._request("POST", "/v1/appointments", body=body, headers=headers).data)

    def booking(self, reference: str) -> Booking | None:
        try:
            return Booking.from_json(self._request("GET", f"/v1/appointments/{quote(reference, safe='')}").data)
        except NotFound:
            return None

    def cancel_appointment(self, reference: str) -> Booking:
        return Booking.from_json(self._request("POST", f"/v1/appointments/{quote(reference, safe='')}/cancel").data)

    # -- surveys -------------------------------------------------------------------------------

    def submit_rating(self, rating: int, *, language: str = "zh_CN", application_no: str | None = None,
                      idempotency_key: str | None = None) -> SurveyAck:
        body = {"rating": rating, "language": language, "application_no": application_no}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return SurveyAck.from_json(self._request("POST", "/v1/surveys/ratings", body=body, headers=headers).data)

    def questionnaire(self) -> Questionnaire | None:
        try:
            return Questionnaire.from_json(self._request("GET", "/v1/surveys/questionnaire").data)
        except NotFound:
            return None

    def submit_questionnaire(self, questionnaire_id: str, version: int, answers: Mapping[str, int | str], *,
                             language: str = "zh_CN", idempotency_key: str | None = None,
                             survey_version: str | None = None) -> SurveyAck:
        """Answers to questionnaire ``questionnaire_id`` at ``version``; ``survey_version`` (the
        catalogue survey asked) makes the service refuse answers to questions it does not mirror."""
        body: dict[str, Any] = {"questionnaire_id": questionnaire_id, "version": version, "language": language,
                                "answers": dict(answers)}
        if survey_version:
            body["survey_version"] = survey_version
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return SurveyAck.from_json(self._request("POST", "/v1/surveys/questionnaire", body=body,
                                                 headers=headers).data)

    # -- kiosk reports -------------------------------------------------------------------------

    def heartbeat(self, devices: Mapping[str, DeviceHealth], *, outbox: Mapping[str, int] | None = None,
                  software_version: str = "") -> HeartbeatAck:
        sent = self._clock()
        body = {"sent_at": datetime.fromtimestamp(sent, UTC).isoformat(), "software_version": software_version,
                "devices": {name: health.to_json() for name, health in devices.items()},
                "outbox": dict(outbox or {})}
        answer = self._request("POST", "/v1/heartbeats", body=body)
        if not isinstance(answer.data, dict):
            raise BadResponse("heartbeat: expected an object")
        try:
            server_time = datetime.fromisoformat(str(answer.data.get("server_time")))
        except ValueError:
            raise BadResponse("heartbeat.server_time: not a date-time") from None
        if server_time.tzinfo is None:
            raise BadResponse("heartbeat.server_time: no time zone")
        received = self._clock()
        return HeartbeatAck(server_time, server_time.timestamp() - (sent + received) / 2)

    def reconciliation_report(self, day: date, payments: Sequence[Mapping[str, Any]]) -> ReconciliationResult:
        """Send the day's approved payments (each: reference, application_no, amount_fen, and
        ``method: code`` for a mobile payment code)."""
        listed = [{"reference": p["reference"], "application_no": p["application_no"],
                   "amount_fen": int(p["amount_fen"]), **({"method": "code"} if p.get("method") == "code" else {})}
                  for p in payments]
        body = {"count": len(listed), "amount_fen": sum(p["amount_fen"] for p in listed), "payments": listed}
        return ReconciliationResult.from_json(self._request("PUT", f"/v1/reconciliation/{day.isoformat()}",
                                                            body=body).data)

    def applicant(self, id_number: str) -> ApplicantInfo:
        """What the service knows about this person: items issued before and the photo offer."""
        return ApplicantInfo.from_json(self._request("POST", "/v1/applicants/lookup",
                                                     body={"id_number": id_number}).data)

    def register_accommodation(self, person: Mapping[str, Any], details: Mapping[str, Any], *,
                               consent_version: str = "", language: str = "en",
                               idempotency_key: str | None = None) -> AccommodationAck:
        """A foreigner's accommodation registration. ``person``: name, nationality, document_number,
        birth_date, sex; ``details``: address, district, arrival, departure, host_name, host_phone,
        mobile (dates as ISO text, empty values left out)."""
        body: dict[str, Any] = {"person": {k: v for k, v in person.items() if v not in (None, "")},
                                "consent_version": consent_version, "language": language}
        body.update({k: v for k, v in details.items() if v not in (None, "")})
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return AccommodationAck.from_json(self._request("POST", "/v1/accommodation-registrations", body=body,
                                                        headers=headers).data)

    def reusable_photo(self, id_number: str) -> ReusablePhoto:
        """Whether this applicant may reuse a photo (60 and over) and the one on file, if any."""
        return ReusablePhoto.from_json(self._request("POST", "/v1/photos/reusable",
                                                     body={"id_number": id_number}).data)
