"""The outreach station's screens walked through a day (demo/outreach_walk.py, in its own process:
Kivy allows one App per process and the kiosk's UI tests hold it): what the walk did is then read
back from the station's store, not from the screens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kiosk.config import DEFAULTS_FILE, REPO_ROOT, SIMULATED_FILE, load_config
from kiosk.outreach.service import open_store

WALK_TIMEOUT = 300.0  # wall clock on a busy machine; the officer time is asserted from the scripted clock


def test_an_outreach_day_through_the_screens_files_refuses_seals_and_exports(tmp_path: Path) -> None:
    work = tmp_path / "walk"
    summary_file = tmp_path / "summary.json"
    env = dict(os.environ, KIVY_NO_ARGS="1", KIVY_CLIPBOARD="sdl2", KIVY_WINDOW="sdl2", SDL_VIDEODRIVER="offscreen",
               KIVY_HOME=str(tmp_path / "kivy"), PYTHONPATH=str(REPO_ROOT))
    env.pop("DISPLAY", None)
    proc = subprocess.run([sys.executable, "-m", "demo.outreach_walk", "--no-shots", "--work", str(work),
                           "--summary", str(summary_file)], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=WALK_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(summary_file.read_text(encoding="utf-8"))

    config = load_config([DEFAULTS_FILE, SIMULATED_FILE, work / "station" / "site.ini"])
    store = open_store(config)
    try:
        batch = store.batch(summary["batch"])
        assert batch is not None and batch.state == "sealed" and batch.sealed_by == "SV001"
        apps = store.applications(batch.batch_id)
        assert [a.state for a in apps] == ["filed", "filed"]
        assert sorted(a.payment_mode for a in apps) == ["group", "pos"]
        assert all(a.photo_sha256 for a in apps)
        assert batch.group_state == "paid"
        rows = store.roster(batch.batch_id)
        refused = [r for r in rows if r.state == "refused"]
        assert [(r.reason, r.note) for r in refused] == [("declined", "本人改期")]
        assert sorted(r.state for r in rows) == ["filed", "filed", "pending", "refused"]  # the walk-in was not added
        exported = Path(summary["export"])
        assert exported.is_file() and exported.parent == work / "usb"
        sealed = config.resolve(config.outreach.data_dir) / "batches" / exported.name
        assert exported.read_bytes() == sealed.read_bytes()
    finally:
        store.close()
    # each filed applicant's receipt in the kiosk's layout, naming how the fee was paid
    card_receipt, group_receipt = summary["receipts"]
    by_mode = {a.payment_mode: a.application_no for a in apps}
    assert by_mode["pos"] in card_receipt and by_mode["group"] in group_receipt
    assert "银行卡支付" in card_receipt or "Paid by bank card" in card_receipt
    assert ("团体缴费" in group_receipt or "Group payment" in group_receipt) and batch.batch_id in group_receipt
    assert all("[QR " in page for page in summary["receipts"])
    # the officer's scripted clicks and typing alone stay inside the 90 s per applicant
    served = [a for a in summary["applicants"] if a["kind"] in ("pos", "group")]
    assert len(served) == 2 and all(0 < a["officer_s"] < 90 for a in served)
