"""Fixtures for the integration tests: a kiosk on the simulators, offline or with a live central service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.runtime import Runtime
from tests.conftest import EventRecorder
from tests.kiosk.services.harness import kiosk_config, running


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return kiosk_config(tmp_path / "kiosk")


@pytest.fixture
def runtime(config: KioskConfig, recorder: EventRecorder) -> Iterator[Runtime]:
    """Every service started on the simulators, without a central service (offline)."""
    with running(config, recorder, api=None) as started:
        yield started
