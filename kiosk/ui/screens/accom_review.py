"""Accommodation registration: check the details and agree to the consent text."""

from __future__ import annotations

from kiosk.regions import find
from kiosk.ui.formatting import field, format_date
from kiosk.ui.screens.base import ConsentScreen
from kiosk.ui.widgets.common import InfoRow


class AccomReviewScreen(ConsentScreen):
    def refresh(self) -> None:
        box = self.ids.summary
        box.clear_widgets()
        app = self.app
        person = self.v("person")
        if person:
            name = field(person, "name_en") or field(person, "name", "")
            box.add_widget(InfoRow(label=app.tr("Name"), value=str(name)))
            box.add_widget(InfoRow(label=app.tr("Passport"), value=str(field(person, "document_number_masked", ""))))
        details = self.v("details") or {}
        region = " ".join(r.name for r in find(str(details.get("district", ""))))
        box.add_widget(InfoRow(label=app.tr("Address"), value=f"{region} {details.get('address', '')}".strip()))
        box.add_widget(InfoRow(label=app.tr("Arrival date"), value=format_date(details.get("arrival"), app.lang)))
        box.add_widget(InfoRow(label=app.tr("Departure date"), value=format_date(details.get("departure"), app.lang)))
        if details.get("host_name"):
            host = f"{details['host_name']} {details.get('host_phone', '')}"
            box.add_widget(InfoRow(label=app.tr("Host"), value=host))
        self.ids.consent.text = app.pick(self.v("consent_text"))


    def clear(self) -> None:
        self.ids.summary.clear_widgets()
        self.agreed = False
        super().clear()
