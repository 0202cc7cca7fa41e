"""Input without the operating system's input method, and the furniture of every screen: the
numeric keypad, the pinyin keyboard with candidates, Latin letters, the region picker, the
timeout warning and elder mode. Screenshots of each go to var/test/screens/."""

from __future__ import annotations

from kiosk.session import commands as c
from kiosk.session import events as ev

from .conftest import SCREENSHOTS
from .scenario import Walk


def test_numeric_keypad_types_a_mobile_number(kiosk, pilot) -> None:
    Walk(kiosk).form()
    pilot.press("mobile")
    editor = pilot.editor()
    assert editor.layout == "digits"
    for digit in "1381234567":
        pilot.press(f"key_{digit}", frames=1)
    pilot.press("key_back")
    pilot.press("key_8")
    pilot.screenshot(SCREENSHOTS / "keypad.zh_CN.png")
    pilot.press("key_done")
    assert kiosk.app.screen("form").ids.mobile.text == "1381234568"
    assert kiosk.app.sheet is None


def test_max_length_is_enforced(kiosk, pilot) -> None:
    Walk(kiosk).form()
    pilot.type("mobile", "138123456789999")
    assert kiosk.app.screen("form").ids.mobile.text == "13812345678"


def test_pinyin_keyboard_offers_candidates_and_commits_them(kiosk, pilot) -> None:
    Walk(kiosk).form()
    pilot.press("emergency_name")
    editor = pilot.editor()
    assert editor.layout == "pinyin"
    for letter in "wangxiaoming":
        pilot.press(f"key_{letter}", frames=0)
    pilot.pause(2)
    assert editor.pinyin == "wangxiaoming"
    assert pilot.find("cand_0").text == "王小明"
    pilot.screenshot(SCREENSHOTS / "keyboard_pinyin.zh_CN.png")
    pilot.press("cand_0")
    assert editor.text == "王小明" and editor.pinyin == ""
    pilot.press("key_done")
    assert kiosk.app.screen("form").ids.emergency_name.text == "王小明"


def test_choosing_a_single_character_keeps_the_rest_of_the_pinyin(kiosk, pilot) -> None:
    Walk(kiosk).form()
    pilot.press("emergency_name")
    editor = pilot.editor()
    for letter in "lihua":
        editor.press(letter)
    pilot.pause(2)
    single = next(i for i, c in enumerate(editor.candidates[:7]) if c.syllables == 1)
    pilot.press(f"cand_{single}")
    assert len(editor.text) == 1 and editor.pinyin == "hua"


def test_latin_keyboard_and_switching_back(kiosk, pilot) -> None:
    Walk(kiosk).form()
    pilot.press("emergency_name")
    pilot.press("key_mode")
    editor = pilot.editor()
    assert editor.layout == "latin"
    for key in "li":
        pilot.press(f"key_{key}", frames=0)
    pilot.press("key_space")
    for key in "na":
        pilot.press(f"key_{key}", frames=0)
    pilot.screenshot(SCREENSHOTS / "keyboard_latin.en.png")
    assert editor.text == "LI NA"
    pilot.press("key_mode")
    assert editor.layout == "pinyin"
    pilot.press("key_done")
    assert kiosk.app.screen("form").ids.emergency_name.text == "LI NA"


def test_unconverted_pinyin_is_kept_as_letters_on_done(kiosk, pilot) -> None:
    Walk(kiosk).form()
    pilot.press("emergency_name")
    for letter in "zhao":
        pilot.editor().press(letter)
    pilot.press("key_done")
    assert kiosk.app.screen("form").ids.emergency_name.text == "zhao"


def test_region_picker_yields_codes_and_names(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.address()
    pilot.press("region")
    pilot.press("prov_440000")
    pilot.press("city_440100")
    assert pilot.find("region_done").disabled  # a district is still needed in Guangzhou
    pilot.press("dist_440104")
    pilot.screenshot(SCREENSHOTS / "region_picker.zh_CN.png")
    pilot.press("region_done")
    screen = kiosk.app.screen("address")
    assert screen.region_codes() == {"province": "440000", "city": "440100", "district": "440104"}
    assert "越秀区" in screen.region_text


def test_municipality_and_city_without_districts(kiosk, pilot) -> None:
    Walk(kiosk).address()
    pilot.press("region")
    pilot.press("prov_110000")  # Beijing: its one "city" is chosen at once
    pilot.press("dist_110108")
    pilot.press("region_done")
    assert kiosk.app.screen("address").region_codes()["district"] == "110108"
    pilot.press("region")
    pilot.press("prov_440000")
    pilot.press("city_441900")  # Dongguan has no districts: done at the city
    pilot.press("region_done")
    assert kiosk.app.screen("address").region_codes() == {"province": "440000", "city": "441900", "district": ""}


def test_address_is_submitted_with_region_codes(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.address()
    walk.fill_address()
    pilot.press("next")
    submitted = [e for e in kiosk.events if isinstance(e, ev.AddressSubmitted)]
    assert submitted and submitted[-1].values["district"] == "440104"
    assert submitted[-1].values["postcode"] == "510030"
    assert submitted[-1].values["detail"].startswith("中山路")


def test_timeout_warning_counts_down_and_more_time_is_posted(kiosk, pilot) -> None:
    Walk(kiosk).form()
    kiosk.app.execute(c.ShowTimeoutWarning(20))
    pilot.pause(3)
    overlay = kiosk.app.root.ids.overlay
    assert overlay.warning_visible and 18 <= overlay.seconds_left <= 20
    pilot.screenshot(SCREENSHOTS / "timeout_warning.zh_CN.png")
    pilot.press("more_time")
    assert any(isinstance(e, ev.MoreTime) for e in kiosk.events)


def test_the_warning_is_modal(kiosk, pilot) -> None:
    Walk(kiosk).form()
    kiosk.app.execute(c.ShowTimeoutWarning(20))
    pilot.pause(2)
    from kivy.tests.common import UnitTestTouch

    x, y = kiosk.app.screen("form").ids.mobile.to_window(*kiosk.app.screen("form").ids.mobile.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    pilot.pause(2)
    assert kiosk.app.sheet is None  # the field underneath did not open its keypad
    kiosk.app.execute(c.HideTimeoutWarning())
    pilot.pause(2)
    assert not kiosk.app.root.ids.overlay.warning_visible


def test_elder_mode_is_one_tap_away_and_enlarges_everything(kiosk, pilot) -> None:
    Walk(kiosk).home()
    body, target = kiosk.app.theme.body, kiosk.app.theme.target
    pilot.press("elder")
    assert kiosk.app.elder and kiosk.app.theme.body > body * 1.2 and kiosk.app.theme.target > target
    assert kiosk.app.theme.text[:3] == [0.0, 0.0, 0.0]  # higher contrast: black text
    pilot.screenshot(SCREENSHOTS / "home_elder.zh_CN.png")
    Walk(kiosk).p.press("flow_apply")
    pilot.wait_for_screen("busy")
    pilot.press("elder")
    assert not kiosk.app.elder and kiosk.app.theme.body == body


def test_every_touch_target_is_at_least_64_pixels_high(kiosk, pilot) -> None:
    from kiosk.ui.widgets.common import KButton

    walk = Walk(kiosk)
    walk.form()
    small = [(w.widget_id, w.height) for w in pilot.widgets() if isinstance(w, KButton) and w.opacity > 0
             and not w.disabled and w.height < 64]
    assert not small
