"""The central service's catalogue copy: fetched with its ETag, checked, chosen by effective date,
swapped into the real Session between people only, kept on disk for a restart without the network;
the local file stays the fallback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import REPO_ROOT, KioskConfig
from kiosk.domain.catalogue import load_catalogue
from kiosk.headless import SessionDriver
from kiosk.services.catalogue_updates import SAVED_NAME, CatalogueUpdates
from kiosk.session import Session
from kiosk.session import events as e
from kiosk.session.steps import Flow, Step
from tests.central.harness import CentralHarness
from tests.kiosk.services.harness import kiosk_config

LOCAL = REPO_ROOT / "config" / "catalogue.json"
TODAY = date.today()


def variant(*, version: str, effective_from: date, passport_fee: int = 12500, **changes: Any) -> dict[str, Any]:
    data = json.loads(LOCAL.read_bytes())
    data.update(version=version, effective_from=effective_from.isoformat(), **changes)
    for document in data["documents"]:
        if document["code"] == "passport":
            document["fee_fen"] = passport_fee
    return data


class Served:
    """The live reference service with a catalogue file the test rewrites."""

    def __init__(self, tmp: Path) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.file = tmp / "served-catalogue.json"
        self.publish(json.loads(LOCAL.read_bytes()))
        self.harness = CentralHarness.build(f"sqlite:///{tmp / 'central.sqlite3'}", tmp, catalogue=self.file)
        self.harness.serve()

    def publish(self, data: dict[str, Any]) -> None:
        self.file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    central = Served(tmp_path / "central")
    try:
        yield central
    finally:
        central.harness.close()


@pytest.fixture
def config(tmp_path: Path, served: Served) -> KioskConfig:
    assert served.harness.server is not None
    return kiosk_config(tmp_path / "kiosk", central_url=served.harness.server.url)


class Today:
    def __init__(self) -> None:
        self.day = TODAY

    def __call__(self) -> date:
        return self.day


def updates_for(config: KioskConfig, served: Served, today: Today) -> CatalogueUpdates:
    return CatalogueUpdates.from_config(config, served.harness.client(), today=today)


def test_a_newer_catalogue_is_used_from_the_next_session_only(config: KioskConfig, served: Served) -> None:
    today = Today()
    updates = updates_for(config, served, today)
    session = Session.from_config(config, datetime.now)
    driver = SessionDriver(session)
    driver.event_listeners.append(updates.listener(session))
    driver.start()
    assert not updates.fetch()                         # the same catalogue as the local file: nothing to do

    driver.tap(e.StartTapped())
    driver.tap(e.FlowChosen(Flow.GUIDES))               # someone is using the kiosk
    served.publish(variant(version="CN-2026.12-r1", effective_from=TODAY))
    assert updates.fetch() and updates.waiting is not None
    driver.tap(e.UserActivity())
    assert session.catalogue.version == "CN-2019.07-r1"   # never mid-session
    assert session.catalogue.document("passport").fee_fen == 12000

    driver.tap(e.Cancel())                               # the session ends: back to the attract screen
    assert session.step is Step.IDLE and session.catalogue.version == "CN-2019.07-r1"
    driver.tap(e.StartTapped())                          # the next person's first touch sees the new one
    assert session.catalogue.version == "CN-2026.12-r1"
    assert session.catalogue.document("passport").fee_fen == 12500
    assert session.catalogue.eligibility.photo_reuse_min_age == config.kiosk.elder_age
    assert updates.swaps == 1 and updates.waiting is None

    assert not updates.fetch()                          # unchanged (304): nothing waits, nothing swapped again
    assert updates.swaps == 1 and updates.in_use is not None and updates.in_use.version == "CN-2026.12-r1"


def test_a_schedule_that_starts_later_waits_for_its_day(config: KioskConfig, served: Served) -> None:
    today = Today()
    updates = updates_for(config, served, today)
    served.publish(variant(version="CN-2027.01-r1", effective_from=TODAY + timedelta(days=3)))
    assert not updates.fetch() and updates.waiting is None    # not charged before it is in effect
    today.day = TODAY + timedelta(days=3)
    assert updates.fetch()                                   # the same copy (304), now in effect
    assert updates.waiting is not None and updates.waiting.version == "CN-2027.01-r1"


def test_a_bad_or_older_copy_is_never_used(config: KioskConfig, served: Served,
                                           caplog: pytest.LogCaptureFixture) -> None:
    updates = updates_for(config, served, Today())
    broken = variant(version="CN-2026.12-r2", effective_from=TODAY)
    broken["endorsements"][0]["types"][0]["options"][0]["fee"] = "tripple"
    served.publish(broken)
    assert not updates.fetch()
    assert "unknown fee code 'tripple'" in caplog.text
    served.publish(variant(version="CN-2018.01-r1", effective_from=date(2018, 1, 1)))   # older than the local file
    assert not updates.fetch()
    served.publish({"not": "a catalogue"})
    assert not updates.fetch()
    assert updates.waiting is None and updates.in_use == load_catalogue(LOCAL)
    restarted = CatalogueUpdates.from_config(config, None, today=Today())   # the kept (older) copy is not used
    assert restarted.waiting is None and restarted.in_use == load_catalogue(LOCAL)


def test_the_last_central_copy_is_used_after_a_restart_without_the_network(config: KioskConfig,
                                                                          served: Served) -> None:
    updates = updates_for(config, served, Today())
    served.publish(variant(version="CN-2026.12-r1", effective_from=TODAY))
    assert updates.fetch()
    offline = CatalogueUpdates.from_config(config, None, today=Today())       # restarted, no central service
    assert offline.waiting is not None and offline.waiting.version == "CN-2026.12-r1"
    session = Session.from_config(config, datetime.now)                       # built from the local file
    assert offline.apply(session) and session.catalogue.version == "CN-2026.12-r1"
    assert not offline.fetch()                                               # offline: nothing more to do

    (config.resolve(config.kiosk.data_dir) / SAVED_NAME).write_text("{garbage", encoding="utf-8")
    damaged = CatalogueUpdates.from_config(config, None, today=Today())
    assert damaged.waiting is None and damaged.in_use == load_catalogue(LOCAL)   # the local file, as before


def test_an_unreachable_service_leaves_the_local_catalogue(tmp_path: Path) -> None:
    config = kiosk_config(tmp_path / "kiosk")                                 # nothing listens there
    from kiosk.services.api import ApiClient

    updates = CatalogueUpdates.from_config(config, ApiClient.from_config(config), today=Today())
    assert not updates.fetch()
    assert updates.waiting is None and updates.in_use == load_catalogue(LOCAL)
