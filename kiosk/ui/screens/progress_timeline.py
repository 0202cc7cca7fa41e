"""An application's progress as a timeline: received, under review, approved, being made, posted
(with the tracking number) or ready for collection. Optionally printed on a slip."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.ui.formatting import field, format_date, format_datetime
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.timeline import TimelineRow

STAGES = {
    "awaiting_payment": N_("Filed: to be paid at the counter"),
    "received": N_("Application received"),
    "under_review": N_("Under review"),
    "approved": N_("Approved"),
    "in_production": N_("Document being made"),
    "posted": N_("Posted"),
    "ready_for_collection": N_("Ready for collection"),
    "collected": N_("Collected"),
    "rejected": N_("Not approved: please contact the counter"),
}
ORDER = ("received", "under_review", "approved", "in_production")
PAID_BY = {
    "card": N_("Paid by bank card"),
    "code": N_("Paid by mobile payment code"),
    "cash": N_("Paid in cash at the counter"),
}


class ProgressTimelineScreen(KioskScreen):
    def refresh(self) -> None:
        box = self.ids.timeline
        box.clear_widgets()
        app = self.app
        stages = list(self.v("stages") or ())
        done_codes = [str(field(s, "stage")) for s in stages]
        for index, stage in enumerate(stages):
            code = str(field(stage, "stage"))
            detail = str(field(stage, "detail") or "")
            when = format_datetime(field(stage, "at"), app.lang) if field(stage, "at") else ""
            if code == "posted" and detail:
                detail = app.trf("Tracking number: {number}", number=detail)
            paid = PAID_BY.get(str(field(stage, "payment") or ""))
            if paid:
                detail = "\n".join(part for part in (app.tr(paid), detail) if part)
            box.add_widget(TimelineRow(title=app.tr(STAGES.get(code, code)), when=when, detail=detail,
                                       state="current" if index == len(stages) - 1 else "done",
                                       last=False))
        final = "posted" if self.v("collection") == "postal" else "ready_for_collection"
        upcoming = [s for s in (*ORDER, final) if s not in done_codes]
        if "rejected" in done_codes or "collected" in done_codes:
            upcoming = []
        for index, code in enumerate(upcoming):
            box.add_widget(TimelineRow(title=app.tr(STAGES[code]), when="", detail="", state="todo",
                                       last=index == len(upcoming) - 1))
        if box.children:
            box.children[0].last = True

    def ready_text(self, _view: Any, lang: str) -> str:
        ready = self.v("expected_ready")
        return self.app.trf("Expected ready by {date}", lang, date=format_date(ready, lang)) if ready else ""

    def items_text(self, _view: Any, lang: str) -> str:
        """One line per item applied for, in the current language."""
        return "\n".join(self.app.pick(name, lang) for name in self.v("item_names") or ())

    def print_slip(self) -> None:
        self.post(ev.PrintSlipRequested())

    def clear(self) -> None:
        self.ids.timeline.clear_widgets()
        super().clear()
