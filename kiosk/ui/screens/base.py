"""What every screen shares: its view model, and turning touches into session events.

A screen renders the ``view`` mapping carried by the session's ``ShowScreen`` command and posts
events through ``app.post``; it keeps no state of its own that outlives ``clear()`` (called on
``ClearScreens`` so the next person sees nothing of the last one). Texts that kv cannot bind
(lists built in Python) are rebuilt by ``refresh()``, which runs when the view or the language
changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.screenmanager import Screen

from kiosk.session import events as ev
from kiosk.ui.i18n_names import N_
from kiosk.ui.notices import notice_msgid


class KioskScreen(Screen):
    view = ObjectProperty({}, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        App.get_running_app().bind(lang=lambda *_: self.refresh(), elder=lambda *_: self.refresh())
        self.bind(view=lambda *_: self._view_changed())

    def _view_changed(self) -> None:
        frame = self.children[0] if self.children else None
        if frame is not None and hasattr(frame, "show_back"):
            # The session decides where Back and Exit are offered (every view has can_back/can_cancel).
            if self.v("can_back") is not None:
                frame.show_back = bool(self.v("can_back"))
            if self.v("can_cancel") is not None:  # from the step table's cancel mode
                frame.show_cancel = bool(self.v("can_cancel"))
            frame.notice = notice_msgid(self.v("notice"))
        self.refresh()

    # -- the view model ----------------------------------------------------------------------------

    def v(self, key: str, default: Any = None) -> Any:
        """``view[key]`` (view models are mappings; an attribute of an object view works too)."""
        view = self.view
        if view is None:
            return default
        if isinstance(view, Mapping):
            return view.get(key, default)
        return getattr(view, key, default)

    def vv(self, _view: Any, key: str, default: Any = None) -> Any:
        """kv form of :meth:`v`: passing ``root.view`` makes kv re-evaluate when the view changes."""
        return self.v(key, default)

    def vt(self, key: str, view: Any = None, lang: str | None = None) -> str:
        """A text from the view: a {"zh", "en"} pair or a code, in the current language."""
        app = App.get_running_app()
        return app.pick(self.v(key), lang)

    # -- posting -----------------------------------------------------------------------------------

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def post(self, event: ev.Event) -> None:
        self.app.post(event)

    def back(self) -> None:
        self.post(ev.Back())

    def cancel(self) -> None:
        self.post(ev.Cancel())

    def finish(self) -> None:
        self.post(ev.Finish())

    # -- life cycle --------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild Python-made content from ``view`` (kv-bound texts update by themselves)."""

    def clear(self) -> None:
        """Forget everything the last person entered or saw; lists start at the top again."""
        from kivy.uix.scrollview import ScrollView

        for widget in self.walk(restrict=True):
            if isinstance(widget, ScrollView):
                widget.scroll_y = 1.0
        self.view = {}


class ChoiceScreen(KioskScreen):
    """A screen whose main content is a list of coded choices from the view (``items_key``: a list
    of ``{"code", "name": {"zh", "en"}}``); touching one posts :meth:`chosen`'s event."""

    items_key = "items"
    fallback: tuple[tuple[str, str], ...] = ()  # (code, msgid) when the view carries none

    def choices(self) -> list[tuple[str, str]]:
        app = self.app
        items = self.v(self.items_key)
        if not items:
            return [(code, app.tr(msgid)) for code, msgid in self.fallback]
        result = []
        for item in items:
            code = item.get("code") if isinstance(item, Mapping) else getattr(item, "code", str(item))
            name = item.get("name") if isinstance(item, Mapping) else getattr(item, "name", code)
            result.append((str(code), app.pick(name) or str(code)))
        return result

    def refresh(self) -> None:
        grid = self.ids.get("choices")
        if grid is not None:
            grid.show(self.choices(), self.chosen, selected=self.v("selected"))

    def chosen(self, code: str) -> None:
        raise NotImplementedError


class ConsentScreen(KioskScreen):
    """A review screen whose main action needs the consent box ticked first (``agreed``). Consent
    is given for exactly what is on screen: a new view clears it."""

    agreed = BooleanProperty(False)

    def toggle_consent(self) -> None:
        self.agreed = not self.agreed
        self.app.touched()

    def confirm(self) -> None:
        if self.agreed:
            self.post(ev.ReviewConfirmed(str(self.v("consent_version") or "")))

    def on_view(self, *_: Any) -> None:
        self.agreed = False


FIELD_ERRORS = {
    "required": N_("Please fill this in."),
    "invalid": N_("Please check this entry."),
    "invalid_mobile": N_("Please enter an 11-digit mainland mobile number."),
    "invalid_phone": N_("Please enter a phone number we can call."),
    "invalid_name": N_("Please enter a name in Chinese characters or Latin letters."),
    "invalid_postcode": N_("A postcode has 6 digits."),
    "invalid_date": N_("Please enter the date as year, month, day (8 digits)."),
    "unknown_region": N_("Please choose the province, city and district."),
    "too_long": N_("This is too long."),
    "same_as_mobile": N_("The emergency contact must be someone else's number."),
    "unknown": N_("Please choose one of the options."),
    "too_old": N_("Arrivals more than 30 days ago are registered at the counter."),
}


class FieldsScreen(KioskScreen):
    """A screen of :class:`Field` widgets (kv ids equal to the value keys the event expects).

    ``view["values"]`` pre-fills the fields when the session sends the person back to correct
    something; ``view["errors"]`` ({key: code}) shows what to correct, next to each field."""

    field_keys: tuple[str, ...] = ()

    def fields(self) -> dict[str, Any]:
        return {key: self.ids[key] for key in self.field_keys if key in self.ids}

    def values(self) -> dict[str, str]:
        return {key: widget.value for key, widget in self.fields().items()}

    def refresh(self) -> None:
        values = self.v("values") or {}
        errors = self.v("errors") or {}
        for key, widget in self.fields().items():
            if not widget.text and values.get(key):
                widget.text = str(values[key])
            code = errors.get(key)
            widget.error = self.app.tr(FIELD_ERRORS.get(str(code), FIELD_ERRORS["invalid"])) if code else ""

    def missing(self) -> list[str]:
        return [key for key, widget in self.fields().items() if not widget.optional and not widget.value]

    def check_required(self) -> bool:
        """Mark empty required fields; True when everything required is there."""
        missing = self.missing()
        for key in missing:
            self.fields()[key].error = self.app.tr(FIELD_ERRORS["required"])
        return not missing

    def clear(self) -> None:
        for widget in self.fields().values():
            widget.text = ""
            widget.error = ""
        super().clear()
