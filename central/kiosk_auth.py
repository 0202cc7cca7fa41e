"""Kiosk request signing, server side: every request under ``/v1/`` must be signed by a known kiosk.

The kiosk sends four headers::

    X-Kiosk-Id:        KIOSK001
    X-Kiosk-Timestamp: 1764300000                       (Unix seconds)
    X-Kiosk-Nonce:     32 hex digits, fresh per request
    X-Kiosk-Signature: hex HMAC-SHA256(secret, canonical request)

and the canonical request is these lines joined by ``\\n`` (no trailing newline)::

    EEK-HMAC-SHA256
    <METHOD>
    <path as sent, percent-encoded>
    <query string as sent, without '?'; empty if none>
    <kiosk id>
    <timestamp>
    <nonce>
    <hex SHA-256 of the body bytes (of b"" when there is no body)>

A request is accepted when the kiosk exists and is enabled, the signature matches, the timestamp is
within ±5 minutes of the server's clock and the signature has not been seen before. The nonce makes
two identical legitimate requests in the same second differ; a replayed request repeats a signature
and is refused. Seen signatures are kept in the database (so every worker process and every
central node shares them) a little longer than the window in which a replay could still pass the
timestamp check. Any failure is the same ``401 {"detail": "unauthorized"}``: which check failed is
logged on the server, never told to the caller.

This is a pure ASGI middleware so that authentication happens before anything else looks at the
request: an unsigned request gets 401, not a validation error or a 404 that would describe the API.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from central.db import Database
from central.models import Kiosk, RequestNonce
from central.sealing import Sealer, SealingError

log = logging.getLogger("central.auth")

SCHEME = "EEK-HMAC-SHA256"
MAX_SKEW_SECONDS = 300
NONCE_RETENTION_SECONDS = 2 * MAX_SKEW_SECONDS + 60
MAX_BODY_BYTES = 2 * 1024 * 1024
SECRET_CACHE_SECONDS = 30.0

_KIOSK_ID = re.compile(r"[A-Z0-9]{1,8}")
_TIMESTAMP = re.compile(r"\d{1,12}")
_NONCE = re.compile(r"[0-9a-f]{16,64}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# Routes whose endpoint records the request's signature in its own write transaction (the hot
# path: one commit per filed application instead of two). The endpoint finds the job under
# NONCE_JOB and sets NONCE_RECORDED once it has run it (or found a replay).
DEFERRED_NONCE_ROUTES = frozenset({("POST", "/v1/applications")})
NONCE_JOB = "kiosk_nonce_job"
NONCE_RECORDED = "kiosk_nonce_recorded"
_DUMMY_SECRET = b"\x00" * 32
_MISSING = object()


def canonical_request(method: str, path: str, query: str, *, kiosk_id: str, timestamp: str, nonce: str,
                      body: bytes) -> bytes:
    """The bytes a kiosk signs (see the module docstring)."""
    lines = [SCHEME, method.upper(), path, query, kiosk_id, timestamp, nonce, hashlib.sha256(body).hexdigest()]
    return "\n".join(lines).encode("utf-8")


def kiosk_secret_aad(kiosk_id: str) -> str:
    return f"kiosk-secret:{kiosk_id}"


@dataclass(frozen=True)
class SignedHeaders:
    kiosk_id: str
    timestamp: str
    nonce: str
    signature: str


def parse_signed_headers(headers: Mapping[str, str]) -> SignedHeaders | None:
    kiosk_id = headers.get("x-kiosk-id", "")
    timestamp = headers.get("x-kiosk-timestamp", "")
    nonce = headers.get("x-kiosk-nonce", "")
    signature = headers.get("x-kiosk-signature", "")
    if not (_KIOSK_ID.fullmatch(kiosk_id) and _TIMESTAMP.fullmatch(timestamp) and _NONCE.fullmatch(nonce)
            and _SIGNATURE.fullmatch(signature)):
        return None
    return SignedHeaders(kiosk_id, timestamp, nonce, signature)


class KioskVerifier:
    """Checks signatures against the kiosk registry and records seen signatures."""

    def __init__(self, database: Database, sealer: Sealer, *, clock: Callable[[], float] = time.time) -> None:
        self._database = database
        self._sealer = sealer
        self.clock = clock  # seconds since the epoch; public so that a test can hold it still
        self._secrets: dict[str, tuple[bytes | None, float]] = {}
        self._lock = threading.Lock()
        self._last_prune = 0.0
        # INSERT ... ON CONFLICT DO NOTHING RETURNING: a replay inserts and returns no row instead of
        # raising, so it never disturbs the other requests committed in the same batch. (rowcount is
        # not reliable here: psycopg reports -1.) Built once.
        dialect_insert = sqlite_insert if database.is_sqlite else postgresql_insert
        self._insert_nonce = (dialect_insert(RequestNonce.__table__)
                              .on_conflict_do_nothing(index_elements=["signature"])
                              .returning(RequestNonce.signature))

    def forget(self, kiosk_id: str | None = None) -> None:
        """Drop cached secrets (after adding, disabling or re-keying a kiosk in this process)."""
        with self._lock:
            if kiosk_id is None:
                self._secrets.clear()
            else:
                self._secrets.pop(kiosk_id, None)

    def _cached_secret(self, kiosk_id: str) -> bytes | object | None:
        with self._lock:
            cached = self._secrets.get(kiosk_id)
        if cached is not None and time.monotonic() - cached[1] < SECRET_CACHE_SECONDS:
            return cached[0]
        return _MISSING

    def _secret(self, kiosk_id: str) -> bytes | None:
        cached = self._cached_secret(kiosk_id)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        now = time.monotonic()
        with self._database.read() as session:
            kiosk = session.get(Kiosk, kiosk_id)
            secret = None
            if kiosk is not None and kiosk.enabled:
                try:
                    secret = bytes.fromhex(self._sealer.open(kiosk.secret_sealed, kiosk_secret_aad(kiosk_id))
                                           .decode("ascii"))
                except (SealingError, ValueError):
                    log.error("kiosk %s: stored secret does not open with this key file", kiosk_id)
        with self._lock:
            self._secrets[kiosk_id] = (secret, now)
        return secret

    def _check(self, signed: SignedHeaders | None, secret: bytes | None, request: tuple[str, str, str, bytes],
               ) -> bool:
        """Signature and timestamp (pure computation; the replay check needs the database)."""
        method, path, query, body = request
        if signed is None:
            log.info("refused %s %s: missing or malformed signature headers", method, path)
            return False
        message = canonical_request(method, path, query, kiosk_id=signed.kiosk_id, timestamp=signed.timestamp,
                                    nonce=signed.nonce, body=body)
        expected = hmac.new(secret or _DUMMY_SECRET, message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signed.signature) or secret is None:
            log.info("refused %s %s from %s: bad signature or unknown kiosk", method, path, signed.kiosk_id)
            return False
        now = self.clock()
        if abs(now - int(signed.timestamp)) > MAX_SKEW_SECONDS:
            log.info("refused %s %s from %s: timestamp %s is %.0f s from server time", method, path,
                     signed.kiosk_id, signed.timestamp, int(signed.timestamp) - now)
            return False
        return True

    def _nonce_job(self, signed: SignedHeaders) -> Callable[[Session], bool]:
        """A write job recording the signature; it returns False for a signature seen before."""
        now = self.clock()
        prune = now - self._last_prune > 60
        if prune:
            self._last_prune = now
        values = {"signature": signed.signature, "kiosk_id": signed.kiosk_id, "seen_at": now}

        def record(session: Session) -> bool:
            if prune:
                session.execute(delete(RequestNonce).where(RequestNonce.seen_at < now - NONCE_RETENTION_SECONDS))
            return session.connection().execute(self._insert_nonce, values).first() is not None

        return record

    def verify(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> str | None:
        """The kiosk id for a correctly signed, fresh, first-seen request; None otherwise."""
        signed = parse_signed_headers(headers)
        secret = self._secret(signed.kiosk_id) if signed else None
        if not self._check(signed, secret, (method, path, query, body)):
            return None
        assert signed is not None
        if not self._database.run_write(self._nonce_job(signed)):
            log.warning("refused %s %s from %s: replayed signature", method, path, signed.kiosk_id)
            return None
        return signed.kiosk_id

    async def check_async(self, method: str, path: str, query: str, headers: Mapping[str, str],
                          body: bytes) -> SignedHeaders | None:
        """Signature and timestamp, without blocking the event loop; the replay check is separate
        (:meth:`nonce_job`), so that an endpoint can do it in its own transaction."""
        signed = parse_signed_headers(headers)
        secret: bytes | None = None
        if signed is not None:
            cached = self._cached_secret(signed.kiosk_id)
            if cached is _MISSING:
                secret = await to_thread.run_sync(self._secret, signed.kiosk_id)
            else:
                secret = cached  # type: ignore[assignment]
        if not self._check(signed, secret, (method, path, query, body)):
            return None
        return signed

    def nonce_job(self, signed: SignedHeaders) -> Callable[[Session], bool]:
        return self._nonce_job(signed)

    async def record_async(self, job: Callable[[Session], bool]) -> bool:
        """Run a :meth:`nonce_job` on its own; False for a replay."""
        return await self._database.run_write_async(job)

    async def verify_async(self, method: str, path: str, query: str, headers: Mapping[str, str],
                           body: bytes) -> str | None:
        """:meth:`verify` without blocking the event loop (the replay record is group-committed)."""
        signed = await self.check_async(method, path, query, headers, body)
        if signed is None:
            return None
        if not await self._database.run_write_async(self._nonce_job(signed)):
            log.warning("refused %s %s from %s: replayed signature", method, path, signed.kiosk_id)
            return None
        return signed.kiosk_id


class ReplayedRequest(Exception):
    """Raised inside an endpoint's write job when its deferred signature record finds a replay."""


UNAUTHORIZED_BODY = json.dumps({"detail": "unauthorized"}).encode()


class KioskAuthMiddleware:
    """Authenticate every HTTP request whose path starts with ``prefix``; put the kiosk id in
    ``scope["kiosk_id"]`` for the endpoints."""

    def __init__(self, app: Any, verifier: KioskVerifier, prefix: str = "/v1/") -> None:
        self.app = app
        self.verifier = verifier
        self.prefix = prefix

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                await _respond(send, 413, b'{"detail": "request body too large"}')
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        signed = await self.verifier.check_async(scope["method"], path, query, headers, body)
        if signed is None:
            await unauthorized(send)
            return
        scope["kiosk_id"] = signed.kiosk_id
        job = self.verifier.nonce_job(signed)
        if (scope["method"], scope["path"]) in DEFERRED_NONCE_ROUTES:
            # The endpoint records the signature in its own transaction (one commit, not two);
            # if it answers without having done so (a validation error, say), it is recorded
            # here before the first byte of the answer goes out, and a replay gets the 401.
            scope[NONCE_JOB] = job
            send = self._guarded(scope, send, job)
        elif not await self.verifier.record_async(job):
            log.warning("refused %s %s from %s: replayed signature", scope["method"], path, signed.kiosk_id)
            await unauthorized(send)
            return
        delivered = False

        async def replay_body() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay_body, send)


    def _guarded(self, scope: dict[str, Any], send: Callable[..., Any], job: Callable[[Session], bool],
                 ) -> Callable[..., Any]:
        replaced = False

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal replaced
            if replaced:
                return
            if message["type"] == "http.response.start" and not scope.get(NONCE_RECORDED):
                scope[NONCE_RECORDED] = True
                if not await self.verifier.record_async(job):
                    log.warning("refused %s %s from %s: replayed signature", scope["method"], scope["path"],
                                scope["kiosk_id"])
                    replaced = True
                    await unauthorized(send)
                    return
            await send(message)

        return guarded_send


async def unauthorized(send: Callable[..., Any]) -> None:
    await _respond(send, 401, UNAUTHORIZED_BODY, [(b"www-authenticate", SCHEME.encode())])


async def _respond(send: Callable[..., Any], status: int, body: bytes,
                   extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
