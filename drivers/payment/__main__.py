"""``python -m drivers.payment decode FILE``: captured KIOSK-ECR v1 hex frames to JSON (for technicians).

FILE ``-`` reads standard input. Exit status 0 when every frame decoded, 1 when some did not (the
JSON still lists everything), 2 for a file that cannot be read or is not hex.
"""

from __future__ import annotations

import argparse
import json
import sys

from drivers.payment.capture import decode_capture


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.payment", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser("decode", help="decode captured hex frames to JSON")
    decode.add_argument("file", help="capture file of hex bytes, or - for standard input")
    args = parser.parse_args(argv)
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as fh:
                text = fh.read()
        records = decode_capture(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"decode: {args.file}: {exc}", file=sys.stderr)
        return 2
    json.dump(records, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 1 if any(r["kind"] == "bad_frame" or "payload_error" in r for r in records) else 0


if __name__ == "__main__":
    sys.exit(main())
