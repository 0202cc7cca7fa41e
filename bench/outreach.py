"""Outreach mode: machine time per applicant through the station's API, on the simulators.

One batch of N generated students is filed exactly as the desk does it, step by step, with the
real drivers over ``sim://`` (the ID-card reader with the spec's radio timing, the simulated camera
with the configured automatic capture, the payment terminal), then sealed, and imported by the
reference central service. Every step is timed per applicant (median and 95th percentile, wall
clock and this process's CPU); the station's own share (``match`` + ``file``) is the cost of this
package, the rest is the devices' time. Figures for the end of the day scale with the group: the
seal, the batch file and the import are also given per applicant and for a 198-student day.

The officer-visible time (target 90 s per applicant) comes from the screens: the scripted walk
(``demo/outreach_walk.py``, run offscreen in its own process) counts the officer's clicks (1.5 s each)
and typed characters (0.3 s each) as virtual time and adds the machine's waits it measured on the wall
clock (card read, photo, filing, payment, receipt); ``--no-walk`` skips it.

Run: ``.venv/bin/python bench/outreach.py [N] [--no-walk]`` (default 20).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STEPS = ("read card", "match", "photo", "file", "pay")


def timed(samples: dict[str, list[tuple[float, float]]], step: str, work: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    samples.setdefault(step, []).append((time.perf_counter() - wall, time.process_time() - cpu))
    return result


def line(name: str, values: list[tuple[float, float]]) -> str:
    walls = sorted(v[0] * 1000 for v in values)
    cpus = [v[1] * 1000 for v in values]
    p95 = walls[min(len(walls) - 1, int(0.95 * len(walls)))]
    return (f"  {name:<10} wall p50 {statistics.median(walls):8.1f} ms  p95 {p95:8.1f} ms   "
            f"cpu p50 {statistics.median(cpus):7.1f} ms")


def main() -> int:
    from kiosk.domain.catalogue import ItemChoice
    from kiosk.outreach import ApplicantDetails, BatchDetails, OutreachStation
    from kiosk.outreach.service import open_store, payments_from_config
    from tests.outreach.harness import (
        OFFICER_ID,
        OFFICER_PIN,
        SUPERVISOR_ID,
        SUPERVISOR_PIN,
        central_with_key,
        checker_for,
        desk,
        phone_of,
        prepare_station,
        register_station,
        roster_csv,
        student_card,
    )

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 20
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {count} applicants")
    tmp = Path(tempfile.mkdtemp(prefix="bench-outreach-"))
    # The spec's reader timing (radio=1: about 1 s per read) and the configured 8 compliant frames.
    config, key_file = prepare_station(tmp, idcard_port="sim://idcard", compliant_frames=8)
    store = open_store(config)
    station = OutreachStation.from_config(config, store=store, payments=payments_from_config(config, store),
                                          photo_checker=checker_for(config))
    officer = station.desk.sign_in(OFFICER_ID, OFFICER_PIN).officer
    assert officer is not None
    batch = station.create_batch(officer, BatchDetails("基准测试班", "周老师", "13800138000", ItemChoice("passport"),
                                                       destination="英国", purpose="study", occupation="student"))
    cards = [student_card(n) for n in range(1, count + 1)]
    started = time.perf_counter()
    station.import_roster(officer, batch.batch_id, roster_csv(cards))
    roster_ms = (time.perf_counter() - started) * 1000
    samples: dict[str, list[tuple[float, float]]] = {}
    totals = []
    with desk(config) as devices:
        devices.photo()  # the face detector's first run loads its model: not an applicant's cost
        for n, card in enumerate(cards, 1):
            begin = time.perf_counter()
            person = timed(samples, "read card", lambda card=card: devices.present(card))
            match = timed(samples, "match", lambda person=person: station.match_card(batch.batch_id, person))
            jpeg = timed(samples, "photo", devices.photo)
            filed = timed(samples, "file", lambda n=n, person=person, match=match, jpeg=jpeg: station.file_application(
                officer, batch.batch_id, match.row.row_id, person, ApplicantDetails(phone_of(n), "张三", "13912345678"),
                photo_jpeg=jpeg, consent=True))
            outcome = timed(samples, "pay", lambda filed=filed: station.pay(officer, filed.application_no))
            assert outcome.status == "paid", outcome
            totals.append(time.perf_counter() - begin)
    started = time.perf_counter()
    sealed = station.seal(batch.batch_id, SUPERVISOR_ID, SUPERVISOR_PIN)
    seal_s = time.perf_counter() - started
    central = central_with_key(tmp / "central", key_file)
    try:
        register_station(central, config)
        started = time.perf_counter()
        report = central.central.outreach.import_file(sealed.path.read_bytes())
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        again = central.central.outreach.import_file(sealed.path.read_bytes())
        reimport_s = time.perf_counter() - started
    finally:
        central.close()
        station.close()
    assert report.new == count and again.new == 0

    print("per applicant (through kiosk.outreach on the simulators):")
    for step in STEPS:
        print(line(step, samples[step]))
    own = [a[0] + b[0] for a, b in zip(samples["match"], samples["file"], strict=True)]
    per = statistics.median(totals)
    print(f"  {'total':<10} wall p50 {per * 1000:8.1f} ms  (the station's own match + file: "
          f"p50 {statistics.median(own) * 1000:.1f} ms)")
    print(f"roster import: {roster_ms:.1f} ms for {count} rows")
    print(f"seal: {seal_s * 1000:.0f} ms, {seal_s / count * 1000:.1f} ms per applicant; batch file "
          f"{sealed.size / 1024:.0f} KiB, {sealed.size / count / 1024:.1f} KiB per applicant "
          f"(198 students: about {sealed.size / count * 198 / 1024 / 1024:.1f} MiB, sealed in "
          f"{seal_s / count * 198:.1f} s)")
    print(f"central import: {import_s * 1000:.0f} ms ({import_s / count * 1000:.1f} ms per applicant); "
          f"importing it again: {reimport_s * 1000:.0f} ms, 0 new")
    budget = 90.0
    print(f"machine time per applicant {per:.2f} s of the {budget:.0f} s officer-time target "
          f"({per / budget:.1%}); 198 students: {per * 198 / 60:.1f} min of machine time")
    if "--no-walk" not in sys.argv:
        walk_figures(tmp / "walk")
    return 0


def walk_figures(work: Path) -> None:
    """The officer-visible seconds per applicant from the scripted walk through the screens."""
    import json
    import subprocess

    from kiosk.config import REPO_ROOT

    env = dict(os.environ, KIVY_NO_ARGS="1", KIVY_CLIPBOARD="sdl2", KIVY_WINDOW="sdl2", SDL_VIDEODRIVER="offscreen",
               KIVY_HOME=str(work / "kivy"), PYTHONPATH=str(REPO_ROOT))
    env.pop("DISPLAY", None)
    summary_file = work / "summary.json"
    work.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, "-m", "demo.outreach_walk", "--no-shots", "--work", str(work / "station"),
                           "--summary", str(summary_file)], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    if proc.returncode != 0:
        print(f"officer-visible time: the walk through the screens failed:\n{proc.stderr[-1500:]}")
        return
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    print("officer-visible time per applicant (the screens, scripted: 1.5 s a click, 0.3 s a typed character, "
          "plus the machine's waits):")
    for a in summary["applicants"]:
        print(f"  {a['kind']:<8} officer {a['officer_s']:5.1f} s + machine {a['machine_s']:5.1f} s "
              f"= {a['officer_s'] + a['machine_s']:5.1f} s")
    per = summary["officer_visible_s_per_filed_applicant"]
    verdict = "met" if per <= 90 else "MISSED"
    print(f"officer-visible seconds per filed applicant: {per:.1f} s (target 90 s: {verdict}); "
          f"machine {summary['machine_s_per_filed_applicant']:.1f} s of it")


if __name__ == "__main__":
    sys.exit(main())
