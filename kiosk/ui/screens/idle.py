"""Attract screen: what the kiosk offers, notices from the central service, language, touch to start.

The whole screen is the start button (a person should not have to find it), except the language
buttons, which switch language without starting. Notices scroll as a ticker along the bottom and
rotate one at a time in the middle, so a long notice is readable at a glance.
"""

from __future__ import annotations

from typing import Any

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from kiosk.session import events as ev
from kiosk.ui.screens.base import KioskScreen

NOTICE_SECONDS = 7.0


class IdleScreen(KioskScreen):
    notice_title = StringProperty("")
    notice_body = StringProperty("")
    notice_index = NumericProperty(0)
    ticker = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rotation: Any = None
        self._ticker_anim: Any = None
        self.app.bind(notices=lambda *_: self.refresh())

    def notices(self) -> list[Any]:
        """The view's ``notices`` if the session sends any, else the app's (NoticesUpdated)."""
        return list(self.v("notices") or self.app.notices or [])

    def refresh(self) -> None:
        notices = self.notices()
        if not notices:
            self.notice_title = self.app.tr("Welcome")
            self.notice_body = self.app.tr("Apply for passports and permits, pay by bank card, check progress.")
            self.ticker = ""
            return
        self.notice_index %= len(notices)
        title, body = self._notice_text(notices[self.notice_index])
        self.notice_title, self.notice_body = title, body
        self.ticker = "        ◆        ".join(" ".join(p for p in self._notice_text(n) if p) for n in notices)
        self._restart_ticker()

    def _notice_text(self, notice: Any) -> tuple[str, str]:
        if isinstance(notice, str):
            return "", notice
        if isinstance(notice, dict) and ("title" in notice or "body" in notice or "text" in notice):
            return self.app.pick(notice.get("title")), self.app.pick(notice.get("body", notice.get("text")))
        return "", self.app.pick(notice)

    def on_enter(self, *args: Any) -> None:
        self._rotation = Clock.schedule_interval(self._next_notice, NOTICE_SECONDS)
        self._restart_ticker()

    def on_leave(self, *args: Any) -> None:
        if self._rotation is not None:
            self._rotation.cancel()
            self._rotation = None
        if self._ticker_anim is not None:
            self._ticker_anim.cancel(self.ids.ticker_label)
            self._ticker_anim = None

    def _next_notice(self, _dt: float) -> None:
        if self.notices():
            self.notice_index = (self.notice_index + 1) % len(self.notices())
            self.refresh()

    def _restart_ticker(self) -> None:
        label = self.ids.get("ticker_label")
        if label is None or self.manager is None or self.manager.current != self.name:
            return
        if self._ticker_anim is not None:
            self._ticker_anim.cancel(label)
        label.texture_update()
        width = label.texture_size[0]
        label.x = self.width
        speed = 90.0 * self.app.theme.scale  # pixels per second: readable while walking past
        self._ticker_anim = Animation(x=-width, duration=max(1.0, (self.width + width) / speed))
        self._ticker_anim.bind(on_complete=lambda *_: self._restart_ticker())
        self._ticker_anim.start(label)

    def start(self) -> None:
        self.post(ev.StartTapped())

    def on_touch_up(self, touch: Any) -> bool:
        if super().on_touch_up(touch):
            return True
        if self.collide_point(*touch.pos) and touch.grab_current is None and not self.ids.languages.collide_point(
                *touch.pos):
            self.start()
            return True
        return False
