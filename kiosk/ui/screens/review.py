"""Review and consent: who, what, fees (the session's FeeBreakdown, the same the terminal charges
and the receipt prints), contact, collection, expected date; then the consent text, which must be
agreed (one tap on the box) before "Confirm and pay" is enabled."""

from __future__ import annotations

from kiosk.regions import find
from kiosk.ui.formatting import field, format_date, format_money
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import ConsentScreen
from kiosk.ui.widgets.common import InfoRow

ITEM_NAMES = {
    "passport": N_("Ordinary passport"),
    "hkmo_permit": N_("Hong Kong/Macao permit"),
    "tw_permit": N_("Taiwan permit"),
    "hkmo_endorsement": N_("Hong Kong/Macao endorsement"),
    "tw_endorsement": N_("Taiwan endorsement"),
}


class ReviewScreen(ConsentScreen):
    def refresh(self) -> None:
        box = self.ids.summary
        box.clear_widgets()
        app = self.app
        tr = app.tr
        applicant = self.v("applicant")
        if applicant:
            box.add_widget(InfoRow(label=tr("Applicant"), value=f"{field(applicant, 'name', '')}  "
                                   f"{field(applicant, 'document_number_masked', '')}"))
        guardian = self.v("guardian")
        if guardian:
            box.add_widget(InfoRow(label=tr("Guardian"), value=str(field(guardian, "name", ""))))
        fees = self.v("fees")
        for line in field(fees, "lines", ()) if fees else ():
            box.add_widget(InfoRow(label=app.pick(field(line, "name")), money=True,
                                   value=format_money(field(line, "amount_fen"), app.lang)))
        if fees:
            box.add_widget(InfoRow(label=app.pick(field(fees, "total_name")) or tr("Total"), money=True,
                                   value=format_money(field(fees, "total_fen"), app.lang), emphasis=True))
        contact = self.v("contact")
        if contact:
            box.add_widget(InfoRow(label=tr("Mobile phone"), value=str(field(contact, "mobile", ""))))
            box.add_widget(InfoRow(label=tr("Emergency contact"), value=f"{field(contact, 'emergency_name', '')}  "
                                   f"{field(contact, 'emergency_phone', '')}"))
        collection = self.v("collection")
        if collection == "postal":
            address = self.v("address") or {}
            names = field(address, "region_names") or [r.name for r in find(str(field(address, "district") or
                                                                                   field(address, "city") or ""))]
            box.add_widget(InfoRow(label=tr("Postal delivery to"),
                                   value=" ".join(names) + " " + str(field(address, "detail", ""))))
        elif collection == "pickup":
            box.add_widget(InfoRow(label=tr("Collection"), value=tr("At the service hall")))
        if self.v("green_channel"):
            box.add_widget(InfoRow(label=tr("Green channel"), value=tr("Requested (bring your proof)")))
        if self.v("expected_ready"):
            box.add_widget(InfoRow(label=tr("Ready by"), value=format_date(self.v("expected_ready"), app.lang)))
        self.ids.consent.text = app.pick(self.v("consent_text")) or tr(
            "I confirm that the information is true and agree that it is used to process my application.")


    def clear(self) -> None:
        self.ids.summary.clear_widgets()
        self.agreed = False
        super().clear()
