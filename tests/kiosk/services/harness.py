"""What the integration tests share: a kiosk config on the simulators, a live central service, and
a local resident's ID card. The stand-in for the Kivy app is :class:`kiosk.headless.SessionDriver`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from central.context import utc_now
from central.notices import NoticeFields, save_notice
from drivers.idcard.sample_cards import SampleCard
from kiosk.config import DEFAULTS_FILE, REPO_ROOT, SIMULATED_FILE, KioskConfig, load_config
from kiosk.domain.identity import id_number_check_digit
from kiosk.runtime import Runtime, build_runtime
from tests.central.harness import KIOSK_ID, KIOSK_SECRET, CentralHarness

CAMERA_IMAGE = "sim:assets/sim/camera/frame-07.jpg"   # the simulated applicant in a compliant pose


def local_card(key: str = "local", name: str = "林晓峰", birth: str = "19880615", serial: str = "031") -> SampleCard:
    """A Guangzhou resident (ID prefix 4401: local to the hall, so a first endorsement is allowed)."""
    first17 = f"440106{birth}{serial}"
    return SampleCard(key=key, marker=" ", name=name, sex_code="1", birth=birth,
                      id_number=first17 + id_number_check_digit(first17), valid_from="20200101",
                      valid_until="20400101", ethnic_code="01", address="广东省广州市天河区示例路8号",
                      authority="广州市公安局天河分局")


def kiosk_config(tmp: Path, *, central_url: str = "http://127.0.0.1:9", secret_hex: str | None = KIOSK_SECRET,
                 extra: str = "") -> KioskConfig:
    """The simulated kiosk (config/simulated.ini) with its data in ``tmp`` and fast simulators."""
    tmp.mkdir(parents=True, exist_ok=True)
    if secret_hex is not None:
        (tmp / "central.secret").write_text(secret_hex + "\n", encoding="ascii")
    site = tmp / "site.ini"
    site.write_text(f"""
[kiosk]
id = {KIOSK_ID}
hall_name_zh = 示例市公安局出入境服务大厅
hall_name_en = Example City Exit-Entry Service Hall
data_dir = {tmp}
[central]
url = {central_url}
secret_file = {tmp}/central.secret
connect_timeout = 1
read_timeout = 5
heartbeat_interval = 3600
[outbox]
key_file = {tmp}/outbox.key
retry_initial = 0.05
retry_max = 0.5
[devices.idcard]
port = sim://idcard?radio=0
poll_interval = 0.05
[devices.payment]
port = sim://payment?ack_timeout=0.3
ack_timeout = 0.5
response_timeout = 5
[devices.camera]
source = {CAMERA_IMAGE}
{extra}
""", encoding="utf-8")
    return load_config([DEFAULTS_FILE, SIMULATED_FILE, site])


@contextmanager
def live_central(tmp: Path) -> Iterator[CentralHarness]:
    """The reference central service on SQLite, serving on an ephemeral loopback port (and the
    repository's catalogue at ``/v1/catalogue``, as ``kiosk-central serve`` does by default)."""
    harness = CentralHarness.build(f"sqlite:///{tmp / 'central.sqlite3'}", tmp,
                                   catalogue=REPO_ROOT / "config" / "catalogue.json")
    harness.serve()
    try:
        yield harness
    finally:
        harness.close()


def add_notice(harness: CentralHarness, title_zh: str, title_en: str) -> int:
    return save_notice(harness.central.database, None, NoticeFields(title_zh, title_en, "正文", "Body"),
                       actor="test", now=utc_now())


@contextmanager
def running(config: KioskConfig, post: Callable[[Any], None], **kwargs: Any) -> Iterator[Runtime]:
    runtime = build_runtime(config, post, **kwargs).start(heartbeat=False)
    try:
        yield runtime
    finally:
        runtime.stop()
