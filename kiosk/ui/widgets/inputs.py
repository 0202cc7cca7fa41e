"""Text entry without the operating system's input method: fields, a keypad and keyboards.

A :class:`Field` shows its label and value and opens a :class:`TextEditor` sheet when touched: one
field at a time, with its own big keys, so a grandmother never meets a tiny system keyboard. The
editor has three layouts: ``digits`` (phone numbers, postcodes, numbers), ``latin`` (English names
and addresses) and ``pinyin`` (Chinese: type pinyin, touch a candidate; the person can switch to
Latin letters and back). Candidates come from :mod:`kiosk.ime`, pure Python, loaded off the UI
thread at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout

from kiosk.ime import Candidate, consume, shared_engine
from kiosk.ui.widgets.common import KButton

DIGIT_ROWS = ("123", "456", "789")
LETTER_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
CANDIDATES_PER_PAGE = 7


class Field(ButtonBehavior, BoxLayout):
    """A labelled value the person fills by touching it. ``kind``: digits, phone, postcode, latin,
    chinese (pinyin keyboard that can switch to Latin), date (digits shown as YYYY-MM-DD)."""

    label = StringProperty("")
    text = StringProperty("")
    hint = StringProperty("")
    kind = StringProperty("chinese")
    max_length = NumericProperty(60)
    error = StringProperty("")
    widget_id = StringProperty("")
    optional = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().open_editor(self)

    def display_text(self, text: str, kind: str) -> str:
        if kind == "date" and text:
            digits = text
            parts = [digits[:4], digits[4:6], digits[6:8]]
            return "-".join(p for p in parts if p)
        return text

    @property
    def value(self) -> str:
        if self.kind == "date" and len(self.text) == 8:
            return f"{self.text[:4]}-{self.text[4:6]}-{self.text[6:]}"
        return self.text.strip()


class Key(KButton):
    """One key of a keypad or keyboard; ``value`` is what it types."""

    value = StringProperty("")


class TextEditor(FloatLayout):
    """The sheet that edits one Field. Calls ``on_done(text)`` when the person touches Done."""

    label = StringProperty("")
    text = StringProperty("")
    pinyin = StringProperty("")          # letters typed but not yet converted (pinyin layout)
    layout = StringProperty("digits")    # digits | latin | pinyin
    kind = StringProperty("digits")
    max_length = NumericProperty(60)
    candidates = ListProperty([])
    page = NumericProperty(0)
    on_done = ObjectProperty(None, allownone=True)
    shift = BooleanProperty(False)
    field = ObjectProperty(None, allownone=True)

    def __init__(self, field: Field, on_done: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(field=field, **kwargs)
        self.kind = field.kind
        self.label = field.label
        self.text = field.text
        self.max_length = field.max_length
        self.on_done = on_done
        self.layout = {"digits": "digits", "phone": "digits", "postcode": "digits", "date": "digits",
                       "latin": "latin"}.get(field.kind, "pinyin")
        self.build_keys()

    # -- key rows ----------------------------------------------------------------------------------

    def build_keys(self) -> None:
        rows = self.ids.rows
        rows.clear_widgets()
        if self.layout == "digits":
            for row in DIGIT_ROWS:
                rows.add_widget(self._row([(ch, ch) for ch in row]))
            app = App.get_running_app()
            last = [("back", "← " + app.tr("Delete")), ("0", "0"), ("done", app.tr("Done"))]
            rows.add_widget(self._row(last))
        else:
            rows.add_widget(self._row([(ch, ch) for ch in "1234567890"]))
            for row in LETTER_ROWS:
                keys = [(ch, ch.upper() if (self.shift or self.layout == "latin") else ch) for ch in row]
                weights = None
                if row.startswith("z"):  # Delete is wider, so "← Delete" fits on one line in English
                    keys = [*keys, ("-", "-"), ("back", "← " + App.get_running_app().tr("Delete"))]
                    weights = [1.0] * (len(keys) - 1) + [1.7]
                rows.add_widget(self._row(keys, weights))
            app = App.get_running_app()
            switch = ("mode", "英文 ABC" if self.layout == "pinyin" else "中文 拼音")
            rows.add_widget(self._row([switch, ("'", "'"), ("space", app.tr("Space")), ("clear", app.tr("Clear")),
                                       ("done", app.tr("Done"))], weights=[2, 1, 3, 1.5, 2]))

    def _row(self, keys: list[tuple[str, str]], weights: list[float] | None = None) -> BoxLayout:
        row = BoxLayout(spacing=App.get_running_app().theme.gap * 0.5)
        for index, (value, label) in enumerate(keys):
            kind = "primary" if value == "done" else "secondary"
            key = Key(value=value, text=label, kind=kind, widget_id=f"key_{value}")
            key.size_hint_y = 1
            if weights:
                key.size_hint_x = weights[index]
            key.bind(on_release=self._pressed)
            row.add_widget(key)
        return row

    # -- typing ------------------------------------------------------------------------------------

    def _pressed(self, key: Key) -> None:
        self.press(key.value)

    def press(self, value: str) -> None:
        """Apply one key (also the pilot's way to type)."""
        if value == "done":
            self.commit_pinyin_as_letters()
            if self.on_done is not None:
                self.on_done(self.text)
            return
        if value == "back":
            if self.pinyin:
                self.pinyin = self.pinyin[:-1]
            else:
                self.text = self.text[:-1]
        elif value == "clear":
            self.pinyin = ""
            self.text = ""
        elif value == "mode":
            self.commit_pinyin_as_letters()
            self.layout = "latin" if self.layout == "pinyin" else "pinyin"
            self.build_keys()
        elif value == "space":
            if self.pinyin and self.candidates:
                self.choose(0)
            else:
                self._insert(" ")
        elif self.layout == "pinyin" and value.isalpha() and value.isascii():
            if len(self.pinyin) < 30:
                self.pinyin += value.lower()
        elif self.layout == "pinyin" and value == "'" and self.pinyin:
            self.pinyin += "'"
        else:
            self.commit_pinyin_as_letters()
            self._insert(value.upper() if self.layout == "latin" and value.isalpha() else value)
        self._update_candidates()
        App.get_running_app().touched()

    def _insert(self, value: str) -> None:
        if len(self.text) + len(value) <= self.max_length:
            self.text += value

    def commit_pinyin_as_letters(self) -> None:
        """Unconverted pinyin is kept as typed letters rather than silently lost."""
        if self.pinyin:
            self._insert(self.pinyin.replace("'", ""))
            self.pinyin = ""
            self._update_candidates()

    def _update_candidates(self) -> None:
        self.page = 0
        self.candidates = shared_engine().candidates(self.pinyin, limit=28) if self.pinyin else []

    def choose(self, index: int) -> None:
        """Commit candidate ``index`` of the current page."""
        position = self.page * CANDIDATES_PER_PAGE + index
        if position >= len(self.candidates):
            return
        candidate: Candidate = self.candidates[position]
        self._insert(candidate.text)
        self.pinyin = consume(self.pinyin, candidate)
        self._update_candidates()
        App.get_running_app().touched()

    def next_page(self) -> None:
        if (self.page + 1) * CANDIDATES_PER_PAGE < len(self.candidates):
            self.page += 1

    def previous_page(self) -> None:
        self.page = max(0, self.page - 1)

    def tail(self, text: str, kind: str, pinyin: str) -> str:
        """The end of the text, as much as fits on the line (about 22 wide characters at title size):
        the person always sees where they are typing."""
        shown = self.field.display_text(text, kind) if self.field is not None else text
        budget = 22.0 - len(pinyin) * 0.55
        width = 0.0
        for index in range(len(shown) - 1, -1, -1):
            width += 1.0 if ord(shown[index]) > 0x2E80 else 0.55
            if width > budget:
                return "…" + shown[index + 1:]
        return shown

    def visible_candidates(self, candidates: list[Candidate], page: int) -> list[str]:
        chunk = candidates[page * CANDIDATES_PER_PAGE:(page + 1) * CANDIDATES_PER_PAGE]
        return [c.text for c in chunk] + [""] * (CANDIDATES_PER_PAGE - len(chunk))
