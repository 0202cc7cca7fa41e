"""One row of a progress timeline: a dot on a vertical line, the stage, when, and a detail."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout


class TimelineRow(BoxLayout):
    title = StringProperty("")
    when = StringProperty("")
    detail = StringProperty("")
    state = StringProperty("done")  # done | current | todo
    last = BooleanProperty(False)
