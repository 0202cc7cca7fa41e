"""Handing a batch over: seal it (supervisor), export the file (USB stick), sync it (network).

* :func:`seal_batch_file`: a supervisor's second sign-in; every application resolved (paid at the
  terminal, or group-paid with the organiser's payment taken); then the batch file is written
  (``<data_dir>/batches/<batch>.eekb``, written to a temporary name, synced, renamed, directory
  synced) *before* the store marks the batch sealed. A crash in between leaves the batch open with
  a file nobody has seen; sealing again writes it anew.
* :func:`export_batch_file`: the sealed file copied to a directory (a USB stick), synced, read back
  and compared with the sealed file's SHA-256.
* :func:`sync_batch`: the same file sent over the network in pieces through the kiosk's signed
  client: the envelope first (the service verifies the signature and answers which entries it
  already holds, from an earlier sync or an imported file), then each missing entry on its own.
  Each piece is idempotent, so a sync cut off at any point resumes where it stopped. When the
  service holds every entry, the station erases the batch's personal data.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from drivers.payment.crashpoint import crash_point
from kiosk.outreach.errors import OutreachError
from kiosk.outreach.parts import StationParts
from kiosk.outreach.store import Officer
from kiosk.services.api_errors import ApiError
from wire.outreach_batch import EntryInput, seal_batch, split_batch_file

log = logging.getLogger("kiosk.outreach")


@dataclass(frozen=True)
class SealedBatch:
    batch_id: str
    path: Path
    sha256: str
    size: int
    filed: int
    refused: int
    not_served: int
    supervisor_id: str


@dataclass(frozen=True)
class SyncReport:
    """One sync run: entries sent now, entries the service already held, entries still to send."""

    batch_id: str
    sent: int
    already_received: int
    remaining: int
    complete: bool
    error: str | None = None


def _fail(code: str, message: str) -> OutreachError:
    return OutreachError(code, message)


def _write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    with open(temporary, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.astimezone()
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def seal_batch_file(station: StationParts, batch_id: str, supervisor_id: str, pin: str) -> SealedBatch:
    store = station.store
    batch = store.batch(batch_id)
    if batch is None:
        raise _fail("unknown_batch", f"no batch {batch_id} on this station")
    if batch.state != "open" or batch.details is None:
        raise _fail("batch_sealed", f"batch {batch_id} is already sealed")
    signed_in = station.desk.sign_in(supervisor_id, pin, require="supervisor")
    if signed_in.officer is None:
        raise _fail(f"supervisor_{signed_in.verdict}", {
            "rejected": f"wrong supervisor id or PIN ({signed_in.attempts_left} tries left)",
            "locked": f"locked for {signed_in.locked_for:.0f} s after repeated wrong PINs",
            "not_permitted": "only a supervisor may seal a batch"}[signed_in.verdict])
    supervisor = signed_in.officer
    if station.central_public is None:
        raise _fail("no_central_key", "the central service's batch key is missing ([outreach] "
                    "central_public_key_file; kiosk-central outreach-key writes it)")
    applications = store.applications(batch_id)
    waiting = [a.application_no for a in applications if a.state == "awaiting_payment"]
    if waiting:
        raise _fail("payments_open", f"{len(waiting)} application(s) still await payment "
                    f"({', '.join(waiting[:5])}): take the payment or abandon it first")
    group = [a for a in applications if a.state == "filed" and a.payment_mode == "group"]
    group_fen = sum(a.fee_fen for a in group)
    if batch.group_state == "awaiting_payment":
        raise _fail("group_payment_open", "the organiser's payment is not finished: take it or cancel it first")
    if group and (batch.group_state != "paid" or batch.group_amount_fen != group_fen):
        raise _fail("group_unpaid", f"{len(group)} application(s) are to be paid by the organiser "
                    f"({group_fen / 100:.2f} yuan) and the organiser has not paid")

    rows = store.roster(batch_id)
    rows_by_id = {r.row_id: r for r in rows}
    entries: list[EntryInput] = []
    listed: list[tuple[int, str, str | None, int | None, str]] = []
    for app in (a for a in applications if a.state == "filed"):
        body = store.application_body(app.application_no)
        if body is None:
            raise _fail("data_missing", f"application {app.application_no} has no stored data")
        descriptor = {"kind": "application", "application_no": app.application_no,
                      "idempotency_key": app.idempotency_key, "officer_id": app.officer_id,
                      "payment_mode": app.payment_mode, "fee_fen": app.fee_fen, "photo_sha256": app.photo_sha256,
                      "paid_by": app.paid_by, "roster_position": rows_by_id[app.roster_id].position}
        entries.append(EntryInput(descriptor, {**descriptor, "station_id": station.station_id, "batch_id": batch_id,
                                               "body": body}))
        listed.append((len(listed), "application", app.application_no, app.roster_id, ""))
    for row in (r for r in rows if r.state == "refused"):
        descriptor = {"kind": "refusal", "reason": row.reason, "officer_id": row.officer_id,
                      "roster_position": row.position, "source": row.source}
        entries.append(EntryInput(descriptor, {**descriptor, "name": row.name, "id_number": row.id_number,
                                               "note": row.note, "at": row.updated_at}))
        listed.append((len(listed), "refusal", None, row.row_id, ""))
    details = batch.details
    group_payment = store.group_payment(batch_id) if batch.group_state == "paid" else None
    manifest_batch = {
        "name": details.name, "service": asdict(details.service), "destination": details.destination,
        "purpose": details.purpose, "collection_method": details.collection_method,
        "organiser": {"name": details.organiser_name, "phone": details.organiser_phone},
        "created_at": _iso(datetime.fromtimestamp(batch.created_at, UTC)), "created_by": batch.created_by,
        "sealed_by": supervisor.officer_id,
        "counts": {"filed": sum(1 for e in listed if e[1] == "application"),
                   "refused": sum(1 for e in listed if e[1] == "refusal"),
                   "not_served": sum(1 for r in rows if r.state == "pending")},
        "group_payment": None if group_payment is None else {
            "reference": str(group_payment.get("ecr_ref", "")), "amount_fen": batch.group_amount_fen,
            "applications": sorted(a.application_no for a in group), "record": dict(group_payment)},
    }
    data = seal_batch(station_id=station.station_id, batch_id=batch_id, sealed_at=_iso(station.now()),
                      batch=manifest_batch, entries=entries, signing_key=station.identity.signing_key,
                      central_public=station.central_public)
    _, blocks = split_batch_file(data)
    listed = [(i, kind, no, row_id, hashlib.sha256(blocks[i]).hexdigest()) for i, kind, no, row_id, _ in listed]
    path = station.batch_file(batch_id)
    _write_durably(path, data)
    crash_point("outreach.seal.file_written")
    digest = hashlib.sha256(data).hexdigest()
    store.mark_sealed(batch_id, supervisor.officer_id, file_name=path.name, file_sha256=digest, entries=listed)
    counts = cast(dict[str, int], manifest_batch["counts"])
    log.info("outreach: batch %s sealed by %s: %d filed, %d refused, %d not served", batch_id,
             supervisor.officer_id, counts["filed"], counts["refused"], counts["not_served"])
    return SealedBatch(batch_id, path, digest, len(data), counts["filed"], counts["refused"], counts["not_served"],
                       supervisor.officer_id)


def _sealed_bytes(station: StationParts, batch_id: str) -> bytes:
    batch = station.store.batch(batch_id)
    if batch is None:
        raise _fail("unknown_batch", f"no batch {batch_id} on this station")
    if batch.state == "open":
        raise _fail("not_sealed", f"batch {batch_id} is not sealed yet: a supervisor seals it first")
    path = station.batch_file(batch_id)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _fail("file_missing", f"the sealed file of batch {batch_id} is gone from {path}") from None
    if hashlib.sha256(data).hexdigest() != batch.file_sha256:
        raise _fail("file_damaged", f"{path} is not the file that was sealed (its SHA-256 differs)")
    return data


def export_batch_file(station: StationParts, officer: Officer, batch_id: str, directory: Path) -> Path:
    data = _sealed_bytes(station, batch_id)
    target = Path(directory) / f"{batch_id}.eekb"
    _write_durably(target, data)
    if hashlib.sha256(target.read_bytes()).hexdigest() != hashlib.sha256(data).hexdigest():
        raise _fail("export_failed", f"{target} does not read back as written (a failing USB stick?)")
    station.store.record_event(officer.officer_id, "exported", batch_id, size=len(data))
    return target


def sync_batch(station: StationParts, api: Any, batch_id: str, *, limit: int | None = None) -> SyncReport:
    """Send what the service does not hold yet; ``limit``: at most this many entries this run.
    Network trouble ends the run with ``error`` set (nothing is lost: run it again later)."""
    store = station.store
    batch = store.batch(batch_id)
    if batch is not None and batch.state == "synced":
        return SyncReport(batch_id, 0, 0, 0, True)
    data = _sealed_bytes(station, batch_id)
    envelope, blocks = split_batch_file(data)
    try:
        ack = api.outreach_batch(envelope.raw)
    except ApiError as exc:
        left = sum(1 for e in store.entries(batch_id) if not e.acked)
        return SyncReport(batch_id, 0, 0, left, False, str(exc))
    held = set(ack.received)
    already = store.mark_acked(batch_id, sorted(held))
    sent = 0
    error = None
    for entry in store.entries(batch_id):
        if entry.acked:
            continue
        if limit is not None and sent >= limit:
            break
        try:
            answer = api.outreach_entry(batch_id, entry.index, blocks[entry.index])
        except ApiError as exc:
            error = str(exc)
            break
        crash_point("outreach.sync.entry_sent")
        store.mark_acked(batch_id, [entry.index], {"application_no": answer.application_no,
                                                    "replayed": answer.replayed})
        sent += 1
    left = sum(1 for e in store.entries(batch_id) if not e.acked)
    if left == 0:
        store.purge(batch_id)
        station.batch_file(batch_id).unlink(missing_ok=True)
        log.info("outreach: batch %s is held by the central service in full; its personal data is erased", batch_id)
    return SyncReport(batch_id, sent, already, left, left == 0, error)
