"""What the services remember of the person being served, until ``WipePersonalData``.

The receipt prints the applicant's masked name, ID number and postal address, which the session's
``PrintReceipt`` does not carry: they come from the application the outbox recorded moments before
(kept here by application number). The appointment slip names the person who booked and the slot's
times. Everything personal is dropped by :meth:`SessionMemory.forget`; the slot times a look-up
offered (no personal data) are kept across sessions. Thread-safe: the outbox, central and printer
lanes all use it.
"""

from __future__ import annotations

import threading

from kiosk.domain.application import Application
from kiosk.domain.person import Person
from kiosk.services.printing.receipt_building import SlotTimes


class SessionMemory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._applications: dict[str, Application] = {}
        self._booked_person: Person | None = None
        self._booked_slot: SlotTimes | None = None
        self._slot_times: dict[str, SlotTimes] = {}

    def remember_application(self, application_no: str, application: Application) -> None:
        with self._lock:
            self._applications[application_no] = application

    def application(self, application_no: str) -> Application | None:
        with self._lock:
            return self._applications.get(application_no)

    def forget_application(self, application_no: str) -> None:
        with self._lock:
            self._applications.pop(application_no, None)

    def remember_slot(self, slot_id: str, times: SlotTimes) -> None:
        with self._lock:
            self._slot_times[slot_id] = times

    def remember_booking(self, person: Person, slot_id: str) -> None:
        with self._lock:
            self._booked_person = person
            self._booked_slot = self._slot_times.get(slot_id)

    def booking(self) -> tuple[Person | None, SlotTimes | None]:
        with self._lock:
            return self._booked_person, self._booked_slot

    def forget(self) -> None:
        """The session is over: drop every personal item."""
        with self._lock:
            self._applications.clear()
            self._booked_person = None
            self._booked_slot = None

    def held(self) -> dict[str, int]:
        with self._lock:
            return {"applications": len(self._applications),
                    "appointment_person": int(self._booked_person is not None)}
