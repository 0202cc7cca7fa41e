"""Every screen and every notice code has a spoken prompt in zh_CN and en, in the gettext catalogues.

The lists come from the code that produces the codes (the session's SCREEN_OF, NOTICE_CODES and
FAILURE_CODES, the photo reasons and the camera screen's guidance codes, the terminal's prompt
codes, the progress stages), never from a copy here: a new screen or code without a prompt fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.i18n import fields, po_path, read_catalogue
from kiosk.photo.preview_hints import GUIDANCE_CODES
from kiosk.photo.reasons import Reason
from kiosk.services.printing.receipt_building import STAGE_NAMES
from kiosk.services.service_events import PROMPT_CODES
from kiosk.voice import prompts
from kiosk.voice.prompts import DYNAMIC, VoiceCatalogue, msgid

LANGUAGES = load_config().kiosk.languages
SCREEN_OF, NOTICE_CODES, FAILURE_CODES = prompts.session_tables()  # the session's own tables, not a copy


def required() -> list[str]:
    return sorted({
        *(f"screen.{screen}" for screen in SCREEN_OF.values()),
        *(f"notice.{code}" for code in NOTICE_CODES),
        *(f"failure.{code}" for code in FAILURE_CODES),
        *(f"photo.{reason.value}" for reason in Reason),
        *(f"photo.{code}" for code in GUIDANCE_CODES),
        *(f"terminal.{code}" for code in PROMPT_CODES.values()),
        *(f"stage.{stage}" for stage in STAGE_NAMES),
        "timeout.warning",
    })


def test_the_languages_are_chinese_and_english() -> None:
    assert {"zh_CN", "en"} <= set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_screen_and_notice_code_has_a_prompt(lang: str) -> None:
    catalogue = read_catalogue(lang)
    missing = [p for p in required() if not catalogue.get(msgid(p)) or catalogue[msgid(p)] == msgid(p)]
    assert not missing, f"{lang}: no voice prompt for {missing}"


def test_the_module_lists_cover_what_the_code_produces() -> None:
    assert set(required()) <= set(prompts.all_prompt_ids())
    assert len(required()) > 100


def test_steps_that_share_a_screen_have_their_own_words() -> None:
    shared = [step for step, screen in SCREEN_OF.items() if list(SCREEN_OF.values()).count(screen) > 1]
    assert {f"step.{s.value}" for s in shared} == set(prompts.shared_screen_step_ids())
    assert "step.guardian_read" in prompts.shared_screen_step_ids()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_voice_catalogue_has_nothing_missing_and_nothing_stale(lang: str) -> None:
    entries = read_catalogue(lang)
    voice = {k for k in entries if k.startswith(prompts.PREFIX)}
    assert voice == set(prompts.all_msgids())
    assert VoiceCatalogue([lang]).missing() == {lang: []}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dynamic_prompts_carry_their_fields_in_msgid_and_words(lang: str) -> None:
    entries = read_catalogue(lang)
    for prompt_id, names in DYNAMIC.items():
        assert sorted(fields(msgid(prompt_id))) == sorted(names)
        assert sorted(fields(entries[msgid(prompt_id)])) == sorted(names), prompt_id


def test_chinese_prompts_are_chinese_and_english_ones_are_not() -> None:
    zh, en = read_catalogue("zh_CN"), read_catalogue("en")
    for key in prompts.all_msgids():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh[key]), key
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in en[key]), key


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_prompts_are_one_delimited_block_at_the_end(lang: str) -> None:
    lines = po_path(lang).read_text(encoding="utf-8").splitlines()
    begin = next(i for i, line in enumerate(lines) if line.startswith("# ==== voice prompts: begin"))
    end = next(i for i, line in enumerate(lines) if line.startswith("# ==== voice prompts: end"))
    inside = [line for line in lines[begin:end] if line.startswith("msgid ")]
    outside = [line for line in lines[:begin] + lines[end:] if line.startswith('msgid "voice:')]
    assert len(inside) == len(prompts.all_msgids()) and not outside


def test_prompt_ids_are_usable_file_names() -> None:
    for prompt_id in prompts.all_prompt_ids():
        assert prompts.PROMPT_ID.fullmatch(prompt_id), prompt_id
        assert prompts.prompt_id_of(msgid(prompt_id)) == prompt_id
    assert prompts.prompt_id_of("Next") is None


def write_po(folder: Path, lang: str, entries: dict[str, str]) -> None:
    path = po_path(lang, folder)
    path.parent.mkdir(parents=True)
    body = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in entries.items())
    path.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n' + body, encoding="utf-8")


def test_a_missing_or_broken_translation_falls_back_to_english(tmp_path: Path) -> None:
    write_po(tmp_path, "en", {"voice:screen.home": "Choose.", "voice:say.total_fee {amount}": "Total {amount}.",
                              "voice:screen.idle": "Welcome."})
    write_po(tmp_path, "fr", {"voice:screen.home": "Choisissez.", "voice:say.total_fee {amount}": "Total {montant}.",
                              "voice:screen.idle": "voice:screen.idle"})
    catalogue = VoiceCatalogue(["fr", "en"], tmp_path)
    assert catalogue.text("screen.home", "fr") == ("fr", "Choisissez.")
    assert catalogue.text("say.total_fee", "fr", {"amount": "10"}) == ("en", "Total 10.")   # placeholders changed
    assert catalogue.text("screen.idle", "fr") == ("en", "Welcome.")                         # msgstr == msgid
    assert catalogue.text("screen.nowhere", "fr") is None
    assert catalogue.missing(["screen.home", "screen.idle"]) == {"fr": ["screen.idle"], "en": []}


def test_a_language_without_a_catalogue_speaks_english(tmp_path: Path) -> None:
    write_po(tmp_path, "en", {"voice:screen.home": "Choose."})
    assert VoiceCatalogue(["de"], tmp_path).text("screen.home", "de") == ("en", "Choose.")
