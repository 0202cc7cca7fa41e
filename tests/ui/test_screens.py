"""Every screen is reached through the real session by touches, in Chinese and in English; each
screenshot is saved under var/test/screens/ (for a person to look at) and must not be blank, and
no visible text may be an English msgid left untranslated on the Chinese screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kiosk.i18n import read_catalogue
from kiosk.ui.screens import SCREENS

from .conftest import SCREENSHOTS
from .scenario import Walk
from .tour import SHOWN_AS, TOUR

UI = Path(__file__).resolve().parent.parent.parent / "kiosk" / "ui"


def test_every_registered_screen_has_a_py_and_kv_pair_and_a_tour_entry() -> None:
    for name in SCREENS:
        assert (UI / "screens" / f"{name}.py").is_file(), name
        assert (UI / "screens" / f"{name}.kv").is_file(), name
    assert set(TOUR) == set(SCREENS)


def visible_texts(pilot) -> list[str]:
    texts = []
    for widget in pilot.widgets():
        text = getattr(widget, "text", None)
        if isinstance(text, str) and text.strip() and widget.opacity > 0:
            texts.append(text)
    return texts


def check_picture(path: Path) -> None:
    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 20, f"{path.name} is (nearly) blank"


# Screens with no Back/Exit on purpose: the attract screen starts wherever it is touched, and out
# of service waits for staff (the maintenance gesture).
DEAD_ENDS_BY_DESIGN = {"idle", "out_of_service"}
WAYS_OUT = {"back", "cancel", "ok", "finish", "finish_guides"}


def way_back_or_out(pilot) -> set[str]:
    """The visible, enabled buttons that go back or end the session (ids of the frame's footer)."""
    return {w.widget_id for w in pilot.widgets() if getattr(w, "widget_id", "") in WAYS_OUT
            and w.opacity > 0 and not w.disabled and w.width > 0}


@pytest.mark.parametrize("screen", list(TOUR))
def test_screen_in_chinese_then_switched_live_to_english(kiosk, pilot, screen: str) -> None:
    """Walk there in Chinese (the default), then switch language on the screen itself: everything
    re-renders in English without leaving the screen."""
    TOUR[screen](Walk(kiosk))
    shown = SHOWN_AS.get(screen, screen)
    pilot.wait_for_screen(shown)
    assert kiosk.app.lang == "zh_CN"
    check_picture(pilot.screenshot(SCREENSHOTS / f"{screen}.zh_CN.png"))
    english = {k for k, v in read_catalogue("zh_CN").items() if k and v and v != k}
    untranslated = [t for t in visible_texts(pilot) if t in english]
    assert not untranslated, untranslated
    chinese_texts = visible_texts(pilot)
    ways = way_back_or_out(pilot)
    assert ways or screen in DEAD_ENDS_BY_DESIGN, f"{screen}: no visible way back or out"


    if "language" in pilot.ids() and screen not in ("idle", "maintenance_pin", "maintenance", "out_of_service"):
        pilot.press("language")  # the header switch posts LanguageChosen; the session answers SetLanguage
    else:
        kiosk.app.set_language("en")
    pilot.wait_until(lambda: kiosk.app.lang == "en", what="English")
    assert kiosk.app.current_screen == shown  # switching language never leaves the screen
    check_picture(pilot.screenshot(SCREENSHOTS / f"{screen}.en.png"))
    assert visible_texts(pilot) != chinese_texts
