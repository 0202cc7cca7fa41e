"""Notices for the kiosks' attract screen, in Chinese and English, edited in the staff console."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, or_, select

from central.db import Database
from central.models import Notice
from central.schemas import LocalText, NoticeOut


@dataclass(frozen=True)
class NoticeFields:
    title_zh: str
    title_en: str
    body_zh: str = ""
    body_en: str = ""
    active: bool = True
    starts_on: date | None = None
    ends_on: date | None = None
    position: int = 0

    def problems(self) -> list[str]:
        found = []
        if not self.title_zh.strip() or not self.title_en.strip():
            found.append("a notice needs a Chinese and an English title")
        if len(self.title_zh) > 200 or len(self.title_en) > 200:
            found.append("titles are at most 200 characters")
        if len(self.body_zh) > 4000 or len(self.body_en) > 4000:
            found.append("texts are at most 4000 characters")
        if "\x00" in self.title_zh + self.title_en + self.body_zh + self.body_en:
            found.append("NUL characters are not allowed")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            found.append("the end date is before the start date")
        return found


def to_out(notice: Notice) -> NoticeOut:
    return NoticeOut(id=notice.id, title=LocalText(zh=notice.title_zh, en=notice.title_en),
                     body=LocalText(zh=notice.body_zh, en=notice.body_en), starts_on=notice.starts_on,
                     ends_on=notice.ends_on, updated_at=notice.updated_at)


def active_notices(database: Database, today: date) -> list[NoticeOut]:
    with database.read() as session:
        rows = session.scalars(
            select(Notice).where(Notice.active.is_(True),
                                 or_(Notice.starts_on.is_(None), Notice.starts_on <= today),
                                 or_(Notice.ends_on.is_(None), Notice.ends_on >= today))
            .order_by(Notice.position, Notice.id))
        return [to_out(n) for n in rows]


def all_notices(database: Database) -> list[Notice]:
    with database.read() as session:
        return list(session.scalars(select(Notice).order_by(Notice.position, Notice.id)))


def save_notice(database: Database, notice_id: int | None, fields: NoticeFields, *, actor: str,
                now: datetime) -> int:
    """Create (``notice_id`` None) or replace a notice; returns its id. Raises ValueError with the
    problems when the fields are not acceptable, LookupError for an unknown id."""
    problems = fields.problems()
    if problems:
        raise ValueError("; ".join(problems))
    with database.write() as session:
        notice = Notice() if notice_id is None else session.get(Notice, notice_id)
        if notice is None:
            raise LookupError(notice_id)
        for name, value in vars(fields).items():
            setattr(notice, name, value)
        notice.updated_at = now
        notice.updated_by = actor
        session.add(notice)
        session.flush()
        return notice.id


def delete_notice(database: Database, notice_id: int) -> None:
    with database.write() as session:
        session.execute(delete(Notice).where(Notice.id == notice_id))
