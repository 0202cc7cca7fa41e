"""Translations: gettext catalogues under ``assets/locale/<lang>/LC_MESSAGES/kiosk.po``.

Theory of operation. Source strings (msgids) are English. The ``.po`` files are the only thing
committed and edited; at start-up each is compiled in memory to the binary ``.mo`` format and handed
to the standard library's :class:`gettext.GNUTranslations`, so there is no build step to forget and
no stale ``.mo`` to ship (``python -m kiosk.i18n compile`` still writes ``.mo`` files for packagers).
Neither ``msgfmt`` nor Babel is needed.

The UI switches language at any moment: it calls :meth:`Translator.tr` with the language as an
argument (``app.tr("Next", app.lang)`` in kv), so nothing global changes and Kivy re-evaluates the
binding when ``app.lang`` does. A translation whose ``{placeholders}`` differ from its msgid's is
ignored with a warning and the source string is used (Electrum's format-safe guard), so a typo in a
catalogue cannot crash a screen with a KeyError in front of an applicant.

``python -m kiosk.i18n extract`` scans ``kiosk/ui`` for ``tr("...")`` literals and adds the missing
msgids to every catalogue (English msgstr filled in, other languages left empty for a translator).
"""

from __future__ import annotations

import ast
import gettext
import io
import logging
import re
import string
import struct
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "assets" / "locale"
DOMAIN = "kiosk"
SOURCE_LANGUAGE = "en"


# --------------------------------------------------------------------------------------------------
# .po reading and .mo writing (the subset of the format the project uses: no plurals, no contexts)

_PO_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


class CatalogueError(ValueError):
    """A .po file the kiosk cannot read; the message names the file and line."""


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), text)


def parse_po(text: str, filename: str = "<po>") -> dict[str, str]:
    """msgid -> msgstr for every entry (the header has msgid ""); fuzzy entries are skipped."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None
    fuzzy = False
    pending_fuzzy = False

    def flush() -> None:
        nonlocal msgid, msgstr, fuzzy
        if msgid is not None:
            if msgstr is None:
                raise CatalogueError(f"{filename}: msgid {''.join(msgid)!r} has no msgstr")
            if not fuzzy:
                entries["".join(msgid)] = "".join(msgstr)
        msgid = msgstr = None
        fuzzy = False

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith("#,") and "fuzzy" in line:
                pending_fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid":
            flush()
            fuzzy, pending_fuzzy = pending_fuzzy, False
            msgid, current = [], None
            current = msgid
        elif keyword == "msgstr":
            if msgid is None:
                raise CatalogueError(f"{filename}:{number}: msgstr without msgid")
            msgstr = []
            current = msgstr
        elif line.startswith('"'):
            rest = line
        else:
            raise CatalogueError(f"{filename}:{number}: unsupported line {line!r}")
        match = _PO_STRING.fullmatch(rest.strip())
        if match is None or current is None:
            raise CatalogueError(f"{filename}:{number}: expected a quoted string")
        current.append(_unescape(match[1]))
    flush()
    return entries


def compile_mo(entries: Mapping[str, str]) -> bytes:
    """The GNU .mo binary for ``entries`` (untranslated entries are left out, as msgfmt does)."""
    items = sorted((k.encode("utf-8"), v.encode("utf-8")) for k, v in entries.items() if v or not k)
    count = len(items)
    header_size = 7 * 4
    ids_offset = header_size
    strs_offset = ids_offset + count * 8
    data_offset = strs_offset + count * 8
    ids_table, strs_table, blob = [], [], b""
    for key, _ in items:
        ids_table.append((len(key), data_offset + len(blob)))
        blob += key + b"\0"
    for _, value in items:
        strs_table.append((len(value), data_offset + len(blob)))
        blob += value + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, count, ids_offset, strs_offset, 0, 0)
    out += b"".join(struct.pack("<2I", *pair) for pair in ids_table)
    out += b"".join(struct.pack("<2I", *pair) for pair in strs_table)
    return out + blob


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    path = po_path(lang, locale_dir)
    return parse_po(path.read_text(encoding="utf-8"), str(path))


# --------------------------------------------------------------------------------------------------
# Translating

def fields(text: str) -> list[str]:
    """The ``{name}`` replacement fields of a format string, in order (invalid syntax: [])."""
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["<invalid>"]


class Translator:
    """Every configured language's catalogue, loaded once; :meth:`tr` picks one per call."""

    def __init__(self, languages: Iterable[str], locale_dir: Path = LOCALE_DIR) -> None:
        self.languages = tuple(languages)
        self._catalogues: dict[str, gettext.GNUTranslations] = {}
        for lang in self.languages:
            entries = read_catalogue(lang, locale_dir)
            self._catalogues[lang] = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
        self._warned: set[tuple[str, str]] = set()

    def tr(self, text: str, lang: str) -> str:
        """``text`` in ``lang`` (the msgid itself when missing or when its placeholders differ)."""
        catalogue = self._catalogues.get(lang)
        if catalogue is None or not text:
            return text
        translated = catalogue.gettext(text)
        if translated is not text and sorted(fields(translated)) != sorted(fields(text)):
            if (lang, text) not in self._warned:
                self._warned.add((lang, text))
                log.warning("translation of %r in %s changes its placeholders; using the source", text, lang)
            return text
        return translated

    def format(self, text: str, lang: str, **values: object) -> str:
        """Translate, then fill the ``{name}`` fields."""
        return self.tr(text, lang).format(**values)


# --------------------------------------------------------------------------------------------------
# Extraction (the msgids the UI uses) and catalogue maintenance

_TR_KV = re.compile(r"""\btrf?\(\s*(?P<q>["'])(?P<text>(?:(?!(?P=q))[^\\]|\\.)*)(?P=q)""")


def extract(paths: Iterable[Path]) -> list[str]:
    """Every string literal passed as the first argument of a ``tr(...)``/``trf(...)`` call, in order
    (also ``N_(...)`` table entries and ``Msg(...)``, the outreach screens' message translated when shown)."""
    found: dict[str, None] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(text, str(path))):
                if (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)
                        and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("tr", "trf", "N_", "Msg")):
                    found[node.args[0].value] = None
        else:
            for match in _TR_KV.finditer(text):
                found[_unescape(match["text"])] = None
    return list(found)


def ui_sources(root: Path = ROOT) -> list[Path]:
    ui = root / "kiosk" / "ui"
    return sorted([*ui.rglob("*.py"), *ui.rglob("*.kv")])


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_po(path: Path, entries: Mapping[str, str], header: str) -> None:
    lines = [f'msgid ""\nmsgstr {_quote(header)}\n']
    for key, value in entries.items():
        if key:
            lines.append(f"msgid {_quote(key)}\nmsgstr {_quote(value)}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def header_for(lang: str) -> str:
    return ("Project-Id-Version: exit-entry-kiosk\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
            f"Language: {lang}\n")


def update_catalogues(languages: Iterable[str], msgids: Iterable[str], locale_dir: Path = LOCALE_DIR) -> None:
    """Add missing msgids (English filled in, others empty), keep existing translations, sort nothing."""
    msgids = list(msgids)
    for lang in languages:
        path = po_path(lang, locale_dir)
        existing = read_catalogue(lang, locale_dir) if path.exists() else {}
        merged = {k: v for k, v in existing.items() if k}
        for msgid in msgids:
            merged.setdefault(msgid, msgid if lang == SOURCE_LANGUAGE else "")
        write_po(path, merged, header_for(lang))


def main(argv: list[str]) -> int:  # pragma: no cover - maintainer tool
    from kiosk.config import load_config

    languages = load_config().kiosk.languages
    if argv == ["extract"]:
        msgids = extract(ui_sources())
        update_catalogues(languages, msgids)
        for lang in languages:
            missing = [k for k, v in read_catalogue(lang).items() if k and not v]
            print(f"{lang}: {len(missing)} untranslated")
        return 0
    if argv == ["compile"]:
        for lang in languages:
            target = po_path(lang).with_suffix(".mo")
            target.write_bytes(compile_mo(read_catalogue(lang)))
            print(f"wrote {target}")
        return 0
    print("usage: python -m kiosk.i18n extract|compile", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
