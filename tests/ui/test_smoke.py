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


def test_screens_are_built_while_nobody_is_there_and_garbage_is_collected_on_the_attract_screen(
        kiosk, pilot) -> None:
    import gc

    from kiosk.ui.screens import SCREENS

    app = kiosk.app
    pilot.wait_until(lambda: app.warmed_up, 30)
    assert set(app._screens) == set(SCREENS)   # no screen is built on somebody's first touch
    assert gc.get_freeze_count() > 100_000     # what lives as long as the app is out of the collector's way
    pilot.press("lang_en")
    pilot.wait_for_screen("home")
    before = app.collections_between_people
    pilot.press("cancel")
    pilot.wait_for_screen("idle")
    pilot.wait_until(lambda: app.collections_between_people > before, 5, "the collection between people")
