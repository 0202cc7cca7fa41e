"""The organiser's group list: who filed, their receipt numbers, the fees; printed and as a PDF.

At the end of the day the organiser takes away one list for the whole group: every person on the
roster in roster order, with the receipt (application) number of those who filed, the fee and who
paid it (the applicant's card or the organiser), and the reason for those refused. ID numbers are
masked (first six and last four characters): the organiser has the roster already, the list only
has to tell people apart.

Two renderings of one :class:`GroupList`:

* :func:`group_list_commands`: ESC/POS commands for the receipt printer (``drivers.printer.protocol``:
  Chinese through the printer's GB18030 font, one or two lines per person on 80 or 58 mm paper);
* :func:`write_group_list_pdf`: an A4 PDF drawn with Pillow in the CJK font fontconfig finds
  (:func:`kiosk.ui.fonts.find_cjk_font`, which imports no Kivy), one page per 30 people.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from drivers.printer.protocol import (
    Alignment,
    Bold,
    CharacterSize,
    ChineseMode,
    Command,
    Cut,
    Feed,
    Initialise,
    LineSpacing,
    Text,
    printable,
    text_columns,
)
from kiosk.domain.fees import format_yuan
from kiosk.outreach.parts import StationParts

PDF_DPI = 150
PDF_PAGE = (1240, 1754)  # A4 at 150 dpi
PDF_ROWS_PER_PAGE = 30


@dataclass(frozen=True)
class GroupListRow:
    position: int
    name: str = field(repr=False)
    id_masked: str = field(repr=False)
    state: Literal["filed", "awaiting_payment", "refused", "pending"]
    application_no: str | None
    fee_fen: int
    paid_by: Literal["card", "organiser", ""]
    reason_zh: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class GroupList:
    station_id: str
    batch_id: str
    batch_name: str
    service_zh: str
    service_en: str
    organiser: str = field(repr=False)
    made_at: datetime
    rows: tuple[GroupListRow, ...] = field(repr=False)
    group_payment_fen: int = 0
    group_reference: str = ""

    @property
    def filed(self) -> tuple[GroupListRow, ...]:
        return tuple(r for r in self.rows if r.state == "filed")

    @property
    def fees_fen(self) -> int:
        return sum(r.fee_fen for r in self.filed)

    @property
    def card_fen(self) -> int:
        return sum(r.fee_fen for r in self.filed if r.paid_by == "card")


def mask_id(number: str) -> str:
    return number if len(number) <= 10 else number[:6] + "*" * (len(number) - 10) + number[-4:]


def build_group_list(station: StationParts, batch_id: str) -> GroupList:
    from kiosk.domain.fees import fee_line_name
    from kiosk.outreach.errors import OutreachError
    from kiosk.outreach.reasons import reason_text

    view = station.roster_view(batch_id)
    details = view.batch.details
    if details is None:
        raise OutreachError("purged", f"batch {batch_id} was handed over and its personal data erased")
    rows = []
    for row in view.rows:
        app = view.applications.get(row.application_no or "")
        reason = reason_text(row.reason, station.catalogue) if row.reason else None
        rows.append(GroupListRow(
            row.position, row.name, mask_id(row.id_number), row.state, row.application_no,
            app.fee_fen if app is not None else 0,
            ("card" if app.payment_mode == "pos" else "organiser") if app is not None and row.state == "filed" else "",
            reason.zh if reason else "", reason.en if reason else ""))
    service = fee_line_name(station.catalogue, details.service.code)
    item = station.catalogue.item(details.service.code)
    name = service or (item.name if item is not None else None)
    payment = station.store.group_payment(batch_id) or {}
    return GroupList(station.station_id, batch_id, details.name, name.zh if name else details.service.code,
                     name.en if name else details.service.code, details.organiser_name, station.now(),
                     tuple(rows), view.batch.group_amount_fen if view.batch.group_state == "paid" else 0,
                     str(payment.get("ecr_ref", "")))


# --------------------------------------------------------------------------------------------------
# Printed

def _fit(text: str, columns: int) -> str:
    out = ""
    for ch in text:
        if text_columns(out + ch) > columns:
            break
        out += ch
    return out


def _pad(left: str, right: str, columns: int) -> str:
    left = _fit(left, max(0, columns - text_columns(right) - 1))
    return left + " " * max(1, columns - text_columns(left) - text_columns(right)) + right


def group_list_commands(group: GroupList, *, paper_width_dots: int = 576) -> list[Command]:
    """The list as printer commands (ending with a cut)."""
    columns = paper_width_dots // 12
    commands: list[Command] = [Initialise(), ChineseMode(True), LineSpacing(32), Alignment("center"), Bold(True),
                               CharacterSize(1, 2), Text(printable("团体申请名单") + "\n"), CharacterSize(1, 1),
                               Text("Group list\n"), Bold(False),
                               Text(printable(_fit(group.batch_name, columns)) + "\n"),
                               Alignment("left"), Feed(1)]

    def line(text: str) -> None:
        commands.append(Text(printable(text) + "\n"))

    line(_pad("业务 Service", _fit(group.service_zh, columns // 2), columns))
    line(_pad("联系人 Organiser", _fit(group.organiser, columns // 2), columns))
    line(_pad("批次 Batch", group.batch_id, columns))
    line(_pad("时间 Made", group.made_at.strftime("%Y-%m-%d %H:%M"), columns))
    line("-" * columns)
    for row in group.rows:
        head = f"{row.position:>3}. {row.name} {row.id_masked if columns >= 40 else ''}".rstrip()
        if row.state == "filed":
            line(_pad(head, "¥" + format_yuan(row.fee_fen), columns))
            line(_pad(f"     {row.application_no}", "卡 card" if row.paid_by == "card" else "团体 group", columns))
        elif row.state == "refused":
            line(_pad(head, "未受理 refused", columns))
            line("     " + _fit(f"{row.reason_zh} {row.reason_en}".strip(), columns - 5))
        else:
            line(_pad(head, "未办 not filed", columns))
    line("-" * columns)
    filed = group.filed
    line(_pad(f"已受理 Filed {len(filed)} 人", "¥" + format_yuan(group.fees_fen), columns))
    line(_pad("本人刷卡 Paid by card", "¥" + format_yuan(group.card_fen), columns))
    line(_pad("团体缴费 Paid by organiser", "¥" + format_yuan(group.group_payment_fen), columns))
    if group.group_reference:
        line(_pad("  参考号 Reference", group.group_reference, columns))
    refused = sum(1 for r in group.rows if r.state == "refused")
    others = len(group.rows) - len(filed) - refused
    line(_pad(f"未受理 Refused {refused}", f"未办 Not filed {others}", columns))
    commands += [Feed(1), Alignment("center"),
                 Text(printable("凭申请编号查询进度") + "\n"), Text("Track progress by application number\n"),
                 Feed(3), Cut(partial=True)]
    return commands


# --------------------------------------------------------------------------------------------------
# PDF

def group_list_pages(group: GroupList, *, font: Path | None = None) -> list[Any]:
    """The list as A4 page images (PIL, 150 dpi). ``font``: a CJK font file; default: the one
    fontconfig finds, as the UI does ([ui] font overrides it there)."""
    from PIL import Image, ImageDraw, ImageFont

    from kiosk.ui.fonts import find_cjk_font

    font_path = str(font or find_cjk_font(None))
    title = ImageFont.truetype(font_path, 40, index=0)
    body = ImageFont.truetype(font_path, 24, index=0)
    small = ImageFont.truetype(font_path, 20, index=0)
    pages: list[Image.Image] = []
    chunks: Sequence[tuple[GroupListRow, ...]] = [group.rows[i:i + PDF_ROWS_PER_PAGE]
                                                  for i in range(0, len(group.rows), PDF_ROWS_PER_PAGE)] or [()]
    columns = (90, 140, 340, 570, 850, 970)
    for number, chunk in enumerate(chunks, 1):
        page = Image.new("RGB", PDF_PAGE, "white")
        draw = ImageDraw.Draw(page)
        draw.text((90, 80), "团体申请名单 Group list", font=title, fill="black")
        draw.text((90, 140), f"{group.batch_name}", font=body, fill="black")
        draw.text((90, 180), f"业务 Service: {group.service_zh} / {group.service_en}", font=body, fill="black")
        draw.text((90, 215), f"联系人 Organiser: {group.organiser}    批次 Batch: {group.batch_id}    "
                             f"{group.made_at:%Y-%m-%d %H:%M}", font=small, fill="black")
        y = 280
        for x, heading in zip(columns, ("#", "姓名 Name", "身份证号 ID number", "申请编号 Receipt no.",
                                        "费用 Fee", "缴费 Paid by"), strict=True):
            draw.text((x, y), heading, font=small, fill="black")
        y += 34
        draw.line((90, y, 1150, y), fill="black", width=2)
        y += 10
        for row in chunk:
            cells = [str(row.position), row.name, row.id_masked]
            if row.state == "filed":
                cells += [row.application_no or "", "¥" + format_yuan(row.fee_fen),
                          "本人刷卡 card" if row.paid_by == "card" else "团体 organiser"]
            elif row.state == "refused":
                cells += [f"未受理 refused: {row.reason_zh} {row.reason_en}".strip(), "", ""]
            else:
                cells += ["未办 not filed", "", ""]
            for x, cell in zip(columns, cells, strict=True):
                draw.text((x, y), cell, font=small, fill="black")
            y += 40
        if number == len(chunks):
            y += 20
            draw.line((90, y, 1150, y), fill="black", width=2)
            y += 20
            refused = sum(1 for r in group.rows if r.state == "refused")
            lines = [f"已受理 Filed: {len(group.filed)}    未受理 Refused: {refused}    "
                     f"未办 Not filed: {len(group.rows) - len(group.filed) - refused}",
                     f"费用合计 Fees: ¥{format_yuan(group.fees_fen)}",
                     f"本人刷卡 Paid by card: ¥{format_yuan(group.card_fen)}",
                     f"团体缴费 Paid by the organiser: ¥{format_yuan(group.group_payment_fen)}"
                     + (f"  ({group.group_reference})" if group.group_reference else "")]
            for text in lines:
                draw.text((90, y), text, font=body, fill="black")
                y += 40
        draw.text((90, PDF_PAGE[1] - 80), f"{group.station_id} · {group.batch_id} · {number}/{len(chunks)}",
                  font=small, fill="gray")
        pages.append(page)
    return pages


def write_group_list_pdf(group: GroupList, path: Path, *, font: Path | None = None) -> Path:
    """Write the list as an A4 PDF (to a temporary name first, then renamed into place)."""
    pages = group_list_pages(group, font=font)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    pages[0].save(temporary, "PDF", resolution=PDF_DPI, save_all=True, append_images=pages[1:],
                  title=f"Group list {group.batch_id}")
    os.replace(temporary, path)
    return path
