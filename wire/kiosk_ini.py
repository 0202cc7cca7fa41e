"""The kiosk's configuration files: which files, in which order, and how they are read.

``config/kiosk.ini`` holds the defaults; ``config/simulated.ini`` puts every device on its simulator;
a site's own files (given explicitly, else the ``KIOSK_CONFIG`` environment variable,
``:``-separated) come last. Later files win key by key. The kiosk reads the files here and checks
every value (``kiosk/config.py``); the central service's ``seed-demo`` reads the two keys it needs
(the kiosk id and where the kiosk looks for its secret) the same way, without importing the kiosk.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = REPO_ROOT / "config" / "kiosk.ini"
SIMULATED_FILE = REPO_ROOT / "config" / "simulated.ini"
ENV_VAR = "KIOSK_CONFIG"

Layered = dict[str, dict[str, tuple[str, Path]]]
"""section -> key -> (raw value, the file it came from)."""


class IniError(ValueError):
    """A configuration file that is missing or is not INI text (the message names the file)."""


def config_files(explicit: Sequence[str | os.PathLike[str]] | None = None, *, simulated: bool = False,
                 environ: Mapping[str, str] | None = None) -> list[Path]:
    """The files to layer, in order: defaults, the simulated overlay if asked, then the site files
    (``explicit`` if given, else the ``KIOSK_CONFIG`` environment variable, ':'-separated)."""
    environ = os.environ if environ is None else environ
    files = [DEFAULTS_FILE]
    if simulated:
        files.append(SIMULATED_FILE)
    if explicit:
        files.extend(Path(p) for p in explicit)
    elif environ.get(ENV_VAR):
        files.extend(Path(p) for p in environ[ENV_VAR].split(":") if p)
    return files


def read_layered(files: Sequence[Path]) -> Layered:
    """Every key of ``files``, later files winning; keys are case-sensitive, ``;`` starts a comment."""
    merged: Layered = {}
    for path in files:
        parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
        try:
            with open(path, encoding="utf-8") as fh:
                parser.read_file(fh)
        except FileNotFoundError:
            raise IniError(f"{path}: configuration file not found") from None
        except configparser.Error as exc:
            raise IniError(f"{path}: not a valid INI file: {exc}") from None
        for section in parser.sections():
            for key, value in parser.items(section):
                merged.setdefault(section, {})[key] = (value, path)
    return merged


def resolve(path: Path) -> Path:
    """Relative paths in config are relative to the repository (the working tree of the kiosk)."""
    return path if path.is_absolute() else REPO_ROOT / path
