"""The app starts offscreen on the attract screen, and a touch starts a session."""

from __future__ import annotations


def test_start_shows_attract_and_touch_goes_home(kiosk, pilot) -> None:
    assert kiosk.app.current_screen == "idle"
    pilot.press("lang_en")
    assert kiosk.app.lang == "en"
    x, y = kiosk.app.root.center
    from kivy.tests.common import UnitTestTouch
    touch = UnitTestTouch(x, y * 1.2)
    touch.touch_down()
    touch.touch_up()
    pilot.wait_for_screen("home")
