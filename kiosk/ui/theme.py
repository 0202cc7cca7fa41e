"""The look: a calm, official palette, a readable type scale and large touch targets.

Everything visual that kv rules share is a property here, so the whole UI follows when it changes:
elder mode (larger text, bigger buttons, higher contrast) is one tap away on every screen and simply
recomputes these properties; the window size sets ``scale`` so a 1920x1080 hall screen looks like
the 1280x800 design, only larger. Touch targets never go below 64 px high at scale 1.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty

DESIGN_SIZE = (1280, 800)
MIN_TARGET = 64


def hex_colour(value: str, alpha: float = 1.0) -> list[float]:
    value = value.lstrip("#")
    return [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)] + [alpha]


NORMAL = {
    "background": "#EEF2F7", "surface": "#FFFFFF", "surface_alt": "#E3EAF3", "line": "#C5D0DE",
    "primary": "#1D4F91", "primary_pressed": "#163D70", "primary_ink": "#FFFFFF",
    "secondary": "#DCE6F2", "secondary_ink": "#163D70",
    "text": "#1E2A38", "muted": "#55657A", "accent": "#B8322A",
    "success": "#2E7D32", "warning": "#9A5B00", "danger": "#B3261E", "header": "#16406F",
    "header_ink": "#FFFFFF", "disabled": "#738296",
}
# Elder mode: black on white, darker blue, stronger lines (WCAG AAA contrast for body text).
HIGH_CONTRAST = {
    **NORMAL, "background": "#FFFFFF", "surface": "#FFFFFF", "surface_alt": "#F0F0F0", "line": "#333333",
    "primary": "#0A2F66", "primary_pressed": "#061E42", "secondary": "#FFFFFF", "secondary_ink": "#0A2F66",
    "text": "#000000", "muted": "#222222", "header": "#0A2F66", "disabled": "#6B6B6B",
}
# Sizes in pixels at scale 1 (1280x800).
TYPE_SCALE = {"huge": 60, "title": 40, "heading": 32, "body": 26, "small": 21, "button": 28}
ELDER_FACTOR = 1.3


class Theme(EventDispatcher):
    """Colours and sizes for kv (``app.theme.body``, ``app.theme.primary``)."""

    elder = BooleanProperty(False)
    scale = NumericProperty(1.0)
    # What the class rules (<Label>, <KButton>) use. They change *before* everything else, so that a
    # kv instance rule that names another size or colour (``font_size: app.theme.title``) is
    # re-applied after the class rule and wins, as it does when the widget is built.
    label_size = NumericProperty(TYPE_SCALE["body"])
    label_colour = ColorProperty(hex_colour(NORMAL["text"]))
    button_size = NumericProperty(TYPE_SCALE["button"])

    huge = NumericProperty(TYPE_SCALE["huge"])
    title = NumericProperty(TYPE_SCALE["title"])
    heading = NumericProperty(TYPE_SCALE["heading"])
    body = NumericProperty(TYPE_SCALE["body"])
    small = NumericProperty(TYPE_SCALE["small"])
    button = NumericProperty(TYPE_SCALE["button"])
    target = NumericProperty(88)       # height of an ordinary button
    target_big = NumericProperty(120)  # the main choices on the menu
    gap = NumericProperty(16)
    pad = NumericProperty(32)
    radius = NumericProperty(14)
    line_width = NumericProperty(1.2)

    background = ColorProperty(hex_colour(NORMAL["background"]))
    surface = ColorProperty(hex_colour(NORMAL["surface"]))
    surface_alt = ColorProperty(hex_colour(NORMAL["surface_alt"]))
    line = ColorProperty(hex_colour(NORMAL["line"]))
    primary = ColorProperty(hex_colour(NORMAL["primary"]))
    primary_pressed = ColorProperty(hex_colour(NORMAL["primary_pressed"]))
    # (no property may be called on_<x>: Kivy would take it for the handler of property <x>)
    primary_ink = ColorProperty(hex_colour(NORMAL["primary_ink"]))
    secondary = ColorProperty(hex_colour(NORMAL["secondary"]))
    secondary_ink = ColorProperty(hex_colour(NORMAL["secondary_ink"]))
    text = ColorProperty(hex_colour(NORMAL["text"]))
    muted = ColorProperty(hex_colour(NORMAL["muted"]))
    accent = ColorProperty(hex_colour(NORMAL["accent"]))
    success = ColorProperty(hex_colour(NORMAL["success"]))
    warning = ColorProperty(hex_colour(NORMAL["warning"]))
    danger = ColorProperty(hex_colour(NORMAL["danger"]))
    header = ColorProperty(hex_colour(NORMAL["header"]))
    header_ink = ColorProperty(hex_colour(NORMAL["header_ink"]))
    disabled = ColorProperty(hex_colour(NORMAL["disabled"]))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.bind(elder=self._recompute, scale=self._recompute)
        self._recompute()

    def fit(self, width: float, height: float) -> None:
        """Scale the design to the window (the smaller of the two ratios, never below 0.75)."""
        self.scale = max(0.75, min(width / DESIGN_SIZE[0], height / DESIGN_SIZE[1]))

    def _recompute(self, *_: object) -> None:
        if getattr(self, "_recomputing", False):
            return  # re-announcing "scale" below must not start another pass
        self._recomputing = True
        try:
            self._apply()
        finally:
            self._recomputing = False

    def _apply(self) -> None:
        factor = self.scale * (ELDER_FACTOR if self.elder else 1.0)
        palette = HIGH_CONTRAST if self.elder else NORMAL
        self.label_size = round(TYPE_SCALE["body"] * factor)
        self.label_colour = hex_colour(palette["text"])
        self.button_size = round(TYPE_SCALE["button"] * factor)
        for name, size in TYPE_SCALE.items():
            setattr(self, name, round(size * factor))
        self.target = max(MIN_TARGET, round((104 if self.elder else 88) * self.scale))
        self.target_big = round((150 if self.elder else 120) * self.scale)
        self.gap = round(16 * self.scale)
        self.pad = round(32 * self.scale)
        self.radius = round(14 * self.scale)
        self.line_width = 2.0 if self.elder else 1.2
        for name, value in palette.items():
            setattr(self, name, hex_colour(value))
        # Re-announce every other property (even unchanged ones), so instance rules re-apply after
        # the class rules that just fired on label_size/label_colour/button_size.
        for name in ("scale", *TYPE_SCALE, "target", "target_big", "gap", "pad", "radius", "line_width", *palette):
            self.property(name).dispatch(self)
