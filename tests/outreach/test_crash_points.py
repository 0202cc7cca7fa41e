"""The end of the day, killed at its labelled points (``KIOSK_CRASH_AT``): sealing killed after the
file is written but before the store says sealed, and a network sync killed after the service took
an entry but before the station recorded it. Each restart finishes the job; nothing is lost or
held twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from central.models import Application, OutreachEntry
from kiosk.config import REPO_ROOT
from kiosk.outreach.service import open_store
from tests.crash.test_payment_crash import TerminalProcess
from tests.outreach.harness import (
    STATION_ID,
    central_with_key,
    prepare_station,
    register_station,
    roster_csv,
    student_card,
)

pytestmark = pytest.mark.slow


def child(site: Path, *args: str, crash_at: str | None = None) -> tuple[int, list[dict[str, Any]], str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CRASH_AT"}
    if crash_at:
        env["KIOSK_CRASH_AT"] = crash_at
    done = subprocess.run([sys.executable, "-m", "tests.outreach.station_child", "--site", str(site), *args],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr[-3000:]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[TerminalProcess]:
    sim = TerminalProcess(tmp_path / "payment-link")
    yield sim
    sim.close()


def test_sealing_and_syncing_survive_a_kill_at_their_labelled_points(terminal: TerminalProcess,
                                                                     tmp_path: Path) -> None:
    config, key_file = prepare_station(tmp_path, payment_port=str(terminal.link))
    site = tmp_path / "station" / "site.ini"
    roster = tmp_path / "roster.csv"
    roster.write_bytes(roster_csv([student_card(n) for n in range(1, 4)]))
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"name": "小组", "roster": str(roster), "walk_in": 80,
                                "applicants": [[1, "pos"], [2, "group"], [3, "pos"]]}), encoding="utf-8")
    rc, events, err = child(site, "--plan", str(plan))
    assert rc == 0, err
    batch_id = events[-1]["batch_id"]

    rc, _events, err = child(site, "--seal", batch_id, crash_at="outreach.seal.file_written")
    assert rc == -signal.SIGKILL, err
    store = open_store(config)
    assert store.batch(batch_id).state == "open"  # type: ignore[union-attr]  # the file exists, unsealed
    rc, events, err = child(site, "--seal", batch_id)
    assert rc == 0 and events[-1]["filed"] == 3, err
    assert store.batch(batch_id).file_sha256 == events[-1]["sha256"]  # type: ignore[union-attr]

    central = central_with_key(tmp_path / "central", key_file)
    try:
        register_station(central, config)
        assert central.server is not None
        site.write_text(site.read_text(encoding="utf-8").replace("url = http://127.0.0.1:9",
                                                                 f"url = {central.server.url}"), encoding="utf-8")
        rc, _events, err = child(site, "--sync", batch_id, crash_at="outreach.sync.entry_sent")
        assert rc == -signal.SIGKILL, err
        assert sum(e.acked for e in store.entries(batch_id)) == 0  # the service took one, the station never knew
        rc, events, err = child(site, "--sync", batch_id)
        assert rc == 0, err
        assert events[-1] == {"event": "synced", "sent": 3, "already": 1, "complete": True}
        with central.central.database.read() as session:
            assert session.scalar(select(func.count()).select_from(Application)
                                  .where(Application.kiosk_id == STATION_ID)) == 3
            assert session.scalar(select(func.count()).select_from(OutreachEntry)
                                  .where(OutreachEntry.received_at.is_not(None))) == 4
    finally:
        central.close()
        store.close()
