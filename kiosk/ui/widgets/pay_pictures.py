"""Pictures of what to do for each way to pay, drawn with Kivy's canvas (no image files to ship or
to miss): a bank card going into the terminal, a phone showing its payment code over the scanner
window, a banknote with the receipt for the counter.

They sit on the payment-method tiles and, animated, on the payment-code screen. An older applicant
who does not read "付款码" still recognises a phone held over a scanner."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

METHODS = ("card", "code", "counter")

# A fixed pattern of QR-like modules (1 = dark), 7 x 7 between the three finder squares: a picture
# of a code, not a code (nothing a scanner could read by mistake).
_MODULES = ("1011010", "0110101", "1101001", "0010110", "1100011", "0101100", "1010011")


class PaymentPicture(Widget):
    """``method``: card, code or counter. With ``animate`` the card / phone moves down onto the
    terminal / scanner and rests there, over and over (``drop`` 0 = high, 1 = in place)."""

    method = StringProperty("card")
    animate = BooleanProperty(False)
    drop = NumericProperty(1.0)
    t = NumericProperty(0.0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tick: Any = None
        self.bind(pos=self._redraw, size=self._redraw, method=self._redraw, drop=self._redraw,
                  animate=self._animate)
        self._animate()

    def _animate(self, *_: Any) -> None:
        if self.animate and self._tick is None:
            self._tick = Clock.schedule_interval(self._advance, 1 / 30)
        elif not self.animate and self._tick is not None:
            self._tick.cancel()
            self._tick = None
            self.drop = 1.0

    def _advance(self, dt: float) -> None:
        if self.get_root_window() is None:
            return
        self.t = (self.t + dt / 2.4) % 1.0
        x = min(self.t / 0.55, 1.0)
        self.drop = 1 - (1 - x) ** 3  # eases in, then rests on the scanner for the rest of the cycle

    def _redraw(self, *_: Any) -> None:
        self.canvas.clear()
        side = min(self.width, self.height)
        if side <= 0:
            return
        # From x/y themselves: center_x/center_y are cached aliases that may not be updated yet
        # when the pos callback runs.
        ox, oy = self.x + (self.width - side) / 2, self.y + (self.height - side) / 2
        draw = {"card": self._card, "code": self._code, "counter": self._counter}.get(self.method)
        if draw is not None:
            with self.canvas:
                draw(ox, oy, side)

    def _card(self, ox: float, oy: float, s: float) -> None:
        lift = (1 - self.drop) * 0.25 * s
        Color(0.85, 0.62, 0.15, 1)  # the bank card, going in at the top of the terminal
        RoundedRectangle(pos=(ox + 0.36 * s, oy + 0.62 * s + lift), size=(0.28 * s, 0.34 * s), radius=[0.02 * s])
        Color(1, 1, 1, 0.9)
        Rectangle(pos=(ox + 0.40 * s, oy + 0.86 * s + lift), size=(0.08 * s, 0.05 * s))  # the chip
        Color(0.25, 0.28, 0.33, 1)  # the terminal
        RoundedRectangle(pos=(ox + 0.28 * s, oy + 0.04 * s), size=(0.44 * s, 0.66 * s), radius=[0.04 * s])
        Color(0.72, 0.84, 0.95, 1)
        Rectangle(pos=(ox + 0.33 * s, oy + 0.44 * s), size=(0.34 * s, 0.18 * s))  # its screen
        Color(0.85, 0.87, 0.9, 1)
        for row in range(3):
            for col in range(3):
                Rectangle(pos=(ox + (0.34 + col * 0.11) * s, oy + (0.10 + row * 0.10) * s),
                          size=(0.09 * s, 0.07 * s))
        Color(0.12, 0.12, 0.14, 1)
        Rectangle(pos=(ox + 0.34 * s, oy + 0.67 * s), size=(0.32 * s, 0.02 * s))  # the card slot

    def _code(self, ox: float, oy: float, s: float) -> None:
        Color(0.25, 0.28, 0.33, 1)  # the scanner window under the screen
        RoundedRectangle(pos=(ox + 0.14 * s, oy + 0.03 * s), size=(0.72 * s, 0.14 * s), radius=[0.03 * s])
        Color(0.85, 0.15, 0.15, 1)
        Line(points=[ox + 0.18 * s, oy + 0.10 * s, ox + 0.82 * s, oy + 0.10 * s], width=max(1.5, 0.008 * s))
        lift = (1 - self.drop) * 0.2 * s
        px, py, pw, ph = ox + 0.31 * s, oy + 0.22 * s + lift, 0.38 * s, 0.74 * s
        Color(0.16, 0.17, 0.2, 1)  # the phone, its screen towards the scanner
        RoundedRectangle(pos=(px, py), size=(pw, ph), radius=[0.05 * s])
        Color(1, 1, 1, 1)
        sx, sy, sw = px + 0.03 * s, py + 0.06 * s, pw - 0.06 * s
        Rectangle(pos=(sx, sy), size=(sw, ph - 0.12 * s))
        Color(0.1, 0.1, 0.12, 1)
        for i in range(9):  # the bar code above the square code, as wallets show it
            Rectangle(pos=(sx + 0.02 * s + i * sw * 0.1, sy + 0.46 * s), size=(sw * (0.03 + 0.03 * (i % 3 == 0)),
                                                                                 0.08 * s))
        q, cell = sx + 0.03 * s, (sw - 0.06 * s) / 11
        base = sy + 0.04 * s
        for fx, fy in ((0, 8), (8, 8), (0, 0)):  # three finder squares
            Rectangle(pos=(q + fx * cell, base + fy * cell), size=(3 * cell, 3 * cell))
        for r, row in enumerate(_MODULES):
            for c, bit in enumerate(row):
                if bit == "1" and not ((c < 3 and r < 3) or (c > 4 and r < 3)):
                    Rectangle(pos=(q + (c + 2) * cell, base + (8 - r) * cell), size=(cell, cell))
        Color(0.2, 0.65, 0.35, 1)
        Ellipse(pos=(px + pw / 2 - 0.02 * s, py + ph - 0.05 * s), size=(0.04 * s, 0.03 * s))

    def _counter(self, ox: float, oy: float, s: float) -> None:
        for shift, shade in ((0.06, 0.48), (0.0, 0.62)):  # two banknotes
            Color(0.25, shade, 0.38, 1)
            Rectangle(pos=(ox + (0.06 + shift) * s, oy + (0.42 + shift) * s), size=(0.52 * s, 0.28 * s))
        Color(1, 1, 1, 0.85)
        Line(ellipse=(ox + 0.25 * s, oy + 0.48 * s, 0.14 * s, 0.14 * s), width=max(1.5, 0.006 * s))
        Color(1, 1, 1, 1)  # the receipt with its bar code, for the counter to scan
        Rectangle(pos=(ox + 0.56 * s, oy + 0.08 * s), size=(0.32 * s, 0.58 * s))
        Color(0.55, 0.58, 0.62, 1)
        Line(rectangle=(ox + 0.56 * s, oy + 0.08 * s, 0.32 * s, 0.58 * s), width=1.2)
        for i in range(4):
            Rectangle(pos=(ox + 0.60 * s, oy + (0.54 - i * 0.06) * s), size=((0.24 - 0.04 * (i % 2)) * s, 0.02 * s))
        Color(0.1, 0.1, 0.12, 1)
        for i in range(10):
            Rectangle(pos=(ox + (0.60 + i * 0.024) * s, oy + 0.13 * s), size=((0.008 + 0.008 * (i % 3 == 1)) * s,
                                                                               0.1 * s))
