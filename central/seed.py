"""Demo data for ``make demo`` and for trying the service by hand (``kiosk-central seed-demo``).

Idempotent: running it again keeps what is there, re-registers the demo kiosk with the secret
already in its file, and adds only missing notices and slots.

History: the simulated ID-card reader's default card (``adult`` in drivers/idcard/sample_cards.py,
a Beijing resident, so not local to the demo hall's 4401 region) has an HK/Macao permit and an
endorsement on record, as someone who went to the counter once would. The catalogue's counter rule
"first endorsement of a non-local resident" therefore lets the demo's ordinary adult renew an
endorsement at the kiosk, while any other non-local card is still sent to the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from central.appointments import SERVICES, create_slots
from central.console.staff_auth import StaffAuth
from central.db import Database
from central.kiosks import add_kiosk, new_secret, read_secret_file, write_secret_file
from central.models import Notice
from central.notices import NoticeFields, save_notice
from central.photos import record_issued
from central.sealing import Sealer
from wire import kiosk_ini

DEMO_STAFF_USER = "staff"
DEMO_STAFF_PASSWORD = "kiosk-demo-2468"

DEMO_NOTICES = [
    NoticeFields("澳门高校就读学生签注新规", "New endorsement rules for students at Macao universities",
                 "在澳门高校就读的内地学生，可凭录取通知书办理逗留签注，有效期最长一年。",
                 "Mainland students admitted to Macao universities may apply for a stay endorsement valid for "
                 "up to one year with their admission letter.", position=1),
    NoticeFields("自助终端可办理港澳再次签注", "Renew HK/Macao endorsements at the kiosks",
                 "持有效往来港澳通行证的居民可在自助终端办理团队旅游、个人旅游签注，当场缴费。",
                 "Residents with a valid permit can renew group-tour and individual-tour endorsements here and "
                 "pay by bank card.", position=2),
    NoticeFields("证件可邮寄到家", "Documents can be posted to your home",
                 "办理时选择邮寄，证件制好后由邮政寄出，可凭回执二维码查询邮件号。",
                 "Choose postal delivery when you apply; scan your receipt's QR code for the tracking number.",
                 position=3),
]

# ID number -> item codes issued before. The number is the simulator's sample card "adult"
# (drivers/idcard/sample_cards.py; a test checks they agree): fictional, with a valid check digit.
DEMO_HISTORY: dict[str, list[str]] = {
    "110105198506150356": ["hkmo_permit", "hkmo_endorsement"],
}

SLOT_TIMES = [("09:00", "09:30"), ("09:30", "10:00"), ("10:00", "10:30"), ("14:00", "14:30"), ("14:30", "15:00")]


@dataclass(frozen=True)
class SeedResult:
    kiosk_id: str
    secret_file: Path
    staff_user: str
    staff_password: str
    notices_added: int
    slots_added: int
    histories: int = 0


def seed_demo(database: Database, sealer: Sealer, *, kiosk_id: str, secret_file: Path, now: datetime,
              today: date, days: int = 10) -> SeedResult:
    secret = read_secret_file(secret_file)
    if secret is None:
        secret = new_secret()
        write_secret_file(secret_file, secret)
    add_kiosk(database, sealer, kiosk_id, now=now, name="Demo kiosk 演示终端", secret_hex=secret, rotate=True)
    StaffAuth(database, lambda: now).create_staff(DEMO_STAFF_USER, DEMO_STAFF_PASSWORD, "Demo staff 演示员",
                                                  replace=True)
    notices_added = 0
    with database.read() as session:
        existing = session.scalar(select(func.count()).select_from(Notice)) or 0
    if not existing:
        for fields in DEMO_NOTICES:
            save_notice(database, None, fields, actor="seed-demo", now=now)
            notices_added += 1
    slots_added = 0
    for offset in range(days):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for service in SERVICES:
            slots_added += create_slots(database, service, day, SLOT_TIMES, capacity=3)
    with database.write() as session:
        for id_number, codes in DEMO_HISTORY.items():
            record_issued(session, sealer, id_number=id_number, codes=codes, now=now)
    return SeedResult(kiosk_id, secret_file, DEMO_STAFF_USER, DEMO_STAFF_PASSWORD, notices_added, slots_added,
                      len(DEMO_HISTORY))


# -- which kiosk the demo registers -------------------------------------------------------------------
class KioskConfigError(ValueError):
    """A kiosk configuration file that cannot be read, or lacks the keys the demo needs."""


@dataclass(frozen=True)
class DemoKiosk:
    """The kiosk id and the secret file path the kiosk configuration names."""

    kiosk_id: str
    secret_file: Path


def demo_kiosk(files: list[str] | None, environ: dict[str, str] | None = None) -> DemoKiosk:
    """``[kiosk] id`` and ``[central] secret_file`` of the kiosk configuration the kiosk would read:
    its defaults, then ``files``, or (without files) the simulated overlay and the ``KIOSK_CONFIG``
    files (:mod:`wire.kiosk_ini`). The central service does not import the kiosk; the kiosk checks
    every other key itself when it starts."""
    try:
        merged = kiosk_ini.read_layered(kiosk_ini.config_files(files, simulated=not files, environ=environ))
        kiosk_id = merged["kiosk"]["id"][0].strip()
        secret = Path(merged["central"]["secret_file"][0].strip())
    except kiosk_ini.IniError as exc:
        raise KioskConfigError(str(exc)) from None
    except KeyError as exc:
        raise KioskConfigError(f"no {exc.args[0]} in the kiosk configuration") from None
    return DemoKiosk(kiosk_id, kiosk_ini.resolve(secret))
