"""Fixtures for the integration tests: a kiosk on the simulators, offline or with a live central service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.runtime import Runtime
from tests.central.harness import CentralHarness
from tests.conftest import EventRecorder
from tests.kiosk.services.harness import kiosk_config, live_central, running


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return kiosk_config(tmp_path / "kiosk")


@pytest.fixture
def runtime(config: KioskConfig, recorder: EventRecorder) -> Iterator[Runtime]:
    """Every service started on the simulators, without a central service (offline)."""
    with running(config, recorder, api=None) as started:
        yield started


@pytest.fixture
def central(tmp_path: Path) -> Iterator[CentralHarness]:
    """The reference central service on SQLite, served by uvicorn on a loopback port."""
    with live_central(tmp_path / "central") as harness:
        yield harness


@pytest.fixture
def online(tmp_path: Path, central: CentralHarness, recorder: EventRecorder) -> Iterator[Runtime]:
    """Every service started on the simulators, with the live central service."""
    assert central.server is not None
    config = kiosk_config(tmp_path / "kiosk", central_url=central.server.url)
    with running(config, recorder) as runtime:
        yield runtime
