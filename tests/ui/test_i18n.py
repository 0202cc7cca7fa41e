"""Translations: the catalogues cover every string the UI shows, in both languages, keep their
placeholders, survive the .po -> .mo compile, and every character the UI can show exists in the
kiosk font (no tofu boxes)."""

from __future__ import annotations

import gettext
import io
import json
from pathlib import Path

import pytest
from PIL import ImageFont

from kiosk.config import load_config
from kiosk.domain.catalogue import DEFAULT_PATH
from kiosk.i18n import Translator, compile_mo, extract, fields, parse_po, read_catalogue, ui_sources
from kiosk.regions import provinces
from kiosk.session import FAILURE_CODES, NOTICE_CODES
from kiosk.ui.fonts import find_cjk_font
from kiosk.ui.notices import NOTICES
from kiosk.ui.screens.failed import FAILURES
from kiosk.voice.prompts import all_msgids as voice_msgids

LANGUAGES = load_config().kiosk.languages
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def used() -> list[str]:
    return extract(ui_sources())


def test_extraction_finds_the_ui_strings(used: list[str]) -> None:
    assert "Touch the screen to start" in used        # kv: app.tr("...", app.lang)
    assert "Please keep still." in used                # py: N_("...") table
    assert "Application {number}" in used              # kv: app.trf(...)
    assert len(used) > 300


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_ui_string_is_translated_and_nothing_stale(lang: str, used: list[str]) -> None:
    catalogue = {k: v for k, v in read_catalogue(lang).items() if k}
    missing = [k for k in used if not catalogue.get(k)]
    stale = sorted(set(catalogue) - set(used) - set(voice_msgids()))  # voice prompts: tests/kiosk/voice
    assert not missing, f"{lang}: untranslated: {missing[:10]}"
    assert not stale, f"{lang}: msgids no longer used: {stale[:10]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_their_placeholders(lang: str) -> None:
    bad = {k: v for k, v in read_catalogue(lang).items() if k and sorted(fields(k)) != sorted(fields(v))}
    assert not bad


def test_chinese_is_really_chinese() -> None:
    catalogue = read_catalogue("zh_CN")
    same = [k for k, v in catalogue.items() if k and v == k and any(c.isalpha() for c in k) and len(k) > 3]
    assert not same, same


def test_po_compiles_to_mo_that_gettext_reads() -> None:
    entries = parse_po('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                       'msgid "Next"\nmsgstr "下一步"\n\nmsgid "A \\"q\\"\\n"\nmsgstr "引号"\n\n'
                       '#, fuzzy\nmsgid "Old"\nmsgstr "旧"\n\nmsgid "Long "\n"line"\nmsgstr ""\n"长"\n"行"\n')
    assert entries["Next"] == "下一步" and entries['A "q"\n'] == "引号" and entries["Long line"] == "长行"
    assert "Old" not in entries  # fuzzy entries are not used
    translations = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
    assert translations.gettext("Next") == "下一步"
    assert translations.gettext("Long line") == "长行"
    assert translations.gettext("Unknown") == "Unknown"


def test_a_translation_that_breaks_placeholders_falls_back_to_the_source(tmp_path: Path) -> None:
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Ready by {date}"\nmsgstr "预计{日期}"\n\nmsgid "Next"\nmsgstr "下一步"\n', encoding="utf-8")
    translator = Translator(["zh_CN"], tmp_path)
    assert translator.tr("Next", "zh_CN") == "下一步"
    assert translator.format("Ready by {date}", "zh_CN", date="1 Dec") == "Ready by 1 Dec"
    assert translator.tr("Next", "fr") == "Next"


def test_every_session_notice_and_failure_code_has_a_sentence() -> None:
    assert not set(NOTICE_CODES) - set(NOTICES)
    assert not set(FAILURE_CODES) - set(FAILURES)


# -- glyphs -------------------------------------------------------------------------------------------

def _shown_characters() -> set[str]:
    """Every character the UI can put on screen: both catalogues, literals in kv/py files under
    kiosk/ui, the document catalogue's names and texts, and the region names."""
    texts = [v for lang in LANGUAGES for v in read_catalogue(lang).values()]
    texts += [path.read_text(encoding="utf-8") for path in ui_sources()]
    texts.append(Path(DEFAULT_PATH).read_text(encoding="utf-8"))
    texts += [f"{p.name}{c.name}{d.name}" for p in provinces() for c in p.children for d in (c.children or (c,))]
    json.loads(Path(DEFAULT_PATH).read_text(encoding="utf-8"))  # the catalogue is what the session shows
    return {ch for text in texts for ch in text if not ch.isspace() and ord(ch) >= 0x20}


def glyph(font: ImageFont.FreeTypeFont, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return mask.size, bytes(list(mask))


def test_every_character_the_ui_can_show_is_in_the_font() -> None:
    font = ImageFont.truetype(str(find_cjk_font(None)), 32)
    notdef = glyph(font, "\U0010fffd")  # a private-use code point: what the font draws for a missing glyph
    missing = sorted(ch for ch in _shown_characters() if glyph(font, ch) == notdef)
    assert not missing, f"not in {find_cjk_font(None).name}: {''.join(missing)!r} " \
                        f"({', '.join(f'U+{ord(c):04X}' for c in missing[:20])})"


def test_the_glyph_check_detects_a_missing_glyph() -> None:
    font = ImageFont.truetype(str(find_cjk_font(None)), 32)
    notdef = glyph(font, "\U0010fffd")
    assert glyph(font, "\U0001f600") == notdef  # an emoji: not in WenQuanYi Micro Hei
    assert glyph(font, "中") != notdef
