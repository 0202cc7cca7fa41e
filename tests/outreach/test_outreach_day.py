"""An outreach day end to end, the issue's "done when": a 30-person roster (generated valid cards)
filed on the simulators with the central service down, the station killed with SIGKILL twice during
the day, the batch sealed, exported to a file, imported, imported again, half of it synced over the
network before that and the rest after: exactly 30 applications at the central service, each with
its photo, none duplicated, every paid one paid exactly once (checked against the terminal's own
journal too).

* The payment terminal is ``python -m drivers.sim payment --pty --control`` in a process of its own
  (it outlives every station process), as in ``tests/crash``.
* The station is ``tests/outreach/station_child.py``, a fresh process per run, with the real store,
  payment service, ID-card reader (simulated chip) and camera. Run 1 dies at the first card payment
  after the terminal approved it and the answer was journaled (``KIOSK_CRASH_AT``); run 2 is killed
  by this test the moment it reports the 15th applicant filed (wherever it then is: taking the
  payment, reading the next card, analysing a photo); run 3 finishes the day.
* The central service is not running during the day; it starts afterwards, on loopback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from central.models import Application, OutreachBatch, OutreachEntry, Payment
from kiosk.config import REPO_ROOT
from kiosk.outreach.service import OutreachStation, open_store
from kiosk.services.api import ApiClient
from kiosk.services.api_types import FiledOnSite, Progress
from kiosk.services.central_lookups import lookup_progress
from kiosk.services.payment_journal import ATTACHED, PaymentJournal
from kiosk.session.commands import LookupProgress
from kiosk.session.events import ProgressFound, ProgressNotFound
from tests.central.harness import KIOSK_ID, KIOSK_SECRET
from tests.crash.test_payment_crash import TerminalProcess
from tests.outreach.harness import (
    STATION_ID,
    STATION_SECRET,
    SUPERVISOR_ID,
    SUPERVISOR_PIN,
    central_with_key,
    prepare_station,
    register_station,
    roster_csv,
    student_card,
)

pytestmark = pytest.mark.slow

STUDENTS = 30
WALK_IN = 77
CHILD_TIMEOUT = 300.0


def plan_for(tmp: Path) -> Path:
    cards = [student_card(n) for n in range(1, STUDENTS + 1)]
    bad_rows = [["赵一鸣", "110105198704220184", "13800000001"],        # bad check character
                [cards[4].name, cards[4].id_number, "13900000005"],     # a duplicate line
                ["", "440106200301010011", ""],                          # no name
                ["钱多多", student_card(60).id_number, "12345"]]        # a bad phone
    roster = tmp / "roster.csv"
    roster.write_bytes(roster_csv(cards, extra_rows=bad_rows))
    plan = tmp / "plan.json"
    applicants = [[n, "group" if n % 3 == 0 else "pos"] for n in range(1, STUDENTS + 1)]
    plan.write_text(json.dumps({"name": "示例大学 2026级赴英留学班", "roster": str(roster), "applicants": applicants,
                                "walk_in": WALK_IN}), encoding="utf-8")
    return plan


class StationRun:
    """One station process; its JSON lines collected as they come."""

    def __init__(self, site: Path, plan: Path, *, crash_at: str | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if k != "KIOSK_CRASH_AT"}
        if crash_at:
            env["KIOSK_CRASH_AT"] = crash_at
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.outreach.station_child", "--site", str(site),
                                      "--plan", str(plan)], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.events: list[dict[str, Any]] = []
        self._stderr: list[str] = []
        threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr), daemon=True).start()  # type: ignore[arg-type]

    def lines(self) -> Iterator[dict[str, Any]]:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            event = json.loads(line)
            self.events.append(event)
            yield event

    def finish(self, timeout: float = CHILD_TIMEOUT) -> int:
        for _ in self.lines():
            pass
        return self.proc.wait(timeout)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr[-40:])


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[TerminalProcess]:
    sim = TerminalProcess(tmp_path / "payment-link")
    yield sim
    sim.close()


def test_a_day_of_thirty_with_two_kills_then_file_and_network_meet_without_duplicates(
        terminal: TerminalProcess, tmp_path: Path) -> None:
    config, key_file = prepare_station(tmp_path, payment_port=str(terminal.link))
    site = tmp_path / "station" / "site.ini"
    plan = plan_for(tmp_path)

    # -- the day, central service down ------------------------------------------------------------
    first = StationRun(site, plan, crash_at="sale.result_journaled")
    assert first.finish() == -signal.SIGKILL, first.stderr
    batch_event = next(e for e in first.events if e["event"] == "batch")
    assert batch_event["added"] == STUDENTS
    assert sorted(batch_event["problems"]) == ["bad_checksum", "bad_phone", "duplicate", "missing_field"]
    assert first.events[-1]["event"] == "filed" and first.events[-1]["mode"] == "pos"  # killed taking its payment
    killed_in_payment = first.events[-1]["application_no"]

    second = StationRun(site, plan)
    for event in second.lines():
        if event["event"] == "filed" and event["position"] == 14:  # a card payer: killed taking the payment
            second.proc.send_signal(signal.SIGKILL)
            break
    assert second.proc.wait(CHILD_TIMEOUT) == -signal.SIGKILL, second.stderr
    # recovery attached the approved payment run 1 was killed with: nobody is left waiting, nothing charged again
    assert second.events[0] == {"event": "resumed", "awaiting": [], "groups": []}

    third = StationRun(site, plan)
    assert third.finish() == 0, third.stderr
    assert third.events[-1]["event"] == "day_done"
    receipts = {e["application_no"]: e["receipt"] for run in (first, second, third) for e in run.events
                if e["event"] == "filed"}
    assert killed_in_payment in receipts

    # -- the end of the day: sealed by the supervisor, exported to a USB stick ---------------------
    store = open_store(config)
    station = OutreachStation.from_config(config, store=store)
    batch_id = batch_event["batch_id"]
    numbers = [a.application_no for a in store.applications(batch_id, state="filed")]
    assert len(numbers) == STUDENTS
    view = station.roster_view(batch_id)
    assert view.counts == {"pending": 0, "awaiting_payment": 0, "filed": STUDENTS, "refused": 1}
    sealed = station.seal(batch_id, SUPERVISOR_ID, SUPERVISOR_PIN)
    assert (sealed.filed, sealed.refused, sealed.not_served) == (STUDENTS, 1, 0)
    usb = station.export(station.store.officer(SUPERVISOR_ID), batch_id, tmp_path / "usb")  # type: ignore[arg-type]
    journal = PaymentJournal(config.resolve(config.outreach.data_dir) / "payments.db")
    sales = [e for e in journal.entries() if e.kind == "sale"]
    assert not journal.unfinished()
    journal.close()

    # -- back at the office ----------------------------------------------------------------------
    central = central_with_key(tmp_path / "central", key_file)
    try:
        register_station(central, config)
        kiosk = central.client(KIOSK_ID, KIOSK_SECRET)
        assert kiosk.progress_or_filed_on_site(receipts[numbers[0]]) == FiledOnSite(numbers[0])
        scanned = LookupProgress(qr_payload=receipts[numbers[0]])  # the receipt at a walk-up kiosk
        assert lookup_progress(kiosk, scanned) == ProgressNotFound("filed_on_site")
        assert central.server is not None
        api = ApiClient(central.server.url, STATION_ID, bytes.fromhex(STATION_SECRET))
        half = station.sync(api, batch_id, limit=12)
        assert (half.sent, half.complete) == (12, False)

        def import_file() -> str:
            done = subprocess.run([sys.executable, "-m", "central", "import-batch", str(usb), "--db",
                                   central.settings.database_url, "--data-dir", str(central.settings.data_dir)],
                                  cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            return done.stdout

        entries = STUDENTS + 1
        assert f"{entries - 12} newly imported, 12 already held" in import_file()
        assert f"0 newly imported, {entries} already held" in import_file()
        rest = station.sync(api, batch_id)
        assert rest.complete and rest.sent == 0 and rest.already_received == entries - 12

        # -- what the central service holds ------------------------------------------------------
        progress = kiosk.progress_or_filed_on_site(receipts[numbers[0]])
        assert isinstance(progress, Progress) and progress.stage == "received"
        found = lookup_progress(kiosk, scanned)
        assert isinstance(found, ProgressFound) and found.stages[-1].stage == "received"
        photo_hashes = {a.application_no: a.photo_sha256 for a in store.applications(batch_id)}
        modes = {a.application_no: a.payment_mode for a in store.applications(batch_id, state="filed")}
        with central.central.database.read() as session:
            apps = session.scalars(select(Application).where(Application.kiosk_id == STATION_ID)).all()
            assert sorted(a.application_no for a in apps) == sorted(numbers)
            people = []
            for app in apps:
                sealed_details = central.central.sealer.open_json(app.sealed_details,
                                                                  f"application:{app.application_no}")
                photo = base64.b64decode(sealed_details["photo_jpeg_base64"])
                assert photo[:2] == b"\xff\xd8"
                assert hashlib.sha256(photo).hexdigest() == photo_hashes[app.application_no]
                people.append(sealed_details["id_number"])
            assert sorted(people) == sorted(student_card(n).id_number for n in range(1, STUDENTS + 1))
            payments = session.scalars(select(Payment).where(Payment.kiosk_id == STATION_ID)).all()
            by_app: dict[str, list[Payment]] = {}
            for payment in payments:
                by_app.setdefault(payment.application_no, []).append(payment)
            pos = sorted(n for n, m in modes.items() if m == "pos")
            assert sorted(by_app) == pos and all(len(by_app[n]) == 1 and by_app[n][0].amount_fen == 12000 for n in pos)
            batch = session.get(OutreachBatch, batch_id)
            assert batch is not None and batch.complete_at is not None
            assert batch.group_payment_fen == 12000 * (STUDENTS - len(pos))
            assert session.scalar(select(func.count()).select_from(OutreachEntry)
                                  .where(OutreachEntry.kind == "refusal", OutreachEntry.received_at.is_not(None))) == 1
    finally:
        central.close()

    # -- every paid one paid exactly once, by the terminal's own account ---------------------------
    moved = [e for e in terminal.call("journal") if e["kind"] == "sale" and e["approved"]
             and not e["voided"] and not e["refunded_fen"]]
    kept: dict[str, list[str]] = {}
    for entry in moved:
        kept.setdefault(entry["ecr_ref"].rsplit("P", 1)[0], []).append(entry["ecr_ref"])
    assert sorted(kept) == sorted([*pos, batch_id]) and all(len(refs) == 1 for refs in kept.values())
    approved = [e for e in terminal.call("journal") if e["kind"] == "sale" and e["approved"]]
    assert len(approved) == len(moved)  # no card was charged and then refunded: nobody paid twice
    attached = {e.application_no: e.ecr_ref for e in sales if e.state == ATTACHED}
    assert {no: [ref] for no, ref in attached.items()} == kept
    assert by_app[killed_in_payment][0].reference == attached[killed_in_payment]
    assert store.batch(batch_id).state == "synced"  # type: ignore[union-attr]
    assert store.application_body(numbers[0]) is None  # the laptop no longer holds the group's data
    station.close()
