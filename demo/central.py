"""Demo step: the reference central service in its own process, seeded, for the steps that follow.

``kiosk-central seed-demo`` registers the demo kiosk (its secret goes to the file the simulated
kiosk configuration names), a staff user, notices in Chinese and English and appointment slots;
``kiosk-central serve`` then runs on a free loopback port until the demo ends. The step exposes
``ctx.central_url`` (and ``ctx.central_config``, an overlay INI naming that URL) and registers a
cleanup that stops the service. It then files one application the way a kiosk does (outbox, sender,
signed POST), moves it a stage on through the staff console, and reads the progress back with the
receipt's code. Artefacts: ``var/demo/central/`` (database, key, ``central.log``).
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from kiosk.config import DEFAULTS_FILE, SIMULATED_FILE, load_config
from kiosk.domain.progress_code import make_progress_payload, new_access_token
from kiosk.services.api import ApiClient
from kiosk.services.outbox import Outbox, load_or_create_key
from kiosk.services.sender import Delivered, Sender

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kiosk-central serve exited with {process.returncode}; see central.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("kiosk-central serve did not start listening within a minute")


def run(ctx: Any) -> None:  # ctx: demo.run.DemoContext
    data = ctx.out / "central"
    data.mkdir(parents=True, exist_ok=True)
    central = [sys.executable, "-m", "central"]
    seeded = subprocess.run([*central, "seed-demo", "--data-dir", str(data)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    for line in seeded.stdout.splitlines():
        ctx.note(f"central: {line}")

    port = free_port()
    log = (data / "central.log").open("wb")
    process = subprocess.Popen([*central, "serve", "--data-dir", str(data), "--port", str(port)], cwd=ROOT,
                               stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()

    ctx.cleanups.append(stop)
    wait_listening(port, process)
    url = f"http://127.0.0.1:{port}"
    ctx.central_url = url
    overlay = ctx.out / "central.ini"
    overlay.write_text(f"; written by demo/central.py: the demo's central service\n[central]\nurl = {url}\n",
                       encoding="utf-8")
    ctx.central_config = overlay
    ctx.note(f"central service at {url} (staff console: {url}/console/login; API schema: {url}/openapi.json)")

    config = load_config([DEFAULTS_FILE, SIMULATED_FILE, overlay])
    api = ApiClient.from_config(config)
    notices = api.notices()
    ctx.note(f"central: {len(notices)} notices for the attract screen, e.g. {notices[0].title_zh} / "
             f"{notices[0].title_en}")
    slots = api.appointment_slots("counter_application", days=14)
    ctx.note(f"central: {len(slots)} counter_application slots bookable in the next two weeks")
    file_one_application(ctx, config, api)


def register_kiosk(central_data: Path, kiosk_id: str, name: str, secret_file: Path) -> None:
    """Register another kiosk at the demo's central service. Why each demo step has its own kiosk id:
    an application number is ``{kiosk_id}{yymmdd}{seq}`` with the sequence kept in the kiosk's own
    data directory, so two steps filing as one kiosk from two data directories would both number
    ``...0001`` and the second would be refused (409)."""
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "central", "add-kiosk", "--data-dir", str(central_data), "--name", name,
                    "--secret-file", str(secret_file), "--rotate", kiosk_id],
                   cwd=ROOT, check=True, capture_output=True, text=True, timeout=120)


def file_one_application(ctx: Any, config: Any, api: ApiClient) -> None:
    """Outbox -> sender -> signed POST, then a stage change and the progress lookup by receipt code."""
    outbox = Outbox(ctx.out / "central" / "demo-kiosk-outbox.sqlite3",
                    load_or_create_key(config.resolve(config.outbox.key_file)), kiosk_id=config.kiosk.id)
    delivered = threading.Event()
    sender = Sender.from_config(config, outbox, api,
                                on_event=lambda e: delivered.set() if isinstance(e, Delivered) else None)
    sender.start()
    try:
        recorded = outbox.record_payload({
            "service": "hkmo_endorsement", "items": [{"code": "hkmo_endorsement:G:HK:single_3m", "fee_fen": 1500}],
            "total_fen": 1500, "collection_method": "pickup", "language": "zh_CN",
            "filed_at": datetime.now(UTC).isoformat(), "details": {"note": "demo application, no person"}})
        outbox.mark_paid(recorded.application_no, {"ecr_ref": f"{recorded.application_no}P1", "amount_fen": 1500})
        if not delivered.wait(30):
            raise RuntimeError(f"the demo application was not delivered: {outbox.counts()}")
    finally:
        sender.stop()
        outbox.close()
    ctx.note(f"central: application {recorded.application_no} filed through the outbox; receipt QR text "
             f"{recorded.progress_payload[:24]}...")
    move_as_staff(api.base_url, recorded.application_no, "under_review")
    progress = api.progress(recorded.progress_payload)
    assert progress is not None and progress.stage == "under_review", progress
    ctx.note(f"central: progress by receipt code: {' -> '.join(e.label_en for e in progress.timeline)}")
    wrong = api.progress(make_progress_payload(recorded.application_no, new_access_token()))
    ctx.note(f"central: the same number with a wrong token: {'not found' if wrong is None else 'FOUND (bug)'}")


def move_as_staff(url: str, application_no: str, stage: str) -> None:
    """Sign in to the staff console and move the application, as a person at the back office would."""
    from central.seed import DEMO_STAFF_PASSWORD, DEMO_STAFF_USER

    browser = requests.Session()
    form = browser.get(f"{url}/console/login", timeout=10)
    browser.post(f"{url}/console/login", timeout=10, data={
        "username": DEMO_STAFF_USER, "password": DEMO_STAFF_PASSWORD, "next_path": "/console/fleet",
        "csrf_token": _csrf(form.text)}).raise_for_status()
    page = browser.get(f"{url}/console/applications/{application_no}", timeout=10)
    page.raise_for_status()
    moved = browser.post(f"{url}/console/applications/{application_no}/stage", timeout=10,
                         data={"stage": stage, "csrf_token": _csrf(page.text)})
    moved.raise_for_status()
    if f"moved={stage}" not in moved.url:
        raise RuntimeError(f"the console did not move {application_no} to {stage}")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if match is None:
        raise RuntimeError("no CSRF token on the console page")
    return match.group(1)
