"""Handlers of the progress flow: a receipt's QR code or a typed number, the timeline, a slip."""

from __future__ import annotations

import re

from kiosk.session import commands as c
from kiosk.session import events as e
from kiosk.session.context import Moves
from kiosk.session.rules import printer_known_down, progress_item_names
from kiosk.session.steps import Step as S

APPLICATION_NO = re.compile(r"[A-Z0-9]{1,8}\d{10}")   # contracts.md: {kiosk_id}{yymmdd}{seq:04d}
VERIFICATION = re.compile(r"[0-9X]{4}")               # last four characters of the ID number
QR_MAX = 512                                          # longer than any receipt payload: not ours


def qr_scanned(s: Moves, event: e.QrScanned) -> None:
    text = event.text.strip()
    if not text or len(text) > QR_MAX or not text.isascii() or not text.isprintable():
        s.stay(notice="invalid_code")
        return
    s.emit(c.LookupProgress(qr_payload=text))
    s.next(S.PROGRESS_LOOKUP)


def progress_number_typed(s: Moves, event: e.ProgressNumberTyped) -> None:
    number = event.application_no.strip().upper()
    verification = event.verification.strip().upper()
    errors = {}
    if not APPLICATION_NO.fullmatch(number):
        errors["application_no"] = "invalid"
    if not VERIFICATION.fullmatch(verification):
        errors["verification"] = "invalid"
    if errors:
        s.stay(errors)
        return
    s.emit(c.LookupProgress(application_no=number, verification=verification))
    s.next(S.PROGRESS_LOOKUP)


def progress_found(s: Moves, event: e.ProgressFound) -> None:
    s.next(S.PROGRESS_TIMELINE, progress=event, print_note=None)


def progress_not_found(s: Moves, event: e.ProgressNotFound) -> None:
    s.next(S.PROGRESS_ENTRY, notice=event.reason)


def progress_not_answering(s: Moves, event: e.Timeout) -> None:
    progress_not_found(s, e.ProgressNotFound("offline"))


def print_progress_slip(s: Moves, event: e.PrintSlipRequested) -> None:
    progress = s.data.progress
    if progress is None or printer_known_down(s):
        s.stay(notice="printer_unavailable")
        return
    s.emit(c.PrintSlip("progress", {
        "application_no": progress.application_no,
        "items": list(progress.items),
        "item_names": progress_item_names(s, progress),
        "stages": [{"stage": st.stage, "at": st.at.isoformat() if st.at else None, "detail": st.detail}
                   for st in progress.stages],
        "expected_ready": progress.expected_ready.isoformat() if progress.expected_ready else None,
    }, s.language))
    s.next(S.PROGRESS_PRINTING)


def progress_slip_done(s: Moves, event: e.Event) -> None:
    note = "printed" if isinstance(event, e.SlipPrinted) else getattr(event, "detail", "Offline")
    s.next(S.PROGRESS_TIMELINE, print_note=note)
