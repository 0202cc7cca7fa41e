"""``kiosk-central``: run the reference central service (filled in by the central service issue)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("kiosk-central: not built yet", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
