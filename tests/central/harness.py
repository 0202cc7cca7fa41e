"""Test harness for the central service: a throwaway PostgreSQL cluster, a real uvicorn server on an
ephemeral loopback port, and a registered kiosk with a client.

PostgreSQL: Debian's server binaries (``/usr/lib/postgresql/<version>/bin``) start a cluster in a
temporary directory, listening only on a Unix socket in that directory. ``initdb`` refuses to run
as root, so as root the cluster belongs to the ``postgres`` user (``runuser -u postgres --``). If
the cluster cannot start, the fixture fails with the reason: a skipped PostgreSQL run would hide
exactly the fleet configuration the service promises to support.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from central.app import create_app
from central.context import Central, utc_now
from central.db import Database
from central.gateway.interface import PaymentGateway
from central.kiosks import add_kiosk
from central.migrate import upgrade
from central.settings import CentralSettings
from central.sms import RecordingSmsSender
from kiosk.services.api import ApiClient

KIOSK_ID = "KIOSK001"
KIOSK_SECRET = "5e" * 32
OTHER_KIOSK_ID = "KIOSK002"
OTHER_SECRET = "a7" * 32
STAFF_USER = "alice"
STAFF_PASSWORD = "correct horse battery"


class PostgresUnavailable(RuntimeError):
    pass


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise PostgresUnavailable("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin "
                                  "(install the Debian package 'postgresql'; `make test` does)")
    return Path(found[-1]).parent


class PostgresCluster:
    """A private PostgreSQL server for the test session."""

    PORT = 5432  # the socket lives in our own directory, so the usual port cannot clash

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-central-pg-"))
        self.data = self.dir / "data"
        self._as_root = os.geteuid() == 0
        self._counter = itertools.count(1)
        self._template_ready = False
        if self._as_root:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable("running as root but there is no 'postgres' user to own the "
                                          "cluster (initdb refuses root)") from None
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        os.chmod(self.dir, 0o700)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n"
                                      f"{result.stderr}")
        return result

    def start(self) -> PostgresCluster:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        options = (f"-k {self.dir} -c listen_addresses='' -p {self.PORT} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                      str(self.dir / "server.log"), "-w", "-t", "60", "start")
        except PostgresUnavailable as exc:
            log = (self.dir / "server.log").read_text(errors="replace") if (self.dir / "server.log").exists() else ""
            raise PostgresUnavailable(f"{exc}\nserver log:\n{log}") from None
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.dir}&port={self.PORT}"

    def _create(self, name: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.dir), port=self.PORT, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def new_database(self) -> str:
        """A fresh, empty database (no schema)."""
        name = f"central_test_{next(self._counter)}"
        self._create(name)
        return self.url(name)

    def clean_database(self) -> str:
        """The session's migrated database, emptied of every row the tests write (creating a
        database costs about half a second; emptying one, a few milliseconds)."""
        import psycopg

        if not self._template_ready:
            self._create("central_shared")
            database = Database(self.url("central_shared"))
            upgrade(database)
            database.dispose()
            self._template_ready = True
        keep = {"alembic_version", "questionnaires"}
        with psycopg.connect(host=str(self.dir), port=self.PORT, user="postgres", dbname="central_shared",
                             autocommit=True) as connection:
            tables = [r[0] for r in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") if r[0] not in keep]
            connection.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        return self.url("central_shared")

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class _Server(uvicorn.Server):
    """uvicorn's server with an event set once it listens (no polling, no sleeping)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a thread; can be stopped and started again on the same
    port (the network going away and coming back)."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.app = app
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", access_log=False)
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._serve, args=(self._server, sock), daemon=True)
        self._thread.start()
        if not self._server.ready.wait(20):
            raise RuntimeError("uvicorn did not start within 20 s")
        return self

    @staticmethod
    def _serve(server: _Server, sock: socket.socket) -> None:
        asyncio.run(server.serve(sockets=[sock]))

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(20)
            self._server = None
            self._thread = None


@dataclass
class CentralHarness:
    """A migrated database, a Central with a recording SMS sender, two kiosks and a staff user."""

    central: Central
    settings: CentralSettings
    sms: RecordingSmsSender
    server: LiveServer | None = None

    @classmethod
    def build(cls, database_url: str, tmp: Path, *, catalogue: Path | None = None,
              gateway: PaymentGateway | None = None) -> CentralHarness:
        settings = CentralSettings(database_url=database_url, data_dir=tmp, key_file=tmp / "sealing.key",
                                   catalogue_file=catalogue or tmp / "catalogue.json", sms_poll_interval=0.2)
        sms = RecordingSmsSender()
        central = Central.build(settings, sms_sender=sms, gateway=gateway)
        upgrade(central.database)
        add_kiosk(central.database, central.sealer, KIOSK_ID, now=utc_now(), name="Test kiosk",
                  secret_hex=KIOSK_SECRET)
        add_kiosk(central.database, central.sealer, OTHER_KIOSK_ID, now=utc_now(), secret_hex=OTHER_SECRET)
        central.staff.create_staff(STAFF_USER, STAFF_PASSWORD, "Alice")
        return cls(central, settings, sms)

    def serve(self) -> LiveServer:
        self.server = LiveServer(create_app(self.settings, central=self.central)).start()
        return self.server

    def client(self, kiosk_id: str = KIOSK_ID, secret: str = KIOSK_SECRET, **kwargs: Any) -> ApiClient:
        assert self.server is not None
        return ApiClient(self.server.url, kiosk_id, bytes.fromhex(secret), **kwargs)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.central.sms.stop()
        self.central.database.dispose()


def application_body(application_no: str, token: str, **overrides: Any) -> dict[str, Any]:
    """A valid ``POST /v1/applications`` body for ``application_no`` with access token ``token``."""
    from kiosk.domain.progress_code import access_token_hash

    body: dict[str, Any] = {
        "application_no": application_no,
        "access_token_hash": access_token_hash(application_no, token),
        "service": "passport",
        "items": [{"code": "passport", "fee_fen": 12000}],
        "total_fen": 12000,
        "collection_method": "postal",
        "green_channel": False,
        "language": "zh_CN",
        "filed_at": utc_now().isoformat(),
        "phone": "13800138000",
        "id_number": "11010519491231002X",
        "details": {"applicant": {"name": "张三"}, "contact": {"occupation": "employee"}},
        "payments": [{"reference": f"{application_no}P1", "amount_fen": 12000, "auth_code": "123456",
                      "card_masked": "622202******1234"}],
    }
    body.update(overrides)
    return body
