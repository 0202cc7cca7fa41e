"""Outreach mode below the screens: an officer-run station that files a group offline (no Kivy).

Modules (docs/outreach.md has the day step by step; docs/outreach_batch_format.md the file):

* :mod:`~kiosk.outreach.service`: :class:`OutreachStation`, the API the screens and the session
  call (batches, rosters, applicants, payments, sealing, export, sync, group list);
* :mod:`~kiosk.outreach.store`: the station store (SQLite, WAL, ``synchronous=FULL``, sealed at rest);
* :mod:`~kiosk.outreach.officers`: officer sign-in (the maintenance PIN gate per officer);
* :mod:`~kiosk.outreach.roster`: CSV/XLSX roster parsing with every bad row listed;
* :mod:`~wire.outreach_batch`: the signed, encrypted batch file (codec, shared with central);
* :mod:`~kiosk.outreach.handover`: seal, export, network sync;
* :mod:`~kiosk.outreach.group_list`: the organiser's list, ESC/POS and PDF;
* :mod:`~kiosk.outreach.photo`: the kiosk's photo compliance at the desk;
* :mod:`~wire.outreach_keys`: the station's Ed25519 and the central service's X25519 keys.
"""

from __future__ import annotations

from kiosk.outreach.errors import NotEligible, OutreachError
from kiosk.outreach.handover import SealedBatch, SyncReport
from kiosk.outreach.service import (
    OFFICER_REASONS,
    ApplicantDetails,
    CardMatch,
    FiledApplication,
    OutreachStation,
    Resumption,
    RosterImport,
    RosterView,
    payments_from_config,
)
from kiosk.outreach.store import BatchDetails, Officer, StationStore

__all__ = [
    "OFFICER_REASONS",
    "ApplicantDetails",
    "BatchDetails",
    "CardMatch",
    "FiledApplication",
    "NotEligible",
    "Officer",
    "OutreachError",
    "OutreachStation",
    "Resumption",
    "RosterImport",
    "RosterView",
    "SealedBatch",
    "StationStore",
    "SyncReport",
    "payments_from_config",
]
