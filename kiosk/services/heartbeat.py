"""The heartbeat: the kiosk's device health and outbox counts to the central service every
``[central] heartbeat_interval`` seconds, and the attract screen's notices refreshed on the way.

One background thread. Each round: poll the devices registered ``heartbeat`` (the printer: paper
can run out while the kiosk is idle, and an essential printer down must take the kiosk out of
service before someone starts; the camera, so the check before a paid flow finds it fresh instead
of opening it), send the
health snapshot and outbox counts, fetch the notices (posted as
:class:`~kiosk.services.service_events.NoticesUpdated` when they changed), the catalogue (``GET
/v1/catalogue`` with its ETag; :class:`~kiosk.services.catalogue_updates.CatalogueUpdates` checks
it and keeps it for the next session) and, once, the questionnaire (the survey answers are filed
against its id and version); ``on_round`` lets the runtime queue payment recovery while payments
are blocked. A failed round is
logged and retried at the next interval: heartbeats are reports, never queued.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.services import central_lookups
from kiosk.services.api import ApiClient
from kiosk.services.api_errors import ApiError
from kiosk.services.api_types import DeviceHealth as CentralDeviceHealth
from kiosk.services.api_types import Questionnaire
from kiosk.services.catalogue_updates import CatalogueUpdates
from kiosk.services.device_hub import DeviceHub
from kiosk.services.outbox import Outbox
from kiosk.services.service_events import NoticesUpdated
from kiosk.session.events import Event

log = logging.getLogger(__name__)

SOFTWARE_VERSION = "exit-entry-kiosk 0.1"


class Heartbeat:
    def __init__(self, api: ApiClient | None, hub: DeviceHub, outbox: Outbox | None, post: Callable[[Event], None], *,
                 interval: float, on_questionnaire: Callable[[Questionnaire], None] | None = None,
                 on_round: Callable[[], None] | None = None, catalogue: CatalogueUpdates | None = None) -> None:
        self.api = api
        self.hub = hub
        self.outbox = outbox
        self._post = post
        self.interval = interval
        self._on_questionnaire = on_questionnaire
        self._on_round = on_round
        self.catalogue = catalogue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.notices: tuple[Mapping[str, Any], ...] = ()
        self.rounds = 0
        self.last_error: str | None = None
        self._questionnaire_known = False

    def start(self) -> Heartbeat:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval)

    def tick(self) -> bool:
        """One round; True when the central service took the heartbeat."""
        self.rounds += 1
        for device in self.hub.heartbeat_devices:  # the printer (paper), the camera (opened only when stale)
            self.hub.poll(device)
        if self._on_round is not None:
            try:
                self._on_round()
            except Exception:
                log.exception("heartbeat: round hook failed")
        if self.api is None:
            self.last_error = "no central service credentials"
            return False
        sent = self._send_heartbeat()
        self._refresh_notices()
        if self.catalogue is not None:
            self.catalogue.fetch()
        if not self._questionnaire_known:
            self._fetch_questionnaire()
        return sent

    def _send_heartbeat(self) -> bool:
        assert self.api is not None
        devices = {name: CentralDeviceHealth(h.state, tuple(h.details))
                   for name, h in self.hub.snapshot().items()}
        try:
            ack = self.api.heartbeat(devices, outbox=self.outbox.counts() if self.outbox else None,
                                     software_version=SOFTWARE_VERSION)
        except ApiError as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.info("heartbeat not delivered: %s", self.last_error)
            return False
        self.last_error = None
        if abs(ack.clock_offset) > 60:
            log.warning("heartbeat: the kiosk clock is %.0f s off the central service's", -ack.clock_offset)
        return True

    def _refresh_notices(self) -> None:
        assert self.api is not None
        try:
            notices = central_lookups.notice_dicts(self.api.notices())
        except ApiError as exc:
            log.info("notices not refreshed: %s", type(exc).__name__)
            return
        if notices != self.notices:
            self.notices = notices
            self._post(NoticesUpdated(notices))

    def _fetch_questionnaire(self) -> None:
        assert self.api is not None
        try:
            questionnaire = self.api.questionnaire()
        except ApiError as exc:
            log.info("questionnaire not fetched: %s", type(exc).__name__)
            return
        self._questionnaire_known = True
        if questionnaire is not None and self._on_questionnaire is not None:
            self._on_questionnaire(questionnaire)
