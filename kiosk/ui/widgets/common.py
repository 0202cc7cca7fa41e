"""Basic widgets every screen uses: the big button, wrapped text, cards and the screen frame.

The frame gives every screen the same furniture, so nobody has to look for it: the header with the
language switch and the elder-mode switch (one tap away everywhere), a title, the content, and a
footer with Back, Exit and the screen's main action where the person expects them.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label


class KButton(ButtonBehavior, Label):
    """A large rounded button. ``kind``: primary, secondary, danger, ghost, choice (toggle-like,
    ``selected`` shows it is chosen)."""

    kind = StringProperty("primary")
    selected = BooleanProperty(False)
    icon = StringProperty("")
    widget_id = StringProperty("")  # what the test pilot presses: ``pilot.press("next")``
    colours = ObjectProperty(((0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 0, 0)))
    wrap = BooleanProperty(True)  # False: one line, the button sized to its text by the caller
    min_height = NumericProperty(0)  # > 0: grow taller than this when the wrapped text needs it

    def on_texture_size(self, _button: Any, size: Any) -> None:
        if self.min_height:
            app = App.get_running_app()
            self.height = max(self.min_height, size[1] + app.theme.gap * 1.5)

    def on_min_height(self, *_: Any) -> None:
        self.on_texture_size(self, self.texture_size)

    def on_release(self) -> None:
        app = App.get_running_app()
        if app is not None and hasattr(app, "touched"):
            app.touched()

    def palette(self, kind: str, state: str, selected: bool, disabled: bool, _colours: object) -> tuple:
        """(background, text, border) for the button's kind and state. ``_colours`` is only there so
        that kv re-evaluates when the theme's palette changes (elder mode)."""
        t = App.get_running_app().theme
        none = (0, 0, 0, 0)
        down = state == "down"
        if kind == "header":
            return ((1, 1, 1, 0.3) if down or selected else (1, 1, 1, 0.12)), t.header_ink, (1, 1, 1, 0.75)
        if disabled:
            if kind == "ghost":
                return none, t.disabled, none
            return t.surface_alt, t.muted, t.line
        if kind in ("primary", "danger") or selected:
            base = t.danger if kind == "danger" else t.primary
            return (t.primary_pressed if down else base), t.primary_ink, none
        if kind == "ghost":
            return ((t.surface_alt if down else none), t.primary, none)
        return (t.surface_alt if down else t.surface), t.secondary_ink, t.primary


class Text(Label):
    """A label that wraps to its width and is as tall as its text."""


class Title(Text):
    pass


class Card(BoxLayout):
    """A white panel with a border, for grouping."""

    bg = ListProperty([])


class InfoRow(BoxLayout):
    """A label/value line for summaries (review, timeline, receipts)."""

    label = StringProperty("")
    value = StringProperty("")
    emphasis = BooleanProperty(False)
    money = BooleanProperty(False)  # a fee line: long name, short amount aligned right


class FramePart(BoxLayout):
    """A part of the ScreenFrame itself (a class attribute, because kv sets properties only after
    it has added a child)."""

    frame_part = True


class ScreenFrame(BoxLayout):
    """Header, title, content and footer. Children declared in a screen's kv go into the content."""

    title = StringProperty("")
    subtitle = StringProperty("")
    notice = StringProperty("")  # a msgid (translated in kv, so it follows a language switch)
    show_back = BooleanProperty(True)
    show_cancel = BooleanProperty(True)
    cancel_text = StringProperty("")
    primary_text = StringProperty("")
    primary_enabled = BooleanProperty(True)
    primary_id = StringProperty("next")
    screen = ObjectProperty(None, allownone=True)
    step_index = NumericProperty(-1)

    __events__ = ("on_primary",)

    def add_widget(self, widget: Any, *args: Any, **kwargs: Any) -> None:
        # The frame's own parts (kiosk.kv marks them ``frame_part``) go in the frame; anything a
        # screen declares goes in the content box.
        content = self.ids.get("content")
        if content is not None and not getattr(widget, "frame_part", False):
            content.add_widget(widget, *args, **kwargs)
        else:
            super().add_widget(widget, *args, **kwargs)

    def on_primary(self) -> None:
        pass

    def back(self) -> None:
        if self.screen is not None:
            self.screen.back()

    def cancel(self) -> None:
        if self.screen is not None:
            self.screen.cancel()


class MessagePanel(BoxLayout):
    """A status picture, a heading and a paragraph: the body of every "tell the person" screen."""

    icon = StringProperty("info")
    heading = StringProperty("")
    body = StringProperty("")
    detail = StringProperty("")


class ChoiceGrid(GridLayout):
    """Big buttons built from data: ``show([(code, label), ...], on_choose)``; ids ``<prefix>_<code>``."""

    prefix = StringProperty("choice")

    def show(self, choices: list[tuple[str, str]], on_choose: Any, selected: str | None = None,
             height: float | None = None) -> None:
        self.clear_widgets()
        app = App.get_running_app()
        for code, label in choices:
            button = KButton(text=label, kind="choice", selected=code == selected, widget_id=f"{self.prefix}_{code}",
                             min_height=height or app.theme.target * 1.1)
            button.bind(on_release=lambda _b, c=code: on_choose(c))
            self.add_widget(button)
