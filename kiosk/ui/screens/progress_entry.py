"""Check progress: scan the receipt's QR code (the scanner is always listening on this screen), or
type the application number and, so that a number alone shows nothing, the last four characters of
the applicant's ID number."""

from __future__ import annotations

from kiosk.session import events as ev
from kiosk.ui.screens.base import FieldsScreen


class ProgressEntryScreen(FieldsScreen):
    field_keys = ("application_no", "verification")

    def submit(self) -> None:
        if self.check_required():
            values = self.values()
            self.post(ev.ProgressNumberTyped(values["application_no"].upper(), values["verification"].upper()))
