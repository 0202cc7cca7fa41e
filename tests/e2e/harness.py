"""The kiosk assembled without Kivy for the end-to-end tests: the real Session driven by a
:class:`SessionDriver` (taps are events), the real runtime on the simulators, and the reference
central service on a loopback port; wired as ``kiosk.__main__.assemble`` wires the app (the
central catalogue's listener included)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import drivers.sim
from drivers.idcard.sample_cards import SampleCard
from kiosk import regions
from kiosk.headless import SessionDriver
from kiosk.runtime import Runtime, build_runtime
from kiosk.session import Session
from tests.central.harness import CentralHarness
from tests.conftest import EventRecorder
from tests.kiosk.services.harness import kiosk_config, live_central


@dataclass
class Kiosk:
    driver: SessionDriver
    runtime: Runtime
    central: CentralHarness
    deliveries: EventRecorder

    @property
    def session(self) -> Session:
        return self.driver.session


@contextlib.contextmanager
def assembled_kiosk(tmp_path: Path, seed: Callable[[CentralHarness], None] | None = None, *,
                    extra: str = "") -> Iterator[Kiosk]:
    """A started kiosk against a live central service (``seed`` adds records to it first; ``extra``
    is more site configuration, e.g. ``[payments]`` switches)."""
    with live_central(tmp_path / "central") as central:
        assert central.server is not None
        if seed is not None:
            seed(central)
        config = kiosk_config(tmp_path / "kiosk", central_url=central.server.url, extra=extra)
        session = Session.from_config(config, datetime.now, known_region=lambda code: bool(regions.find(code)))
        driver = SessionDriver(session)
        runtime = build_runtime(config, driver.post)
        driver.services = runtime.execute
        assert runtime.catalogue is not None
        driver.event_listeners.append(runtime.catalogue.listener(session))
        deliveries = EventRecorder()
        runtime.delivery_listeners.append(deliveries)
        runtime.start(heartbeat=False)
        try:
            driver.start()
            yield Kiosk(driver, runtime, central, deliveries)
        finally:
            runtime.stop()


def present_card(kiosk: Kiosk, card: SampleCard) -> None:
    """Take any card off the reader (and wait until the reader noticed), then lay ``card`` on it."""
    reader = drivers.sim.instance("idcard")
    if reader.card is not None:
        removed = EventRecorder()
        kiosk.runtime.hub.listen("idcard", removed)
        reader.remove_card()
        removed.wait_for(lambda x: type(x).__name__ == "CardRemoved")
    reader.insert_card(card)
