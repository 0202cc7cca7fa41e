"""Fees of a selection, in integer fen, each line and the total named in Chinese and English.

The same :class:`FeeBreakdown` is shown on the review screen, charged on the terminal and printed
on the receipt, so the three can never disagree. An endorsement for "Hong Kong and Macao" is one
endorsement per place and is charged per place (two lines), as the halls do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.domain.catalogue import (
    Catalogue,
    CatalogueError,
    Document,
    Endorsement,
    EndorsementOption,
    EndorsementType,
    ItemChoice,
    Text,
)

TOTAL_NAME = Text("合计", "Total")


class FeeError(ValueError):
    """A selection that has no fee (it fails :meth:`Catalogue.problems`)."""


@dataclass(frozen=True)
class FeeLine:
    """One charged line. ``code`` identifies it (``passport``, ``hkmo_endorsement:G:HK:single_3m``)."""

    code: str
    name: Text
    amount_fen: int

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name.as_dict(), "amount_fen": self.amount_fen,
                "amount": format_yuan(self.amount_fen)}


@dataclass(frozen=True)
class FeeBreakdown:
    lines: tuple[FeeLine, ...]
    total_fen: int
    catalogue_version: str
    total_name: Text = TOTAL_NAME

    def as_dict(self) -> dict[str, object]:
        return {"lines": [line.as_dict() for line in self.lines], "total_fen": self.total_fen,
                "total": format_yuan(self.total_fen), "total_name": self.total_name.as_dict(),
                "catalogue_version": self.catalogue_version}


def format_yuan(fen: int) -> str:
    """``1500`` -> ``"15.00"`` (no currency sign: the UI puts ¥ or CNY where its language wants)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def validity_text(months: int) -> Text:
    if months % 12 == 0:
        years = months // 12
        return Text(f"{years}年", f"{years} year" + ("s" if years > 1 else ""))
    return Text(f"{months}个月", f"{months} months")


def compute_fees(catalogue: Catalogue, choices: Iterable[ItemChoice]) -> FeeBreakdown:
    """The fee lines and total for ``choices`` (defaults filled in). Raises :class:`FeeError` if the
    selection has problems: a fee is never guessed."""
    chosen = [catalogue.complete(c) for c in choices]
    problems = catalogue.problems(chosen)
    if problems:
        raise FeeError(", ".join(f"{p.code}:{p.item}" for p in problems))
    lines: list[FeeLine] = []
    for choice in chosen:
        item = catalogue.item(choice.code)
        if isinstance(item, Document):
            lines.append(FeeLine(item.code, item.name, item.fee_fen))
            continue
        endorsement = catalogue.endorsement(choice.code)
        if endorsement is None:  # pragma: no cover - problems() checked it
            raise CatalogueError(choice.code)
        etype = endorsement.type(choice.type)
        destination = endorsement.destination(choice.destination)
        assert etype is not None and destination is not None
        option = etype.option(choice.option)
        assert option is not None
        for place in destination.places:
            lines.append(FeeLine(f"{endorsement.code}:{etype.code}:{place}:{option.code}",
                                 _endorsement_line_name(catalogue, endorsement, etype, place, option),
                                 endorsement.fees[option.fee]))
    return FeeBreakdown(tuple(lines), sum(line.amount_fen for line in lines), catalogue.version)


def fee_line_name(catalogue: Catalogue, code: str) -> Text | None:
    """The name of a fee line from its code (``passport``, ``hkmo_endorsement:G:HK:single_3m``),
    as :func:`compute_fees` names it; None when this catalogue does not know the code (an
    application filed under another catalogue)."""
    base, _, rest = code.partition(":")
    item = catalogue.item(base)
    if isinstance(item, Document):
        return item.name if not rest else None
    endorsement = catalogue.endorsement(base)
    parts = rest.split(":")
    if endorsement is None or len(parts) != 3:
        return None
    etype = endorsement.type(parts[0])
    option = etype.option(parts[2]) if etype is not None else None
    if etype is None or option is None or option.entries not in catalogue.entries:
        return None
    if not any(parts[1] in d.places for d in endorsement.destinations):
        return None
    return _endorsement_line_name(catalogue, endorsement, etype, parts[1], option)


def _endorsement_line_name(catalogue: Catalogue, endorsement: Endorsement, etype: EndorsementType, place: str,
                           option: EndorsementOption) -> Text:
    entries = catalogue.entries[option.entries]
    validity = validity_text(option.validity_months)
    place_name = next((d.name for d in endorsement.destinations if d.places == (place,)), None)
    if place_name is None:  # a place only reachable through a combined destination
        place_name = next(d.name for d in endorsement.destinations if place in d.places)
    return Text(
        f"{endorsement.name.zh}（{etype.name.zh}，{place_name.zh}，{validity.zh}{entries.zh}）",
        f"{endorsement.name.en} ({etype.name.en}, {place_name.en}, {validity.en}, {entries.en})",
    )
