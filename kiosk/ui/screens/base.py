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
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

from kiosk.session import events as ev


class KioskScreen(Screen):
    view = ObjectProperty({}, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        App.get_running_app().bind(lang=lambda *_: self.refresh(), elder=lambda *_: self.refresh())
        self.bind(view=lambda *_: self.refresh())

    # -- the view model ----------------------------------------------------------------------------

    def v(self, key: str, default: Any = None) -> Any:
        """``view[key]`` (view models are mappings; an attribute of an object view works too)."""
        view = self.view
        if view is None:
            return default
        if isinstance(view, Mapping):
            return view.get(key, default)
        return getattr(view, key, default)

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
        """Forget everything the last person entered or saw."""
        self.view = {}
