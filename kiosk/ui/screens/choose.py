"""Choose what to apply for: documents and endorsements, each endorsement with its destination,
type and entries preselected to the catalogue's defaults (so the common case is one tap, then Next).

The catalogue arrives in the view (``documents``, ``endorsements``, ``entries`` in the catalogue's
JSON format, see kiosk/domain/catalogue.py); ``selected`` (ItemChoice-like mappings) restores the
choice when the person comes back. The fee shown here is a preview; the review screen shows the
session's authoritative FeeBreakdown.
"""

from __future__ import annotations

import json
from typing import Any

from kivy.properties import DictProperty, StringProperty

from kiosk.domain.catalogue import DEFAULT_PATH, ItemChoice
from kiosk.session import events as ev
from kiosk.ui.formatting import field, format_money
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.common import KButton

PROBLEMS = {
    "empty": N_("Please choose at least one item."),
    "too_many": N_("Too many items for one application."),
    "not_combinable": N_("These items cannot be applied for together."),
    "same_place_twice": N_("The same place is endorsed twice."),
    "duplicate": N_("An item is chosen twice."),
}


def _fallback_catalogue() -> dict[str, Any]:
    with open(DEFAULT_PATH, encoding="utf-8") as fh:
        return json.load(fh)


class ChooseScreen(KioskScreen):
    chosen = DictProperty({})      # code -> {"type", "destination", "option"} (empty for documents)
    focus = StringProperty("")     # the endorsement whose details are shown on the right

    def catalogue(self) -> dict[str, Any]:
        if self.v("documents") is not None or self.v("endorsements") is not None:
            return {"documents": self.v("documents") or [], "endorsements": self.v("endorsements") or [],
                    "entries": self.v("entries") or {}}
        cached = getattr(self, "_fallback", None)
        if cached is None:
            cached = self._fallback = _fallback_catalogue()
        return cached

    def endorsement(self, code: str) -> dict[str, Any] | None:
        return next((e for e in self.catalogue()["endorsements"] if field(e, "code") == code), None)

    # -- state -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.chosen and self.v("selected"):
            restored = {}
            for item in self.v("selected"):
                restored[str(field(item, "code"))] = {k: field(item, k) for k in ("type", "destination", "option")}
            self.chosen = restored
        self._build_items()
        self._build_details()
        problems = self.v("problems") or ()
        codes = [field(p, "code", p) for p in problems]
        self.ids.problem.text = " ".join(self.app.tr(PROBLEMS.get(str(code), N_("Please check your choice.")))
                                         for code in codes)

    def toggle(self, code: str) -> None:
        chosen = dict(self.chosen)
        if code in chosen:
            del chosen[code]
            if self.focus == code:
                self.focus = next((c for c in chosen if self.endorsement(c)), "")
        else:
            endorsement = self.endorsement(code)
            if endorsement is not None:
                etype = field(endorsement, "default_type")
                type_data = self._type(endorsement, etype)
                chosen[code] = {"type": etype, "destination": field(endorsement, "default_destination"),
                                "option": field(type_data, "default_option") if type_data else None}
                self.focus = code
            else:
                chosen[code] = {}
        self.chosen = chosen
        self.ids.problem.text = ""
        self.refresh()
        self.app.touched()

    def set_detail(self, key: str, value: str) -> None:
        chosen = dict(self.chosen)
        detail = dict(chosen.get(self.focus, {}))
        detail[key] = value
        endorsement = self.endorsement(self.focus)
        if key == "type" and endorsement is not None:
            type_data = self._type(endorsement, value)
            detail["option"] = field(type_data, "default_option") if type_data else None
            allowed = field(type_data, "destinations", ()) if type_data else ()
            if allowed and detail.get("destination") not in allowed:
                detail["destination"] = allowed[0]
        chosen[self.focus] = detail
        self.chosen = chosen
        self.refresh()
        self.app.touched()

    def _type(self, endorsement: Any, code: str | None) -> Any:
        return next((t for t in field(endorsement, "types", ()) if field(t, "code") == code), None)

    def items(self) -> tuple[ItemChoice, ...]:
        return tuple(ItemChoice(code, d.get("type"), d.get("destination"), d.get("option")) if d else ItemChoice(code)
                     for code, d in self.chosen.items())

    def submit(self) -> None:
        if not self.chosen:
            self.ids.problem.text = self.app.tr(PROBLEMS["empty"])
            return
        self.post(ev.ItemsChosen(self.items()))

    def clear(self) -> None:
        self.chosen = {}
        self.focus = ""
        super().clear()

    # -- building ----------------------------------------------------------------------------------

    def _build_items(self) -> None:
        box = self.ids.item_list
        box.clear_widgets()
        app = self.app
        catalogue = self.catalogue()
        for item in [*catalogue["documents"], *catalogue["endorsements"]]:
            code = str(field(item, "code"))
            fee = field(item, "fee_fen")
            label = app.pick(field(item, "name"))
            if fee:
                label += f"\n[size={app.theme.small}]{format_money(fee, app.lang)}[/size]"
            button = KButton(text=label, markup=True, kind="choice", selected=code in self.chosen,
                             widget_id=f"item_{code}", min_height=app.theme.target * 1.1, font_size=app.theme.body)
            button.bind(on_release=lambda _b, c=code: self.toggle(c))
            box.add_widget(button)

    def _build_details(self) -> None:
        app = self.app
        endorsement = self.endorsement(self.focus) if self.focus in self.chosen else None
        self.ids.details.opacity = 1 if endorsement else 0
        self.ids.details.disabled = endorsement is None
        self.ids.summary.text = self._summary()
        if endorsement is None:
            for grid in (self.ids.destinations, self.ids.types, self.ids.options):
                grid.clear_widgets()
            return
        detail = self.chosen[self.focus]
        type_data = self._type(endorsement, detail.get("type"))
        allowed = set(field(type_data, "destinations", ())) if type_data else set()
        destinations = [(str(field(d, "code")), app.pick(field(d, "name")))
                        for d in field(endorsement, "destinations", ()) if not allowed or field(d, "code") in allowed]
        height = app.theme.target * 0.8
        self.ids.destinations.show(destinations, lambda c: self.set_detail("destination", c),
                                   selected=detail.get("destination"), height=height)
        types = [(str(field(t, "code")), app.pick(field(t, "name"))) for t in field(endorsement, "types", ())]
        self.ids.types.show(types, lambda c: self.set_detail("type", c), selected=detail.get("type"), height=height)
        entries = self.catalogue().get("entries") or {}
        places = next((len(field(d, "places", ())) for d in field(endorsement, "destinations", ())
                       if field(d, "code") == detail.get("destination")), 1)
        options = []
        for option in field(type_data, "options", ()) if type_data else ():
            months = int(field(option, "validity_months", 0))
            validity = (app.trf("{years} year(s)", years=months // 12) if months % 12 == 0
                        else app.trf("{months} months", months=months))
            fee = (field(endorsement, "fees", {}) or {}).get(field(option, "fee"))
            label = f"{app.pick(entries.get(field(option, 'entries')))}, {validity}"
            if fee is not None:
                label += f"  {format_money(int(fee) * max(1, places), app.lang)}"
            options.append((str(field(option, "code")), label))
        self.ids.options.show(options, lambda c: self.set_detail("option", c), selected=detail.get("option"),
                              height=height)

    def _summary(self) -> str:
        app = self.app
        if not self.chosen:
            return app.tr("Touch one or more items on the left. For an endorsement, the usual choices are "
                          "already made: check them on the right.")
        return app.trf("{count} item(s) chosen.", count=len(self.chosen))
