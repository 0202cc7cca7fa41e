"""The central service's side of outreach: a sealed batch imported from its file (the CLI) and over
the network (the station's signed client), idempotently, with its photos and payments; tampered
files refused with nothing imported; "filed on site, not yet received" before the batch arrives;
the staff console's batch pages."""

from __future__ import annotations

import base64
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from central.models import Application, OutreachBatch, OutreachEntry, Payment
from central.outreach import OutreachRefused
from kiosk.config import REPO_ROOT
from kiosk.outreach.service import OutreachStation
from kiosk.services.api import ApiClient
from kiosk.services.api_errors import PermanentError
from kiosk.services.api_types import FiledOnSite, Progress
from tests.central.harness import KIOSK_ID, KIOSK_SECRET, STAFF_PASSWORD, STAFF_USER, CentralHarness
from tests.outreach.harness import STATION_ID, STATION_SECRET, SealedDay
from wire.outreach_batch import split_batch_file


def station_client(central: CentralHarness) -> ApiClient:
    assert central.server is not None
    return ApiClient(central.server.url, STATION_ID, bytes.fromhex(STATION_SECRET))


def import_cli(central: CentralHarness, path: Path) -> subprocess.CompletedProcess[str]:
    settings = central.settings
    return subprocess.run([sys.executable, "-m", "central", "import-batch", str(path), "--db", settings.database_url,
                           "--data-dir", str(settings.data_dir)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)


def counts(central: CentralHarness) -> dict[str, int]:
    with central.central.database.read() as session:
        return {
            "applications": session.scalar(select(func.count()).select_from(Application)
                                           .where(Application.kiosk_id == STATION_ID)) or 0,
            "payments": session.scalar(select(func.count()).select_from(Payment)
                                       .where(Payment.kiosk_id == STATION_ID)) or 0,
            "received": session.scalar(select(func.count()).select_from(OutreachEntry)
                                       .where(OutreachEntry.received_at.is_not(None))) or 0,
            "batches": session.scalar(select(func.count()).select_from(OutreachBatch)) or 0,
        }


def check_held_in_full(central: CentralHarness, day: SealedDay) -> None:
    """Every application once, each with its photo (the same bytes), each paid exactly as filed."""
    import hashlib

    sealer = central.central.sealer
    with central.central.database.read() as session:
        apps = session.scalars(select(Application).where(Application.kiosk_id == STATION_ID)).all()
        assert sorted(a.application_no for a in apps) == sorted(day.numbers)
        for app in apps:
            sealed = sealer.open_json(app.sealed_details, f"application:{app.application_no}")
            photo = base64.b64decode(sealed["photo_jpeg_base64"])
            assert hashlib.sha256(photo).hexdigest() == day.photo_sha256[app.application_no]
            assert sealed["details"]["outreach"]["batch_id"] == day.batch_id
            payments = session.scalars(select(Payment).where(Payment.application_no == app.application_no)).all()
            if app.application_no in day.pos_paid:
                assert [p.amount_fen for p in payments] == [app.total_fen]
            else:
                assert payments == []
        batch = session.get(OutreachBatch, day.batch_id)
        assert batch is not None and batch.complete_at is not None
        group_fen = sum(a.total_fen for a in apps if a.application_no in day.group_paid)
        assert batch.group_payment_fen == group_fen and batch.group_payment_reference == f"{day.batch_id}P1"
        assert (batch.filed_count, batch.refused_count, batch.not_served_count) == (len(day.numbers), 1, 1)


def test_import_twice_from_the_file_creates_each_application_once(central: CentralHarness, sealed_day: SealedDay,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "usb" / f"{sealed_day.batch_id}.eekb"
    path.parent.mkdir()
    path.write_bytes(sealed_day.file)
    entries = len(sealed_day.numbers) + 1
    first = import_cli(central, path)
    assert first.returncode == 0, first.stderr
    assert f"{entries} newly imported, 0 already held" in first.stdout
    again = import_cli(central, path)
    assert again.returncode == 0, again.stderr
    assert f"0 newly imported, {entries} already held" in again.stdout
    assert counts(central) == {"applications": len(sealed_day.numbers), "payments": len(sealed_day.pos_paid),
                               "received": entries, "batches": 1}
    check_held_in_full(central, sealed_day)


def test_half_synced_over_the_network_then_imported_then_synced_creates_no_duplicate(
        central: CentralHarness, sealed_day: SealedDay) -> None:
    api = station_client(central)
    envelope, blocks = split_batch_file(sealed_day.file)
    ack = api.outreach_batch(envelope.raw)
    assert (ack.batch_id, ack.entries, ack.received) == (sealed_day.batch_id, len(blocks), ())
    for index in (0, 1):
        entry = api.outreach_entry(sealed_day.batch_id, index, blocks[index])
        assert (entry.index, entry.replayed) == (index, False)
    assert api.outreach_entry(sealed_day.batch_id, 1, blocks[1]).replayed  # a resend: the same row
    report = central.central.outreach.import_file(sealed_day.file)
    assert (report.new, report.already) == (len(blocks) - 2, 2)
    assert api.outreach_batch(envelope.raw).received == tuple(range(len(blocks)))
    for index, block in enumerate(blocks):
        assert api.outreach_entry(sealed_day.batch_id, index, block).replayed
    assert counts(central)["applications"] == len(sealed_day.numbers)
    check_held_in_full(central, sealed_day)


def test_the_receipt_says_filed_on_site_until_the_batch_arrives(central: CentralHarness, sealed_day: SealedDay) -> None:
    kiosk = central.client(KIOSK_ID, KIOSK_SECRET)
    number = sealed_day.numbers[0]
    receipt = sealed_day.receipts[number]
    assert kiosk.progress_or_filed_on_site(receipt) == FiledOnSite(number)
    assert kiosk.progress(receipt) is None  # the old call still answers "not found"
    stranger = receipt.replace(STATION_ID, "KIOSK002", 1).replace(number[-10:], "2601010001")
    assert kiosk.progress_or_filed_on_site(stranger) is None  # a kiosk's number: plain "not found"
    central.central.outreach.import_file(sealed_day.file)
    progress = kiosk.progress_or_filed_on_site(receipt)
    assert isinstance(progress, Progress) and progress.application_no == number and progress.stage == "received"
    token = receipt.rsplit(":", 1)[1]
    forged = receipt[:-len(token)] + ("A" if token[0] != "A" else "B") + token[1:]
    assert kiosk.progress_or_filed_on_site(forged) is None  # once received, the token guards it as ever


def _remove_entry(data: bytes, index: int) -> bytes:
    envelope, blocks = split_batch_file(data)
    kept = [b for i, b in enumerate(blocks) if i != index]
    body = envelope.raw + b"".join(struct.pack(">I", len(b)) + b for b in kept)
    return body + b"EEKBEND\x00" + struct.pack(">Q", len(body) + 16)


def _wrong_signer(day: SealedDay, tmp: Path) -> bytes:
    """The same day sealed again by an impostor: the same station id, another key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from wire.outreach_batch import seal_batch

    return seal_batch(station_id=STATION_ID, batch_id=day.batch_id, sealed_at="2026-11-28T18:00:00+00:00",
                      batch={"name": "forged"}, entries=[], signing_key=Ed25519PrivateKey.generate(),
                      central_public=_central_public(day))


def _central_public(day: SealedDay):  # type: ignore[no-untyped-def]
    from wire.outreach_keys import load_batch_public_key

    return load_batch_public_key(day.config.resolve(day.config.outreach.central_public_key_file))


@pytest.mark.parametrize("damage", ["byte_in_envelope", "byte_in_photo_entry", "byte_in_trailer", "entry_removed",
                                    "last_entry_removed", "wrong_signer", "truncated_half", "truncated_end",
                                    "appended"])
def test_a_damaged_file_is_refused_and_nothing_is_imported(central: CentralHarness, sealed_day: SealedDay,
                                                           tmp_path: Path, damage: str) -> None:
    data = bytearray(sealed_day.file)
    envelope, blocks = split_batch_file(sealed_day.file)
    expected = {"byte_in_envelope": "tampered", "byte_in_photo_entry": "tampered", "byte_in_trailer": "tampered",
                "entry_removed": "entry_missing", "last_entry_removed": "entry_missing", "wrong_signer": "wrong_signer",
                "truncated_half": "truncated", "truncated_end": "truncated", "appended": "tampered"}[damage]
    if damage == "byte_in_envelope":
        data[len(envelope.raw) - 100] ^= 0x01
    elif damage == "byte_in_photo_entry":
        data[len(envelope.raw) + len(blocks[0]) // 2] ^= 0x80
    elif damage == "byte_in_trailer":
        data[-3] ^= 0x01
    elif damage == "entry_removed":
        data = bytearray(_remove_entry(sealed_day.file, 1))
    elif damage == "last_entry_removed":
        data = bytearray(_remove_entry(sealed_day.file, len(blocks) - 1))
    elif damage == "wrong_signer":
        data = bytearray(_wrong_signer(sealed_day, tmp_path))
    elif damage == "truncated_half":
        data = data[:len(data) // 2]
    elif damage == "truncated_end":
        data = data[:-1]
    else:
        data += b"\x00"
    with pytest.raises(OutreachRefused) as refused:
        central.central.outreach.import_file(bytes(data))
    assert refused.value.code == expected, str(refused.value)
    if damage == "entry_removed":
        assert "an entry was removed" in str(refused.value)
        assert f"missing entry 1 (application {sealed_day.numbers[1]})" in str(refused.value)
    if damage == "last_entry_removed":
        assert f"missing entry {len(blocks) - 1} (refusal)" in str(refused.value)
    assert counts(central) == {"applications": 0, "payments": 0, "received": 0, "batches": 0}


def test_the_cli_refuses_a_damaged_file_with_a_clear_message(central: CentralHarness, sealed_day: SealedDay,
                                                             tmp_path: Path) -> None:
    damaged = bytearray(sealed_day.file)
    damaged[len(damaged) // 3] ^= 0x04
    cases = {"changed.eekb": (bytes(damaged), "REFUSED (tampered)"),
             "removed.eekb": (_remove_entry(sealed_day.file, 2), "REFUSED (entry_missing)"),
             "short.eekb": (sealed_day.file[:-20], "REFUSED (truncated)")}
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        done = import_cli(central, path)
        assert done.returncode == 3, (done.stdout, done.stderr)
        assert expected in done.stderr and "Nothing was imported." in done.stderr, done.stderr
    assert counts(central) == {"applications": 0, "payments": 0, "received": 0, "batches": 0}


def test_every_single_byte_change_is_refused(central: CentralHarness, sealed_day: SealedDay) -> None:
    """A sweep: one byte changed at 200 places spread over the whole file, each refused whole."""
    data = sealed_day.file
    codes = set()
    for position in range(0, len(data), max(1, len(data) // 200)):
        damaged = bytearray(data)
        damaged[position] ^= 0x10
        with pytest.raises(OutreachRefused) as refused:
            central.central.outreach.import_file(bytes(damaged))
        codes.add(refused.value.code)
    assert codes <= {"tampered", "wrong_signer", "not_a_batch", "truncated", "unsupported"}
    assert counts(central)["applications"] == 0


def test_the_network_path_refuses_a_changed_entry_and_another_station(central: CentralHarness,
                                                                       sealed_day: SealedDay) -> None:
    api = station_client(central)
    envelope, blocks = split_batch_file(sealed_day.file)
    api.outreach_batch(envelope.raw)
    changed = bytearray(blocks[0])
    changed[40] ^= 0x01
    with pytest.raises(PermanentError) as refused:
        api.outreach_entry(sealed_day.batch_id, 0, bytes(changed))
    assert refused.value.status == 422 and "does not match the signed manifest" in refused.value.detail
    with pytest.raises(PermanentError) as moved:
        api.outreach_entry(sealed_day.batch_id, 1, blocks[0])  # a genuine block in another place
    assert moved.value.status == 422
    kiosk = central.client(KIOSK_ID, KIOSK_SECRET)  # a kiosk, not an outreach station
    with pytest.raises(PermanentError) as forbidden:
        kiosk.outreach_batch(envelope.raw)
    assert forbidden.value.status == 403
    assert counts(central)["applications"] == 0


def _console(central: CentralHarness) -> requests.Session:
    assert central.server is not None
    session = requests.Session()
    form = session.get(f"{central.server.url}/console/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    signed_in = session.post(f"{central.server.url}/console/login", data={
        "username": STAFF_USER, "password": STAFF_PASSWORD, "csrf_token": token[1], "next_path": "/console/outreach"})
    assert signed_in.status_code == 200 and "/console/outreach" in signed_in.url
    return session


def test_the_console_lists_batches_with_counts_and_drills_down(central: CentralHarness, sealed_day: SealedDay) -> None:
    api = station_client(central)
    envelope, blocks = split_batch_file(sealed_day.file)
    api.outreach_batch(envelope.raw)
    api.outreach_entry(sealed_day.batch_id, 0, blocks[0])
    assert central.server is not None
    console = _console(central)
    listing = console.get(f"{central.server.url}/console/outreach").text
    row = re.search(rf'data-batch="{sealed_day.batch_id}" data-filed="(\d+)"\s+data-refused="(\d+)" '
                    rf'data-synced="(\d+)"', listing)
    assert row is not None and row.groups() == (str(len(sealed_day.numbers)), "1", "1")
    detail = console.get(f"{central.server.url}/console/outreach/{sealed_day.batch_id}").text
    assert detail.count('data-received="yes"') == 1 and detail.count('data-received="no"') == len(blocks) - 1
    assert sealed_day.numbers[0] in detail and 'data-kind="refusal"' in detail
    # the rest arrives on a USB stick, uploaded from the console
    upload_form = console.get(f"{central.server.url}/console/outreach").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', upload_form)
    assert token is not None
    uploaded = console.post(f"{central.server.url}/console/outreach/import", data={"csrf_token": token[1]},
                            files={"file": ("batch.eekb", sealed_day.file)})
    assert uploaded.status_code == 200 and f"{len(blocks) - 1} new" in uploaded.text
    check_held_in_full(central, sealed_day)


def test_station_sync_resumes_and_erases_the_station_copy_when_complete(sealed_day: SealedDay, tmp_path: Path) -> None:
    """The station's own sync against a central service that already imported half of it by file."""
    import shutil

    from kiosk.outreach.service import open_store
    from tests.outreach.harness import central_with_key, register_station

    station_dir = tmp_path / "station-copy"
    shutil.copytree(sealed_day.config.resolve(sealed_day.config.outreach.data_dir), station_dir / "station")
    from tests.outreach.harness import station_config

    config = station_config(station_dir)
    central = central_with_key(tmp_path / "central", sealed_day.central_key_file)
    try:
        register_station(central, config)
        store = open_store(config)
        station = OutreachStation.from_config(config, store=store)
        api = station_client(central)
        first = station.sync(api, sealed_day.batch_id, limit=2)
        assert (first.sent, first.complete, first.remaining) == (2, False, len(sealed_day.numbers) - 1)
        rest = station.sync(api, sealed_day.batch_id)
        assert rest.complete and rest.remaining == 0 and rest.sent == len(sealed_day.numbers) - 1
        assert store.batch(sealed_day.batch_id).state == "synced"  # type: ignore[union-attr]
        assert store.application_body(sealed_day.numbers[0]) is None  # personal data erased
        assert not station.batch_file(sealed_day.batch_id).exists()
        assert station.sync(api, sealed_day.batch_id).complete
        check_held_in_full(central, sealed_day)
        station.close()
    finally:
        central.close()
