"""Small judgements that both a handler and a view builder make, written once (pure functions of
what a :class:`~kiosk.session.context.SessionView` shows)."""

from __future__ import annotations

from kiosk.domain import eligibility
from kiosk.domain.fees import fee_line_name
from kiosk.session.context import SessionView
from kiosk.session.devices import unusable
from kiosk.session.events import ProgressFound


def photo_reuse_allowed(s: SessionView) -> bool:
    """The applicant may use the recent photo the central service offered (60+, photo new enough)."""
    applicant = s.data.applicant
    return applicant is not None and eligibility.may_reuse_photo(
        applicant, s.data.photo_offer, s.today(), s.catalogue.eligibility)


def printer_known_down(s: SessionView) -> bool:
    """The printer is known to be unusable (unknown is not down: the print job will tell)."""
    return "printer" in s.health and bool(unusable(s.health, ("printer",)))


def progress_item_names(s: SessionView, progress: ProgressFound) -> list[dict[str, str]]:
    """What was applied for, named as the central service named it at filing time; else as this
    kiosk's catalogue names the code; else the code itself (never nothing)."""
    given = list(progress.item_names) + [("", "")] * (len(progress.items) - len(progress.item_names))
    names = []
    for code, (zh, en) in zip(progress.items, given, strict=False):
        local = fee_line_name(s.catalogue, code)
        names.append({"zh": zh or (local.zh if local else code), "en": en or (local.en if local else code)})
    return names
