"""The catalogue the next session uses: the central service's copy once it is valid and in effect,
the local file (``[session] catalogue``) otherwise and always as the fallback.

Contracts: the central service serves the catalogue JSON at ``GET /v1/catalogue`` and "the kiosk may
replace its local copy with it". :meth:`CatalogueUpdates.fetch` runs at start-up and every heartbeat
round (``If-None-Match`` with the last ETag, so an unchanged copy costs a 304), checks a new copy
completely (``kiosk.domain.catalogue.parse_catalogue``) and chooses with ``prefer(in use, candidate,
today)``: a schedule that takes effect next month waits until that day (the copy is kept and looked
at again every round), and an older copy never replaces a newer one. A copy that fails the check is
logged with the place that is wrong and ignored; the catalogue in use stays.

Swapped between sessions only. One ``Session`` serves person after person, and a person's fees
must not change between the review screen and the charge, so the waiting catalogue becomes
``session.catalogue`` only while the session is at the attract screen or out of service, on the UI
thread: :meth:`CatalogueUpdates.listener` is an event listener for ``KioskApp.event_listeners`` (or
``SessionDriver.event_listeners``), which run before the session handles each event, so the touch that
starts the next session already sees the new catalogue.

The last accepted central copy is kept in ``<data_dir>/central-catalogue.json`` (written
atomically), so a kiosk restarted without the network still uses what the central service last
served instead of falling back to an older local file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.config import KioskConfig
from kiosk.domain.catalogue import Catalogue, CatalogueError, load_catalogue, parse_catalogue, prefer
from kiosk.services.api import ApiClient
from kiosk.services.api_errors import ApiError
from kiosk.session.steps import Step

if TYPE_CHECKING:
    from kiosk.session import Session

log = logging.getLogger(__name__)

SAVED_NAME = "central-catalogue.json"
BETWEEN_SESSIONS = (Step.IDLE, Step.OUT_OF_SERVICE)


def for_session(catalogue: Catalogue, config: KioskConfig) -> Catalogue:
    """``catalogue`` as the session uses it: ``[kiosk] elder_age`` overrides the photo-reuse age,
    being the site's own setting (as ``Session.from_config`` does for the local file)."""
    rules = dataclasses.replace(catalogue.eligibility, photo_reuse_min_age=config.kiosk.elder_age)
    return dataclasses.replace(catalogue, eligibility=rules)


def _describe(catalogue: Catalogue) -> str:
    return f"{catalogue.version} (effective {catalogue.effective_from.isoformat()})"


class CatalogueUpdates:
    """Keeps the central service's catalogue and hands it to the session between people.

    ``local``: the catalogue the session was built with (the local file); ``saved``: where the last
    accepted central copy is kept (None: not kept). Thread-safe: :meth:`fetch` runs on the
    heartbeat thread, :meth:`apply` (through :meth:`listener`) on the UI thread.
    """

    def __init__(self, config: KioskConfig, api: ApiClient | None, *, local: Catalogue | None,
                 today: Callable[[], date], saved: Path | None = None) -> None:
        self.config = config
        self.api = api
        self._today = today
        self._saved = saved
        self._lock = threading.Lock()
        self._in_use = local
        self._candidate: Catalogue | None = None
        self._etag: str | None = None
        self._waiting: Catalogue | None = None
        self.swaps = 0

    @classmethod
    def from_config(cls, config: KioskConfig, api: ApiClient | None, *,
                    today: Callable[[], date]) -> CatalogueUpdates:
        """The local file as the catalogue in use (what ``Session.from_config`` loads), and the
        central copy saved by an earlier run, if it is still valid, as the candidate."""
        try:
            local: Catalogue | None = load_catalogue(config.resolve(config.session.catalogue))
        except CatalogueError as exc:
            log.error("the local catalogue cannot be used: %s", exc)
            local = None
        updates = cls(config, api, local=local, today=today, saved=config.resolve(config.kiosk.data_dir) / SAVED_NAME)
        updates.restore()
        return updates

    # -- what the session will use -----------------------------------------------------------------
    @property
    def in_use(self) -> Catalogue | None:
        """The catalogue the session has (as parsed, before ``for_session``)."""
        with self._lock:
            return self._in_use

    @property
    def waiting(self) -> Catalogue | None:
        """A catalogue chosen for the next session, not yet handed over."""
        with self._lock:
            return self._waiting

    # -- the central copy --------------------------------------------------------------------------
    def fetch(self) -> bool:
        """Ask the central service for its copy (a 304 when unchanged) and reconsider the kept
        one; True when a catalogue now waits for the next session. Never raises for a network
        problem or a bad copy."""
        if self.api is not None:
            try:
                served = self.api.catalogue(self._etag)
            except ApiError as exc:
                log.info("catalogue not fetched: %s", type(exc).__name__)
                served = None
            if served is not None:
                self._etag = served.etag  # also for a refused copy: it is not parsed again until it changes
                candidate = self._check(served.data, "central service catalogue")
                if candidate is not None:
                    with self._lock:
                        self._candidate = candidate
                    self._save(served.data, served.etag)
        return self._consider()

    def restore(self) -> bool:
        """Take the copy an earlier run kept (checked again) as the candidate."""
        if self._saved is None or not self._saved.exists():
            return False
        try:
            kept = json.loads(self._saved.read_bytes())
            data, etag = kept["catalogue"], kept.get("etag")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("the kept central catalogue cannot be read (%s); using the local file", type(exc).__name__)
            return False
        candidate = self._check(data, f"kept copy {self._saved.name}")
        if candidate is None:
            return False
        with self._lock:
            self._candidate = candidate
        self._etag = etag if isinstance(etag, str) else None
        return self._consider()

    def _check(self, data: Mapping[str, Any], source: str) -> Catalogue | None:
        try:
            return parse_catalogue(data, source)
        except CatalogueError as exc:
            log.warning("catalogue refused: %s", exc)  # names the place that is wrong, nothing personal
            return None

    def _consider(self) -> bool:
        today = self._today()
        with self._lock:
            candidate, in_use = self._candidate, self._in_use
            if candidate is None:
                return False
            if in_use is None:
                chosen = candidate if candidate.is_effective(today) else None
            else:
                chosen = prefer(in_use, candidate, today)
            if chosen is not candidate or candidate in (in_use, self._waiting):
                return False
            self._waiting = candidate
        log.info("catalogue %s waits for the next session (in use: %s)", _describe(candidate),
                 _describe(in_use) if in_use is not None else "none")
        return True

    def _save(self, data: Mapping[str, Any], etag: str | None) -> None:
        if self._saved is None:
            return
        temporary = self._saved.with_name(self._saved.name + ".tmp")
        try:
            self._saved.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump({"etag": etag, "catalogue": data}, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._saved)
        except OSError as exc:
            log.warning("the central catalogue could not be kept on disk: %s", exc.strerror or exc)

    # -- handing it to the session (UI thread) -------------------------------------------------------
    def apply(self, session: Session) -> bool:
        """If a catalogue waits and ``session`` is between people, make it ``session.catalogue``.
        Call on the thread that drives the session (never while it handles an event)."""
        if session.step not in BETWEEN_SESSIONS:
            return False
        with self._lock:
            waiting = self._waiting
            if waiting is None:
                return False
            self._waiting = None
            self._in_use = waiting
            self.swaps += 1
        session.catalogue = for_session(waiting, self.config)
        log.info("catalogue %s in use from the next session", _describe(waiting))
        return True

    def listener(self, session: Session) -> Callable[[Any], None]:
        """An event listener (``KioskApp.event_listeners``, ``SessionDriver.event_listeners``) that swaps
        the catalogue in before the session handles the next event, if it is between people."""

        def on_event(event: Any) -> None:
            self.apply(session)

        return on_event
