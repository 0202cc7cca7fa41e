"""Kiosk heartbeats and the fleet view: which kiosk is alive, and which device needs a person.

Device states use the shared vocabulary (contracts.md): ``ok``, ``degraded``, ``offline`` plus
detail codes; for printers ``MediaLow`` (paper low) is a warning and ``MediaEmpty``, ``MediaJam``,
``DoorOpen``, ``Offline`` are faults. A kiosk whose last heartbeat is older than
``STALE_AFTER`` is shown as not reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from central.db import Database
from central.models import Heartbeat, Kiosk
from central.schemas import HeartbeatAck, HeartbeatIn

STALE_AFTER = timedelta(minutes=5)
KEEP_HEARTBEATS = timedelta(days=7)
WARNING_CODES = frozenset({"MediaLow"})
FAULT_CODES = frozenset({"MediaEmpty", "MediaJam", "DoorOpen", "Offline"})
_last_prune: dict[str, datetime] = {}  # when this process last pruned the heartbeat history


def record_heartbeat(database: Database, *, kiosk_id: str, body: HeartbeatIn, now: datetime) -> HeartbeatAck:
    health = body.model_dump(mode="json")
    last = _last_prune.get("at")
    prune = last is None or now - last > timedelta(hours=1)
    if prune:
        _last_prune["at"] = now
    with database.write() as session:
        session.add(Heartbeat(kiosk_id=kiosk_id, received_at=now, sent_at=body.sent_at, health=health))
        session.execute(update(Kiosk).where(Kiosk.id == kiosk_id).values(last_heartbeat_at=now, last_health=health))
        if prune:  # keep the history bounded: once an hour per process is plenty
            session.execute(delete(Heartbeat).where(Heartbeat.received_at < now - KEEP_HEARTBEATS))
    return HeartbeatAck(received_at=now, server_time=now)


@dataclass(frozen=True)
class DeviceRow:
    name: str
    state: str
    detail: tuple[str, ...]
    message: str
    level: str  # "ok", "warning" or "fault": how the console highlights it


@dataclass(frozen=True)
class KioskRow:
    kiosk_id: str
    name: str
    enabled: bool
    last_heartbeat_at: datetime | None
    reporting: bool
    software_version: str
    devices: tuple[DeviceRow, ...]
    outbox: dict[str, int]
    level: str


def device_level(state: str, detail: tuple[str, ...]) -> str:
    if state == "offline" or FAULT_CODES & set(detail):
        return "fault"
    if state == "degraded" or WARNING_CODES & set(detail):
        return "warning"
    return "ok"


def fleet(database: Database, now: datetime) -> list[KioskRow]:
    with database.read() as session:
        kiosks = list(session.scalars(select(Kiosk).order_by(Kiosk.id)))
    rows = []
    for kiosk in kiosks:
        health: dict[str, Any] = kiosk.last_health or {}
        devices = tuple(
            DeviceRow(name=name, state=str(d.get("state", "")), detail=tuple(d.get("detail", [])),
                      message=str(d.get("message", "")),
                      level=device_level(str(d.get("state", "")), tuple(d.get("detail", []))))
            for name, d in sorted(health.get("devices", {}).items()))
        reporting = kiosk.last_heartbeat_at is not None and now - kiosk.last_heartbeat_at <= STALE_AFTER
        outbox = {str(k): int(v) for k, v in health.get("outbox", {}).items()}
        levels = {d.level for d in devices}
        level = ("fault" if not reporting or "fault" in levels or outbox.get("failed", 0)
                 else "warning" if "warning" in levels else "ok")
        rows.append(KioskRow(kiosk_id=kiosk.id, name=kiosk.name, enabled=kiosk.enabled,
                             last_heartbeat_at=kiosk.last_heartbeat_at, reporting=reporting,
                             software_version=str(health.get("software_version", "")), devices=devices,
                             outbox=outbox, level=level))
    return rows
