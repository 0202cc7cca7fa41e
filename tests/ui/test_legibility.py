"""A greyed-out button still says what it will do: its text stays readable against what is behind it."""

from __future__ import annotations

import pytest


def luminance(rgba) -> float:
    def channel(x: float) -> float:
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("kind", ["primary", "secondary", "ghost", "danger"])
def test_disabled_button_text_is_readable(kiosk, pilot, kind: str, elder: bool) -> None:
    from kiosk.ui.widgets.common import KButton

    app = kiosk.app
    if app.elder != elder:
        app.toggle_elder()
    try:
        button = KButton(text="确认并缴费 Confirm", kind=kind, disabled=True)
        app.root.add_widget(button)
        pilot.pause(1)
        # Kivy's Label draws disabled text in disabled_color, not color.
        assert list(button.disabled_color) == list(button.colours[1])
        background = button.colours[0] if button.colours[0][3] > 0 else app.theme.background
        assert contrast(button.disabled_color, background) >= 3.0
        app.root.remove_widget(button)
    finally:
        if app.elder:
            app.toggle_elder()


def test_a_dead_widget_reference_does_not_end_the_app(kiosk, pilot) -> None:
    """A freed widget's kv rule called during a dispatch raises ReferenceError inside Kivy's loop;
    the app skips it and goes on (any other exception still ends the app)."""
    from kivy.base import ExceptionManager
    from kivy.clock import Clock

    handler = kiosk.app.dead_widgets
    before = handler.passed

    def dead(_dt: float) -> None:
        raise ReferenceError("weakly-referenced object no longer exists")

    Clock.schedule_once(dead, 0)
    pilot.wait_until(lambda: handler.passed == before + 1, what="the ReferenceError passed")
    assert kiosk.app.current_screen == "idle"  # still running, still showing the attract screen
    assert handler.handle_exception(RuntimeError("a real bug")) == ExceptionManager.RAISE
