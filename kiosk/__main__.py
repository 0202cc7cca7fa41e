"""``kiosk``: the composition root. Read config, set up logging, build devices and services, run the UI.

Until the UI lands (issue 9) this checks the configuration and reports what it would run.
"""

from __future__ import annotations

import argparse
import sys

from kiosk.config import ConfigError, config_files, load_config
from privacy_log import configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Exit-entry service hall kiosk")
    parser.add_argument("--config", action="append", metavar="FILE",
                        help="site configuration layered over config/kiosk.ini (repeatable; "
                             "default: the KIOSK_CONFIG environment variable)")
    parser.add_argument("--simulated", action="store_true",
                        help="layer config/simulated.ini: every device on its simulator")
    parser.add_argument("--windowed", action="store_true", help="a window instead of fullscreen (development)")
    parser.add_argument("--check-config", action="store_true", help="check the configuration and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(config_files(args.config, simulated=args.simulated))
    except ConfigError as exc:
        print(f"kiosk: configuration error: {exc}", file=sys.stderr)
        return 2
    log = configure_logging(config.logging.level, config.resolve(config.logging.file)
                            if config.logging.file else None)
    log.info("configuration read from %s", ", ".join(str(p) for p in config.sources))
    if args.check_config:
        print("configuration OK: " + ", ".join(str(p) for p in config.sources))
        return 0
    print("kiosk: the touch UI is not built yet; use --check-config", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
