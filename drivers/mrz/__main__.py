"""``python -m drivers.mrz parse LINE [LINE ...]``: check an MRZ the way the kiosk would.

Prints JSON with ``format`` (TD1/TD2/TD3, MRVA/MRVB for visas, CS for the one-line mainland
permit), ``document_type``, ``issuing_state``, ``surname``, ``given_names``, ``document_number``,
``nationality``, ``birth_date``, ``sex``, ``expiry_date`` (ISO dates, ``null`` when the digits are
not a date), ``checks`` (one boolean per check digit) and ``valid`` (all checks pass).

Lines may also be given in one argument separated by newlines or spaces (as pasted). Quote the
lines in the shell: ``<`` is a redirection otherwise. Two-digit years are resolved against today,
or ``--today YYYY-MM-DD``. Exit status: 0 valid, 1 parsed but a check digit failed, 2 not an MRZ.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from drivers.mrz.parser import MrzDocument, MrzFormatError, parse_mrz


def document_json(doc: MrzDocument) -> dict[str, Any]:
    return {
        "format": doc.format,
        "document_type": doc.document_type,
        "issuing_state": doc.issuing_state,
        "surname": doc.surname,
        "given_names": doc.given_names,
        "document_number": doc.document_number,
        "nationality": doc.nationality,
        "birth_date": doc.birth_date.isoformat() if doc.birth_date else None,
        "sex": doc.sex,
        "expiry_date": doc.expiry_date.isoformat() if doc.expiry_date else None,
        "optional_data": doc.optional_data,
        "checks": dict(doc.checks),
        "valid": doc.valid,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.mrz", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    parse = sub.add_parser("parse", help="parse and check MRZ lines")
    parse.add_argument("lines", nargs="+", metavar="LINE")
    parse.add_argument("--today", help="resolve two-digit years against this date (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        print(f"error: --today must be YYYY-MM-DD, got {args.today!r}", file=sys.stderr)
        return 2
    lines = [piece for arg in args.lines for piece in arg.split()]
    try:
        document = parse_mrz(lines, today)
    except MrzFormatError as exc:
        print(f"error: not an MRZ: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(document_json(document), ensure_ascii=False, indent=2))
    return 0 if document.valid else 1


if __name__ == "__main__":
    sys.exit(main())
