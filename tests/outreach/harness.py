"""What the outreach tests share: generated students' cards, rosters, a station config on the
simulators, the desk's devices (ID-card reader, camera) and a central service with the station
registered."""

from __future__ import annotations

import csv
import io
import queue
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import drivers.sim
from drivers.camera.driver import Camera
from drivers.idcard.driver import CardRead, CardRemoved, IdCardReader, ReaderFault
from drivers.idcard.sample_cards import SampleCard
from kiosk.config import DEFAULTS_FILE, SIMULATED_FILE, KioskConfig, load_config
from kiosk.domain.identity import id_number_check_digit
from kiosk.domain.person import Person
from kiosk.outreach.officers import create_officer
from kiosk.outreach.service import OutreachStation, open_store
from kiosk.photo import PhotoAnalyser, PhotoRules
from kiosk.services.identity_mapping import person_from_card
from tests.central.harness import CentralHarness
from wire.outreach_keys import public_bytes, write_key_file

STATION_ID = "OUTR01"
OFFICER_ID, OFFICER_PIN = "OF001", "246813"
SECOND_OFFICER_ID, SECOND_OFFICER_PIN = "OF002", "864207"
SUPERVISOR_ID, SUPERVISOR_PIN = "SV001", "975318"
STATION_SECRET = "3c" * 32
CAMERA_IMAGE = "sim:assets/sim/camera/frame-07.jpg"   # the simulated applicant in a compliant pose

_SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN = ("子涵", "浩然", "雨桐", "梓轩", "欣怡", "一诺", "思远", "可馨", "宇航", "佳琪")


def student_card(n: int, *, prefix: str = "440106", born: date | None = None, valid_until: str = "20350101",
                 name: str | None = None) -> SampleCard:
    """The ``n``-th generated student (n >= 1): a Guangzhou resident born 2003-2005, a valid card."""
    born = born or date(2003, 1, 1) + timedelta(days=37 * n)
    first17 = f"{prefix}{born:%Y%m%d}{100 + n % 900:03d}"
    return SampleCard(key=f"student{n}", marker=" ", name=name or _SURNAMES[n % len(_SURNAMES)] + _GIVEN[n % 10],
                      sex_code="1" if n % 2 else "2", birth=f"{born:%Y%m%d}",
                      id_number=first17 + id_number_check_digit(first17), valid_from="20200101",
                      valid_until=valid_until, ethnic_code="01", address="广东省广州市天河区示例大学路1号",
                      authority="广州市公安局天河分局")


def phone_of(n: int) -> str:
    return f"1390000{n:04d}"


def roster_csv(cards: Sequence[SampleCard], *, extra_rows: Sequence[Sequence[str]] = ()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "手机"])
    for n, card in enumerate(cards, 1):
        writer.writerow([card.name, card.id_number, phone_of(n)])
    for row in extra_rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def station_config(tmp: Path, *, payment_port: str = "sim://payment?ack_timeout=0.3",
                   central_url: str = "http://127.0.0.1:9", idcard_port: str = "sim://idcard?radio=0",
                   compliant_frames: int = 2, extra: str = "") -> KioskConfig:
    """The simulated station with its data in ``tmp``: fast simulators, quick photos."""
    tmp.mkdir(parents=True, exist_ok=True)
    site = tmp / "site.ini"
    site.write_text(f"""
[kiosk]
id = KIOSK001
data_dir = {tmp}/kiosk
[central]
url = {central_url}
connect_timeout = 1
read_timeout = 10
[outbox]
key_file = {tmp}/kiosk/outbox.key
[outreach]
station_id = {STATION_ID}
data_dir = {tmp}/station
key_file = {tmp}/station/store.key
signing_key_file = {tmp}/station/station.key
central_public_key_file = {tmp}/station/central-batch.pub
secret_file = {tmp}/station/central.secret
[devices.idcard]
port = {idcard_port}
poll_interval = 0.05
[devices.payment]
port = {payment_port}
ack_timeout = 0.5
response_timeout = 5
[devices.camera]
source = {CAMERA_IMAGE}
[photo]
compliant_frames = {compliant_frames}
{extra}
""", encoding="utf-8")
    return load_config([DEFAULTS_FILE, SIMULATED_FILE, site])


def add_officers(config: KioskConfig) -> None:
    store = open_store(config)
    try:
        create_officer(store, OFFICER_ID, "李警官", "officer", OFFICER_PIN)
        create_officer(store, SECOND_OFFICER_ID, "赵警官", "officer", SECOND_OFFICER_PIN)
        create_officer(store, SUPERVISOR_ID, "陈所长", "supervisor", SUPERVISOR_PIN)
    finally:
        store.close()


def register_station(central: CentralHarness, config: KioskConfig) -> None:
    """What ``kiosk-central add-station`` and ``outreach-key`` do, with the files the station reads."""
    from central.context import utc_now
    from central.outreach import register_station as register
    from wire.outreach_keys import load_or_create_signing_key

    signing = load_or_create_signing_key(config.resolve(config.outreach.signing_key_file))
    register(central.central.database, central.central.sealer, STATION_ID, public_bytes(signing), now=utc_now(),
             secret_hex=STATION_SECRET)
    write_key_file(config.resolve(config.outreach.central_public_key_file),
                   public_bytes(central.central.outreach._key), private=False)
    config.resolve(config.outreach.secret_file).write_text(STATION_SECRET + "\n", encoding="ascii")


def prepare_station(tmp: Path, **config_options: Any) -> tuple[KioskConfig, Path]:
    """A station config with its officers, and a central batch key it encrypts for: the key's
    private half is in the returned file, for the central service started later."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    config = station_config(tmp / "station", **config_options)
    add_officers(config)
    central_key = X25519PrivateKey.generate()
    key_file = tmp / "central-outreach.key"
    write_key_file(key_file, central_key.private_bytes_raw(), private=True)
    give_central_key(config, central_key)
    return config, key_file


def give_central_key(config: KioskConfig, central_private: Any) -> None:
    write_key_file(config.resolve(config.outreach.central_public_key_file), public_bytes(central_private),
                   private=False)


@dataclass
class Desk:
    """The officer's devices: the ID-card reader (simulated chip in this process) and the camera."""

    reader: IdCardReader
    camera: Camera
    analyser: PhotoAnalyser
    events: queue.Queue[Any]
    compliant_frames: int

    def present(self, card: SampleCard, timeout: float = 15.0) -> Person:
        """Take any card off the reader, lay ``card`` on it and return the person read."""
        chip = drivers.sim.instance("idcard")
        if chip.card is not None:
            chip.remove_card()
            self._wait(CardRemoved, timeout)
        self._drain()
        chip.insert_card(card)
        return person_from_card(self._wait(CardRead, timeout).record)

    def photo(self, timeout: float = 30.0) -> bytes:
        from kiosk.outreach.photo import take_photo

        return take_photo(self.camera, self.analyser, compliant_frames=self.compliant_frames, timeout=timeout).jpeg

    def _drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()

    def _wait(self, kind: type, timeout: float) -> Any:
        while True:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the reader did not report {kind.__name__} within {timeout} s") from None
            if isinstance(event, ReaderFault) and not event.card_level:
                raise AssertionError(f"reader fault {event.reason}")
            if isinstance(event, kind):
                return event


@contextmanager
def desk(config: KioskConfig) -> Iterator[Desk]:
    events: queue.Queue[Any] = queue.Queue()
    section = config.devices.idcard
    reader = IdCardReader(section.port, events.put, poll_interval=section.poll_interval,
                          read_fingerprint=False).start()
    camera = Camera(config.devices.camera.source, width=config.devices.camera.width,
                    height=config.devices.camera.height, fps=config.devices.camera.fps).start(wait=10)
    photo = config.photo
    analyser = PhotoAnalyser(PhotoRules.from_config(photo.width, photo.height, photo.jpeg_min_kb, photo.jpeg_max_kb))
    try:
        yield Desk(reader, camera, analyser, events, photo.compliant_frames)
    finally:
        reader.stop()
        camera.stop()


def checker_for(config: KioskConfig) -> Any:
    from kiosk.outreach.photo import PhotoChecker

    photo = config.photo
    return PhotoChecker(PhotoAnalyser(PhotoRules.from_config(photo.width, photo.height, photo.jpeg_min_kb,
                                                             photo.jpeg_max_kb)))


def open_station(config: KioskConfig, **kwargs: Any) -> OutreachStation:
    return OutreachStation.from_config(config, **kwargs)


@dataclass(frozen=True)
class SealedDay:
    """A small day filed and sealed in this process: the file, the keys, what was filed."""

    config: KioskConfig
    batch_id: str
    file: bytes
    central_key_file: Path
    numbers: tuple[str, ...]           # the applications, in filing order
    receipts: dict[str, str]           # application number -> the receipt's QR payload
    pos_paid: frozenset[str]           # paid by the applicant's card
    group_paid: frozenset[str]         # paid by the organiser
    photo_sha256: dict[str, str]       # application number -> SHA-256 of its photo
    refused: int


def file_day(tmp: Path, *, students: int = 5) -> SealedDay:
    """File ``students`` roster students (odd ones pay by card, even ones are group-paid), refuse a
    walk-in with an expired card, leave one roster student absent; pay for the group; seal."""
    import hashlib

    from kiosk.domain.catalogue import ItemChoice
    from kiosk.outreach.service import ApplicantDetails, payments_from_config
    from kiosk.outreach.store import BatchDetails

    config, key_file = prepare_station(tmp)
    store = open_store(config)
    station = OutreachStation.from_config(config, store=store, payments=payments_from_config(config, store),
                                          photo_checker=checker_for(config))
    try:
        officer = station.desk.sign_in(OFFICER_ID, OFFICER_PIN).officer
        assert officer is not None
        batch = station.create_batch(officer, BatchDetails(
            "示例大学 2026级留学班", "周老师", "13800138000", ItemChoice("passport"), destination="英国",
            purpose="study", occupation="student"))
        cards = [student_card(n) for n in range(1, students + 2)]  # the last one stays away
        station.import_roster(officer, batch.batch_id, roster_csv(cards))
        numbers, receipts, pos, group, photos = [], {}, set(), set(), {}
        with desk(config) as devices:
            for n, card in enumerate(cards[:students], 1):
                person = devices.present(card)
                match = station.match_card(batch.batch_id, person)
                assert match.row is not None and match.refusal is None
                jpeg = devices.photo()
                filed = station.file_application(officer, batch.batch_id, match.row.row_id, person,
                                                 ApplicantDetails(phone_of(n), "张三", "13912345678"),
                                                 photo_jpeg=jpeg, consent=True,
                                                 payment_mode="pos" if n % 2 else "group")
                if filed.payment_mode == "pos":
                    assert station.pay(officer, filed.application_no).status == "paid"
                    pos.add(filed.application_no)
                else:
                    group.add(filed.application_no)
                numbers.append(filed.application_no)
                receipts[filed.application_no] = filed.progress_payload
                photos[filed.application_no] = hashlib.sha256(jpeg).hexdigest()
            expired = student_card(90, valid_until="20240101", name="过期卡")
            person = devices.present(expired)
            match = station.match_card(batch.batch_id, person)
            assert match.row is None and match.refusal is not None and match.refusal.code == "card_expired"
            row = station.add_walk_in(officer, batch.batch_id, person)
            station.refuse(officer, batch.batch_id, row.row_id, match.refusal.code, "请换领身份证")
        if group:
            assert station.pay_group(officer, batch.batch_id).status == "paid"
        sealed = station.seal(batch.batch_id, SUPERVISOR_ID, SUPERVISOR_PIN)
        return SealedDay(config, batch.batch_id, sealed.path.read_bytes(), key_file, tuple(numbers), receipts,
                         frozenset(pos), frozenset(group), photos, 1)
    finally:
        station.close()


def central_with_key(tmp: Path, key_file: Path, database_url: str | None = None) -> CentralHarness:
    """A central service (SQLite unless ``database_url``, serving) whose outreach key is ``key_file``'s."""
    from kiosk.config import REPO_ROOT

    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "outreach.key").write_bytes(key_file.read_bytes())
    harness = CentralHarness.build(database_url or f"sqlite:///{tmp / 'central.sqlite3'}", tmp,
                                   catalogue=REPO_ROOT / "config" / "catalogue.json")
    harness.serve()
    return harness
