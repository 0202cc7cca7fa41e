"""Outreach batches at the central service: verify, import idempotently, answer "filed on site".

An outreach station files a group offline and hands the sealed batch over later, as a file
(``kiosk-central import-batch FILE``, or the console's upload) or over the network in pieces
(``POST /v1/outreach/batches`` with the envelope, ``PUT .../entries/{index}`` per entry). Both
paths end in the same two steps, so they meet without duplicates:

* **the envelope**: the signature is checked against the station's registered Ed25519 key, the
  content key unwrapped with the service's X25519 key, the manifest decrypted; the batch and one
  row per listed entry are stored (again: nothing changes; different content under the same batch
  id: refused);
* **each entry**: checked against the signed manifest (SHA-256), decrypted, and filed through the
  kiosk path's own :class:`~central.applications.ApplicationService` job under the entry's
  idempotency key, in the same transaction that marks the entry received. The same application
  number and key from the file and from the network are the same row; nothing is filed twice.

A file import verifies *everything* (structure, signature, every entry's hash, every application's
validity) before it writes anything: a tampered, truncated or shortened file imports nothing.

Before a batch arrives, a receipt of an outreach station answers "filed on site, not yet received"
(:func:`kiosk.domain.progress_code.FILED_ON_SITE`) for any well-formed number of that station from
the last year that the service does not hold: the answer is the same for every such number, so it
tells nothing about anyone, and the receipt's token still guards the application once it is here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.applications import IdempotencyConflict, NumberTaken, WrongKiosk
from central.db import Database
from central.kiosks import add_kiosk
from central.models import Application, OutreachBatch, OutreachEntry, OutreachStation, Payment
from central.schemas import ApplicationIn
from central.sealing import Sealer, SealingError
from wire.outreach_batch import (
    BatchFileError,
    OpenedEnvelope,
    open_batch_file,
    open_entry,
    open_envelope,
    parse_envelope,
)
from wire.outreach_keys import load_signing_public_key
from wire.progress_code import InvalidApplicationNumber, parse_application_no

log = logging.getLogger("central.outreach")

_BATCH_ID = re.compile(r"[A-Z0-9]{1,8}-\d{6}-\d{2}")
FILED_ON_SITE_DAYS = 366


class OutreachRefused(Exception):
    """The service refuses this batch or entry. ``status``: the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _from_file_error(exc: BatchFileError) -> OutreachRefused:
    status = 403 if exc.code in ("wrong_signer", "unknown_station") else 422
    return OutreachRefused(status, exc.code, str(exc))


@dataclass(frozen=True)
class EnvelopeAck:
    batch_id: str
    entries: int
    received: tuple[int, ...]
    new: bool


@dataclass(frozen=True)
class EntryAck:
    batch_id: str
    index: int
    kind: str
    application_no: str | None
    replayed: bool


@dataclass(frozen=True)
class ImportReport:
    """What ``import-batch`` did: entries newly received and entries the service held already."""

    batch_id: str
    station_id: str
    entries: int
    new: int
    already: int
    applications: int
    refusals: int


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    station_id: str
    name: str
    service: str
    sealed_at: datetime
    received_at: datetime
    entries: int
    filed: int
    refused: int
    not_served: int
    synced: int
    group_payment_fen: int
    complete: bool


@dataclass(frozen=True)
class EntryView:
    index: int
    kind: str
    application_no: str | None
    officer_id: str
    fee_fen: int
    payment_mode: str | None
    refusal_reason: str | None
    received: bool
    received_via: str | None
    stage: str | None
    paid_fen: int


def batch_details_aad(batch_id: str) -> str:
    return f"outreach-batch:{batch_id}"


def refusal_aad(batch_id: str, index: int) -> str:
    return f"outreach-refusal:{batch_id}:{index}"


def register_station(database: Database, sealer: Sealer, station_id: str, public_key: bytes, *, now: datetime,
                     name: str = "", secret_hex: str | None = None, rotate: bool = False) -> str:
    """Register an outreach station: a kiosk (request signing; returns its secret) and its batch
    signing key. ``rotate``: a new secret and key for a station that exists."""
    load_signing_public_key(public_key)  # refuses anything that is not 32 bytes
    secret = add_kiosk(database, sealer, station_id, now=now, name=name or f"outreach station {station_id}",
                       secret_hex=secret_hex, rotate=rotate)
    with database.write() as session:
        station = session.get(OutreachStation, station_id)
        if station is None:
            session.add(OutreachStation(station_id=station_id, public_key=public_key.hex(), created_at=now))
        else:
            station.public_key = public_key.hex()
    return secret


class OutreachService:
    def __init__(self, database: Database, sealer: Sealer, applications: Any, batch_key: Any, *,
                 clock: Callable[[], datetime], today: Callable[[], date]) -> None:
        self._db = database
        self._sealer = sealer
        self._applications = applications
        self._key = batch_key
        self._clock = clock
        self._today = today

    # -- stations -------------------------------------------------------------------------------

    def station_key(self, station_id: str) -> Any:
        with self._db.read() as session:
            station = session.get(OutreachStation, station_id)
            return None if station is None else load_signing_public_key(bytes.fromhex(station.public_key))

    def is_station(self, station_id: str) -> bool:
        with self._db.read() as session:
            return session.get(OutreachStation, station_id) is not None

    def filed_on_site(self, application_no: str) -> bool:
        """True for a well-formed number of an outreach station, dated in the last year, that the
        service does not hold (yet): its receipt then reads "filed on site, not yet received"."""
        try:
            number = parse_application_no(application_no)
        except InvalidApplicationNumber:
            return False
        today = self._today()
        if not today - timedelta(days=FILED_ON_SITE_DAYS) <= number.day <= today + timedelta(days=1):
            return False
        with self._db.read() as session:
            if session.get(OutreachStation, number.kiosk_id) is None:
                return False
            return session.get(Application, str(number)) is None

    # -- the envelope ---------------------------------------------------------------------------

    def _open(self, raw: bytes) -> OpenedEnvelope:
        envelope, end = parse_envelope(raw, "batch envelope")
        if end != len(raw):
            raise BatchFileError("tampered", f"{len(raw) - end} bytes follow the envelope's signature")
        return open_envelope(envelope, self.station_key(envelope.header.station_id), self._key)

    def receive_envelope(self, raw: bytes, *, signer: str | None, via: str = "network") -> EnvelopeAck:
        """Verify and store a batch's envelope; ``signer``: the station that signed the request
        (None for a file import by staff). Repeating it changes nothing."""
        try:
            opened = self._open(raw)
        except BatchFileError as exc:
            raise _from_file_error(exc) from None
        header = opened.header
        if signer is not None and signer != header.station_id:
            raise OutreachRefused(403, "wrong_station", f"station {signer} cannot hand over station "
                                  f"{header.station_id}'s batch")
        return self._store_envelope(opened, via)

    def _store_envelope(self, opened: OpenedEnvelope, via: str) -> EnvelopeAck:
        header = opened.header
        if not _BATCH_ID.fullmatch(header.batch_id) or not header.batch_id.startswith(header.station_id + "-"):
            raise OutreachRefused(422, "tampered", f"{header.batch_id!r} is not a batch id of station "
                                  f"{header.station_id}")
        digest = hashlib.sha256(opened.envelope.raw).hexdigest()
        manifest = opened.manifest
        try:
            batch = dict(manifest.get("batch") or {})
            counts = {k: int(v) for k, v in (batch.get("counts") or {}).items()}
            group = batch.get("group_payment")
            group_reference = str(group["reference"])[:32] if group else None
            group_fen = int(group["amount_fen"]) if group else 0
            sealed_at = datetime.fromisoformat(header.sealed_at)
            listed = [(int(e["index"]), str(e["kind"])[:12], e.get("application_no"),
                       str(e.get("officer_id") or "")[:16], int(e.get("fee_fen") or 0), e.get("payment_mode"),
                       e.get("reason")) for e in opened.entries]
        except (AttributeError, KeyError, TypeError, ValueError):
            raise OutreachRefused(422, "tampered", f"batch {header.batch_id}'s manifest is not as the format "
                                  "describes") from None
        now = self._clock()

        def store(session: Session) -> tuple[bool, tuple[int, ...]]:
            existing = session.get(OutreachBatch, header.batch_id)
            if existing is not None:
                if existing.envelope_sha256 != digest:
                    raise OutreachRefused(409, "different_batch", f"batch {header.batch_id} was received before "
                                          "with other content; a sealed batch never changes")
                received = session.scalars(select(OutreachEntry.index).where(
                    OutreachEntry.batch_id == header.batch_id, OutreachEntry.received_at.is_not(None))
                    .order_by(OutreachEntry.index))
                return False, tuple(received)
            session.add(OutreachBatch(
                batch_id=header.batch_id, station_id=header.station_id, envelope=opened.envelope.raw,
                envelope_sha256=digest, details=self._sealer.seal_json(batch, batch_details_aad(header.batch_id)),
                service=str((batch.get("service") or {}).get("code", ""))[:64], sealed_at=sealed_at,
                received_at=now, received_via=via, entry_count=header.entries, filed_count=counts.get("filed", 0),
                refused_count=counts.get("refused", 0), not_served_count=counts.get("not_served", 0),
                group_payment_reference=group_reference, group_payment_fen=group_fen,
                group_payment=self._sealer.seal_json(group, f"{batch_details_aad(header.batch_id)}:payment")
                if group else None))
            session.flush()
            for index, kind, number, officer, fee, mode, reason in listed:
                session.add(OutreachEntry(
                    batch_id=header.batch_id, index=index, kind=kind,
                    application_no=str(number)[:18] if number else None, officer_id=officer, fee_fen=fee,
                    payment_mode=str(mode)[:8] if mode else None,
                    refusal_reason=str(reason)[:40] if kind == "refusal" and reason else None))
            return True, ()

        try:
            new, received = self._db.run_write(store)
        except IntegrityError:  # the same envelope from the file and the network at once: the other won
            new, received = self._db.run_write(store)
        if new:
            log.info("outreach: batch %s of station %s received (%s, %d entries)", header.batch_id,
                     header.station_id, via, header.entries)
        return EnvelopeAck(header.batch_id, header.entries, received, new)

    # -- entries --------------------------------------------------------------------------------

    def receive_entry(self, batch_id: str, index: int, block: bytes, *, signer: str | None,
                      via: str = "network") -> EntryAck:
        with self._db.read() as session:
            batch = session.get(OutreachBatch, batch_id)
            raw = batch.envelope if batch is not None else None
            station = batch.station_id if batch is not None else None
        if raw is None:
            raise OutreachRefused(404, "unknown_batch", f"no batch {batch_id} here: send its envelope first")
        if signer is not None and signer != station:
            raise OutreachRefused(403, "wrong_station", f"batch {batch_id} belongs to station {station}")
        try:
            opened = self._open(raw)
            payload = open_entry(opened, index, block)
        except BatchFileError as exc:
            raise _from_file_error(exc) from None
        body = self._validated(opened, index, payload)
        return self._file_entry(opened, index, payload, body, via)

    def _validated(self, opened: OpenedEnvelope, index: int, payload: Any) -> ApplicationIn | None:
        listed = opened.entries[index]
        if not isinstance(payload, dict) or payload.get("kind") != listed.get("kind"):
            raise OutreachRefused(422, "tampered", f"entry {index} is not the {listed.get('kind')} its manifest lists")
        if listed["kind"] == "refusal":
            return None
        if listed["kind"] != "application":
            raise OutreachRefused(422, "unsupported", f"entry {index} is of an unknown kind {listed['kind']!r}")
        try:
            body = ApplicationIn.model_validate(payload.get("body"))
        except ValidationError as exc:
            fields = "; ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors()[:3])
            raise OutreachRefused(422, "invalid_application", f"entry {index} ({listed.get('application_no')}) "
                                  f"is not a valid application: {fields}") from None
        if body.application_no != listed.get("application_no") or \
                parse_application_no(body.application_no).kiosk_id != opened.header.station_id:
            raise OutreachRefused(422, "tampered", f"entry {index}'s application number is not the one its "
                                  "manifest lists, or not of this station")
        return body

    def _file_entry(self, opened: OpenedEnvelope, index: int, payload: Any, body: ApplicationIn | None,
                    via: str) -> EntryAck:
        header = opened.header
        listed = opened.entries[index]
        now = self._clock()
        filing = (self._applications.filing_job(header.station_id, str(listed["idempotency_key"]), body)
                  if body is not None else None)
        refusal = None
        if body is None:
            refusal = self._sealer.seal_json({k: payload.get(k) for k in ("name", "id_number", "note", "at", "source")},
                                             refusal_aad(header.batch_id, index))

        def write(session: Session) -> tuple[bool, bool]:
            entry = session.get(OutreachEntry, (header.batch_id, index))
            if entry is None:
                raise OutreachRefused(404, "unknown_batch", f"batch {header.batch_id} has no entry {index} here")
            replayed = entry.received_at is not None
            sms = False
            if filing is not None:
                _receipt, _replayed, sms = filing(session)
            elif not replayed:
                entry.refusal = refusal
            if not replayed:
                entry.received_at = now
                entry.received_via = via
                session.flush()
                left = session.scalar(select(func.count()).select_from(OutreachEntry).where(
                    OutreachEntry.batch_id == header.batch_id, OutreachEntry.received_at.is_(None)))
                if left == 0:
                    batch = session.get(OutreachBatch, header.batch_id)
                    if batch is not None and batch.complete_at is None:
                        batch.complete_at = now
            return replayed, sms

        try:
            try:
                replayed, sms = self._db.run_write(write)
            except IntegrityError:
                replayed, sms = self._db.run_write(write)
        except (IdempotencyConflict, NumberTaken, WrongKiosk) as exc:
            raise OutreachRefused(409, "conflict", f"entry {index} ({listed.get('application_no')}) conflicts "
                                  f"with an application the service holds: {type(exc).__name__}") from None
        if sms:
            self._applications.wake_sms()
        return EntryAck(header.batch_id, index, str(listed["kind"]), listed.get("application_no"), replayed)

    # -- a whole file ---------------------------------------------------------------------------

    def import_file(self, data: bytes, *, via: str = "file") -> ImportReport:
        """Import a batch file: verified whole first (nothing is written for a file that fails),
        then stored entry by entry; importing it again creates nothing."""
        try:
            opened_batch = open_batch_file(data, self.station_key, self._key)
        except BatchFileError as exc:
            raise _from_file_error(exc) from None
        opened = opened_batch.opened
        bodies = [self._validated(opened, i, payload) for i, payload in enumerate(opened_batch.payloads)]
        self._store_envelope(opened, via)
        new = already = 0
        for index, (payload, body) in enumerate(zip(opened_batch.payloads, bodies, strict=True)):
            ack = self._file_entry(opened, index, payload, body, via)
            already += ack.replayed
            new += not ack.replayed
        kinds = [entry["kind"] for entry in opened.entries]
        report = ImportReport(opened.header.batch_id, opened.header.station_id, len(kinds), new, already,
                              kinds.count("application"), kinds.count("refusal"))
        log.info("outreach: batch %s imported from a file: %d new, %d already held", report.batch_id, new, already)
        return report

    # -- the console ----------------------------------------------------------------------------

    def _summary(self, session: Session, batch: OutreachBatch) -> BatchSummary:
        try:
            details = self._sealer.open_json(batch.details, batch_details_aad(batch.batch_id))
        except SealingError:
            details = {}
        synced = session.scalar(select(func.count()).select_from(OutreachEntry).where(
            OutreachEntry.batch_id == batch.batch_id, OutreachEntry.received_at.is_not(None))) or 0
        return BatchSummary(batch.batch_id, batch.station_id, str(details.get("name", "")), batch.service,
                            batch.sealed_at, batch.received_at, batch.entry_count, batch.filed_count,
                            batch.refused_count, batch.not_served_count, int(synced), batch.group_payment_fen,
                            batch.complete_at is not None)

    def batches(self, limit: int = 200) -> list[BatchSummary]:
        with self._db.read() as session:
            rows = session.scalars(select(OutreachBatch).order_by(OutreachBatch.sealed_at.desc()).limit(limit))
            return [self._summary(session, batch) for batch in rows]

    def batch(self, batch_id: str) -> tuple[BatchSummary, list[EntryView]] | None:
        with self._db.read() as session:
            batch = session.get(OutreachBatch, batch_id)
            if batch is None:
                return None
            entries = session.scalars(select(OutreachEntry).where(OutreachEntry.batch_id == batch_id)
                                      .order_by(OutreachEntry.index)).all()
            numbers = [e.application_no for e in entries if e.application_no]
            stages = dict(session.execute(select(Application.application_no, Application.stage)
                                          .where(Application.application_no.in_(numbers))).all()) if numbers else {}
            paid = dict(session.execute(select(Payment.application_no, func.sum(Payment.amount_fen))
                                        .where(Payment.application_no.in_(numbers))
                                        .group_by(Payment.application_no)).all()) if numbers else {}
            views = [EntryView(e.index, e.kind, e.application_no, e.officer_id, e.fee_fen, e.payment_mode,
                               e.refusal_reason, e.received_at is not None, e.received_via,
                               stages.get(e.application_no or ""), int(paid.get(e.application_no or "", 0) or 0))
                     for e in entries]
            return self._summary(session, batch), views


def decode_base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise OutreachRefused(422, "not_base64", f"{what} is not standard base64") from None
