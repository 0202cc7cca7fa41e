"""Every screen is reached through the real session by touches, in Chinese and in English; each
screenshot is saved under var/test/screens/ (for a person to look at) and must not be blank, no
visible text may be an English msgid left untranslated on the Chinese screen, and every screen but
the attract and out-of-service screens offers a visible way back or out."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from kiosk.i18n import read_catalogue
from kiosk.ui.screens import SCREENS

from .conftest import SCREENSHOTS
from .scenario import Walk
from .tour import CHAINS

UI = Path(__file__).resolve().parent.parent.parent / "kiosk" / "ui"


def test_every_registered_screen_has_a_py_and_kv_pair_and_a_tour_entry() -> None:
    for name in SCREENS:
        assert (UI / "screens" / f"{name}.py").is_file(), name
        assert (UI / "screens" / f"{name}.kv").is_file(), name
    toured = [screen for steps in CHAINS.values() for screen, _ in steps]
    assert sorted(set(toured)) == sorted(SCREENS) and len(toured) == len(set(toured))


def test_the_wait_screen_says_what_every_waiting_step_waits_for() -> None:
    """busy.REASONS has exactly the steps the step table shows on the wait screens."""
    from kiosk.session import STEPS
    from kiosk.ui.screens.busy import REASONS

    waiting = {step.value for step, spec in STEPS.items() if spec.screen in ("busy", "progress_printing")}
    assert set(REASONS) == waiting


def test_no_screen_decides_cancel_itself() -> None:
    """Cancel is offered as the step table says (the view's can_cancel), never by a screen override."""
    from kiosk.ui.screens import screen_class

    for name in SCREENS:
        assert not hasattr(screen_class(name), "offers_cancel"), name


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


UI_ONLY_SWITCH = {"idle", "maintenance_pin", "maintenance", "out_of_service"}  # no header switch to press


def check_screen(kiosk, pilot, screen: str) -> None:
    """Look at ``screen`` in the language it came up in, then switch language on the screen itself
    (everything re-renders without leaving it) and look again. Screens alternate the language they
    start in, so every screen is seen in both with one switch each."""
    app = kiosk.app
    first = app.lang
    second = app.next_language(first)
    english = {k for k, v in read_catalogue("zh_CN").items() if k and v and v != k}
    texts: dict[str, list[str]] = {}
    for lang in (first, second):
        if lang != app.lang:
            if "language" in pilot.ids() and screen not in UI_ONLY_SWITCH:
                pilot.press("language")  # the header switch posts LanguageChosen; the session answers SetLanguage
            else:
                app.set_language(lang)
            pilot.wait_until(lambda lang=lang: app.lang == lang, what=lang)
            assert app.current_screen == screen, f"switching language left {screen}"
        check_picture(pilot.screenshot(SCREENSHOTS / f"{screen}.{lang}.png"))
        texts[lang] = visible_texts(pilot)
        if lang == "zh_CN":
            untranslated = [t for t in texts[lang] if t in english]
            assert not untranslated, f"{screen}: {untranslated}"
    assert texts[first] != texts[second], f"{screen}: nothing changed with the language"
    ways = way_back_or_out(pilot)
    assert ways or screen in DEAD_ENDS_BY_DESIGN, f"{screen}: no visible way back or out"
    if screen == "idle":
        app.set_language(first)  # the attract screen's own buttons would start the session


@pytest.mark.parametrize("chain", list(CHAINS))
def test_every_screen_in_both_languages(kiosk, pilot, chain: str) -> None:
    """Walk the chain through the real session; on every screen: a non-blank screenshot in Chinese
    and in English (switched live), no English msgid left untranslated on the Chinese screen, and a
    visible way back or out."""
    walk = Walk(kiosk)
    for screen, step in CHAINS[chain]:
        step(walk)
        pilot.wait_for_screen(screen)
        check_screen(kiosk, pilot, screen)
