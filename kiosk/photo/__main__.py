"""``python -m kiosk.photo check IMAGE [--json]`` and ``python -m kiosk.photo make IMAGE OUT.jpg``.

``check`` prints the verdict (JSON with ``--json``: ``compliant``, ``reasons``, ``guidance``,
``measurements``); ``make`` writes the cropped, scaled, size-bounded JPEG when the image is
compliant and its re-check passes. Exit status: 0 compliant / written, 1 not compliant, 2 the
image could not be read. The output size and file-size bounds come from the kiosk config
(``[photo]``; defaults plus ``KIOSK_CONFIG``), so the command checks what the kiosk would.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from kiosk.config import load_config
from kiosk.photo.analysis import PhotoAnalyser
from kiosk.photo.document import PhotoRejected, make_document_photo
from kiosk.photo.rules import PhotoRules


def _read(path: str) -> np.ndarray | None:
    data = np.fromfile(path, dtype=np.uint8) if Path(path).is_file() else None
    return None if data is None else cv2.imdecode(data, cv2.IMREAD_COLOR)


def _rules() -> PhotoRules:
    return PhotoRules.from_section(load_config().photo)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.photo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="analyse an image against the photo rules")
    check.add_argument("image")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    check.add_argument("--lang", default="zh_CN", choices=["zh_CN", "en"], help="guidance language (text output)")
    make = sub.add_parser("make", help="write the document photo if the image is compliant")
    make.add_argument("image")
    make.add_argument("out")
    args = parser.parse_args(argv)

    image = _read(args.image)
    if image is None:
        print(f"cannot read an image from {args.image}", file=sys.stderr)
        return 2
    analyser = PhotoAnalyser(_rules())
    if args.command == "check":
        verdict = analyser.analyse(image)
        if args.json:
            print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
        else:
            print("compliant" if verdict.compliant else "NOT compliant")
            for reason, text in zip(verdict.reasons, verdict.guidance(args.lang), strict=True):
                print(f"  {reason}: {text}")
        return 0 if verdict.compliant else 1
    try:
        photo = make_document_photo(image, analyser)
    except PhotoRejected as exc:
        print(f"not written: {exc}", file=sys.stderr)
        return 1
    Path(args.out).write_bytes(photo.jpeg)
    print(f"wrote {args.out}: {photo.width}x{photo.height}, {photo.size_bytes} bytes, JPEG quality {photo.quality}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
