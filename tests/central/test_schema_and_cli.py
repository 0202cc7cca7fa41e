"""The migrations build exactly the schema the models describe (both databases), and the
``kiosk-central`` command line: registering kiosks and staff, demo data, and ``serve`` as a process."""

from __future__ import annotations

import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from central.db import Database
from central.migrate import current_revision, head_revision, upgrade
from central.models import Base
from kiosk.services.api import ApiClient

ROOT = Path(__file__).resolve().parents[2]


def test_the_migrations_match_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        upgrade(database)
        assert current_revision(database) == head_revision()
        with database.read_engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                           Base.metadata)
        assert differences == []
    finally:
        database.dispose()


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "central", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, timeout=120, env={**os.environ, **(env or {})})


def test_add_kiosk_writes_a_private_secret_and_refuses_duplicates(tmp_path: Path) -> None:
    secret_file = tmp_path / "kiosk" / "central.secret"
    done = cli("add-kiosk", "KIOSK009", "--data-dir", str(tmp_path), "--secret-file", str(secret_file))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    first = secret_file.read_text().strip()
    assert len(bytes.fromhex(first)) == 32
    again = cli("add-kiosk", "KIOSK009", "--data-dir", str(tmp_path))
    assert again.returncode == 1 and "--rotate" in again.stderr
    rotated = cli("add-kiosk", "KIOSK009", "--data-dir", str(tmp_path), "--secret-file", str(secret_file), "--rotate")
    assert rotated.returncode == 0 and secret_file.read_text().strip() != first
    bad = cli("add-kiosk", "kiosk-9", "--data-dir", str(tmp_path))
    assert bad.returncode == 2


def test_add_staff_reads_the_password_from_stdin(tmp_path: Path) -> None:
    env = {"KIOSK_CENTRAL_DB": f"sqlite:///{tmp_path / 'by-env.sqlite3'}", "KIOSK_CENTRAL_DATA": str(tmp_path)}
    done = cli("add-staff", "bob", "--password-stdin", stdin="a long enough password\n", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "by-env.sqlite3").exists()  # the URL came from KIOSK_CENTRAL_DB
    assert cli("add-staff", "bob", "--password-stdin", stdin="another password\n", env=env).returncode == 1
    assert cli("add-staff", "carol", "--password-stdin", stdin="short\n", env=env).returncode == 2


def test_serve_runs_the_service_as_a_process(tmp_path: Path) -> None:
    secret_file = tmp_path / "central.secret"
    seeded = cli("seed-demo", "--data-dir", str(tmp_path), "--secret-file", str(secret_file))
    assert seeded.returncode == 0, seeded.stderr
    assert "notices added: 3" in seeded.stdout
    again = cli("seed-demo", "--data-dir", str(tmp_path), "--secret-file", str(secret_file))
    assert "notices added: 0" in again.stdout and "slots added: 0" in again.stdout
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "central", "serve", "--data-dir", str(tmp_path), "--port",
                                str(port)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()  # type: ignore[union-attr]
    try:
        while "Uvicorn running on" not in lines.get(timeout=30):  # logged once the socket listens
            pass
        url = f"http://127.0.0.1:{port}"
        assert requests.get(f"{url}/healthz", timeout=10).json() == {"status": "ok"}
        api = ApiClient(url, "KIOSK001", bytes.fromhex(secret_file.read_text().strip()))
        assert len(api.notices()) == 3
        assert api.appointment_slots("counter_application", days=14)
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0


def test_seed_demo_reads_the_kiosk_id_and_secret_file_from_the_kiosk_configuration(tmp_path: Path) -> None:
    """The central service reads the two keys from the kiosk's INI files itself (it never imports the
    kiosk), layered as the kiosk layers them."""
    from central.seed import KioskConfigError, demo_kiosk
    from wire.kiosk_ini import ENV_VAR as KIOSK_CONFIG_ENV
    from wire.kiosk_ini import REPO_ROOT

    simulated = demo_kiosk(None, environ={})
    assert simulated.kiosk_id == "KIOSK001"
    assert simulated.secret_file == REPO_ROOT / "var/demo/kiosk/central.secret"   # config/simulated.ini
    site = tmp_path / "site.ini"
    site.write_text("[kiosk]\nid = HALL07\n", encoding="utf-8")
    assert demo_kiosk(None, environ={KIOSK_CONFIG_ENV: str(site)}).kiosk_id == "HALL07"
    chosen = demo_kiosk([str(site)], environ={})
    assert (chosen.kiosk_id, chosen.secret_file) == ("HALL07", REPO_ROOT / "var/kiosk/central.secret")  # no overlay
    with pytest.raises(KioskConfigError, match="not found"):
        demo_kiosk([str(tmp_path / "missing.ini")], environ={})
    bad = tmp_path / "bad.ini"
    bad.write_text("[kiosk]\nid = x y\n", encoding="utf-8")
    refused = cli("seed-demo", "--data-dir", str(tmp_path), "--config", str(bad))
    assert refused.returncode == 2 and "kiosk id" in refused.stderr
