"""The outreach station's service: what the officer's screens call, below the session and the UI.

One :class:`OutreachStation` per laptop. Every call is blocking and returns a frozen result (the UI
runs it on a worker lane and posts the result as its event); refusals are exceptions with a code
and a message for the officer. The order of a day (docs/outreach.md):

1. ``desk.sign_in(officer_id, pin)`` -> :class:`~kiosk.outreach.officers.SignInResult`;
2. ``create_batch(officer, BatchDetails)`` and ``import_roster(officer, batch, bytes, filename)``
   -> :class:`RosterImport` (rows added, bad rows with their reasons);
3. per applicant: ``match_card(batch, person)`` -> :class:`CardMatch` (roster row, eligibility
   refusal, guardian needed), then ``add_walk_in`` or ``refuse``, or ``file_application(...)`` ->
   :class:`FiledApplication`, then ``pay(officer, number)`` (the POS terminal, the kiosk's
   :class:`~kiosk.services.payments.PaymentService`: same journal, same recovery) unless the
   organiser pays;
4. ``pay_group(officer, batch)``: the organiser's single payment for every group-paid applicant;
5. ``seal(batch, supervisor_id, pin)`` -> :class:`~kiosk.outreach.handover.SealedBatch` (the
   signed, encrypted batch file), ``export(...)``, later ``sync(api, batch)``.

Eligibility, the guardian rule, the fields' checks and the fees are the kiosk's own
(:mod:`kiosk.domain`); the application is the kiosk's :class:`~kiosk.domain.application.Application`
turned into the same body the kiosk files, so the central service reads it as any other.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from drivers.errors import DeviceUnavailable
from drivers.payment.crashpoint import crash_point
from drivers.payment.results import Prompt
from kiosk.domain.application import (
    Application,
    Collection,
    Consent,
    Guardian,
    InvalidFields,
    PhotoChoice,
    clean,
    expected_ready,
    form_needs,
    normalise_phone,
    parse_contact,
)
from kiosk.domain.catalogue import Catalogue, load_catalogue
from kiosk.domain.eligibility import (
    GUARDIAN_REQUIRED,
    Refusal,
    check_applicant,
    check_guardian,
    check_items,
    is_relationship,
    needs_guardian,
)
from kiosk.domain.fees import FeeBreakdown, compute_fees
from kiosk.domain.person import Person
from kiosk.outreach.errors import NotEligible, OutreachError
from kiosk.outreach.officers import OfficerDesk
from kiosk.outreach.photo import PhotoChecker
from kiosk.outreach.reasons import OFFICER_REASONS
from kiosk.outreach.roster import RosterEntry, RosterProblem, parse_roster
from kiosk.outreach.store import (
    ApplicationRecord,
    BatchDetails,
    BatchRecord,
    Officer,
    PaymentMode,
    RosterRow,
    StationStore,
    StoreError,
)
from kiosk.services.application_payload import application_payload
from kiosk.services.outbox import load_or_create_key
from kiosk.services.payment_journal import PaymentJournal
from kiosk.services.payments import PaymentOutcome, PaymentService, terminal_from_config
from wire.outreach_keys import KeyFileError, load_batch_public_key, load_or_create_signing_key, public_bytes

log = logging.getLogger("kiosk.outreach")

TERMINAL_OPEN_WAIT = 2.0
NAME_MAX = 60

@dataclass(frozen=True)
class StationIdentity:
    """The station's id (it starts every application number) and its signing key."""

    station_id: str
    signing_key: Ed25519PrivateKey = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return public_bytes(self.signing_key)


@dataclass(frozen=True)
class RosterImport:
    """What an import did: rows added, and every row not added with its line and reason."""

    batch_id: str
    rows_read: int
    added: int
    problems: tuple[RosterProblem, ...]


@dataclass(frozen=True)
class CardMatch:
    """A card read at the desk against the batch: the roster row (None: not on the roster),
    whether the card's name agrees with the roster's, whether the person was already served, the
    kiosk's eligibility refusal if any, and whether a guardian must come with them."""

    person: Person = field(repr=False)
    row: RosterRow | None = field(repr=False)
    name_matches: bool
    already: Literal["filed", "awaiting_payment", "refused"] | None
    refusal: Refusal | None
    needs_guardian: bool


@dataclass(frozen=True)
class ApplicantDetails:
    """The few fields not shared with the group (``occupation`` empty: the batch's default)."""

    mobile: str = field(repr=False)
    emergency_name: str = field(repr=False)
    emergency_phone: str = field(repr=False)
    occupation: str = ""


@dataclass(frozen=True)
class FiledApplication:
    """A filed application, for the receipt: number, QR payload, fees, when it is ready, how paid."""

    application_no: str
    batch_id: str
    progress_payload: str = field(repr=False)
    fees: FeeBreakdown
    expected_ready: date
    payment_mode: PaymentMode
    state: Literal["awaiting_payment", "filed"]


@dataclass(frozen=True)
class RosterView:
    """The roster screen: every row (in roster order) and the counts by state."""

    batch: BatchRecord
    rows: tuple[RosterRow, ...] = field(repr=False)
    counts: Mapping[str, int]
    applications: Mapping[str, ApplicationRecord]


@dataclass(frozen=True)
class Resumption:
    """What a restarted station finds unfinished: applications waiting for their payment (the
    applicant may still be at the desk: pay again or abandon) and organiser payments awaited."""

    awaiting_payment: tuple[ApplicationRecord, ...]
    group_payments_awaited: tuple[str, ...]


def payments_from_config(config: Any, store: StationStore, *,
                         on_event: Callable[[object], None] | None = None) -> PaymentService:
    """The kiosk's payment service for the station: its terminal (``[devices.payment]``, with the
    station id as the terminal's kiosk id), its own journal in the station's data directory, the
    station store as the ledger. The terminal's port is opened (a missing terminal is retried in
    the background, as at the kiosk)."""
    station_config = replace(config, kiosk=replace(config.kiosk, id=config.outreach.station_id))
    terminal = terminal_from_config(station_config)
    journal = PaymentJournal(config.resolve(config.outreach.data_dir) / "payments.db")
    try:
        terminal.start(wait=TERMINAL_OPEN_WAIT)
    except DeviceUnavailable:
        log.warning("outreach: the payment terminal is not reachable yet; it is retried in the background")
    return PaymentService(terminal, journal, store, kiosk_id=config.outreach.station_id, on_event=on_event)


class OutreachStation:
    """The station's service (thread-safe through the store; one officer action at a time is expected)."""

    def __init__(self, *, store: StationStore, identity: StationIdentity, catalogue: Catalogue,
                 data_dir: Path, central_public: X25519PublicKey | None = None,
                 central_public_key_file: Path | None = None,
                 payments: PaymentService | None = None, photo_checker: PhotoChecker | None = None,
                 group_payment: bool = True, max_attempts: int = 5, lockout_seconds: float = 300.0,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self.store = store
        self.identity = identity
        self.catalogue = catalogue
        self.data_dir = Path(data_dir)
        self._central_public = central_public
        self.central_public_key_file = central_public_key_file
        self.payments = payments
        self.photo_checker = photo_checker
        self.group_payment_allowed = group_payment
        self.desk = OfficerDesk(store, max_attempts=max_attempts, lockout_seconds=lockout_seconds)
        self._clock = clock

    @classmethod
    def from_config(cls, config: Any, *, payments: PaymentService | None = None,
                    photo_checker: PhotoChecker | None = None, store: StationStore | None = None,
                    catalogue: Catalogue | None = None,
                    clock: Callable[[], datetime] = datetime.now) -> OutreachStation:
        section = config.outreach
        data_dir = config.resolve(section.data_dir)
        store = store or open_store(config)
        identity = StationIdentity(section.station_id,
                                   load_or_create_signing_key(config.resolve(section.signing_key_file)))
        catalogue = catalogue or load_catalogue(config.resolve(config.session.catalogue))
        return cls(store=store, identity=identity, catalogue=catalogue,
                   data_dir=data_dir, central_public_key_file=config.resolve(section.central_public_key_file),
                   payments=payments, photo_checker=photo_checker,
                   group_payment=section.group_payment, max_attempts=section.max_attempts,
                   lockout_seconds=section.lockout_seconds, clock=clock)

    @property
    def central_public(self) -> X25519PublicKey | None:
        """The central service's batch key; read when first needed, so a key file copied onto the
        laptop after start-up is found (filing needs no key; only sealing does)."""
        if self._central_public is None and self.central_public_key_file is not None:
            try:
                self._central_public = load_batch_public_key(self.central_public_key_file)
            except KeyFileError:
                return None
        return self._central_public

    @property
    def station_id(self) -> str:
        return self.identity.station_id

    def now(self) -> datetime:
        return self._clock()

    def today(self) -> date:
        return self._clock().date()

    # -- start of day -----------------------------------------------------------------------------

    def resume(self) -> Resumption:
        """After a start (or a crash): resolve the terminal's unfinished payments first (the
        payment service's recovery, which attaches approved sales to their application), then say
        what is still waiting."""
        if self.payments is not None:
            report = self.payments.start()
            if report.unresolved:
                log.warning("outreach: %d payment(s) still unresolved after recovery", len(report.unresolved))
        waiting = tuple(self.store.applications(state="awaiting_payment"))
        groups = tuple(b.batch_id for b in self.store.batches() if b.group_state == "awaiting_payment")
        return Resumption(waiting, groups)

    # -- batches ----------------------------------------------------------------------------------

    def create_batch(self, officer: Officer, details: BatchDetails) -> BatchRecord:
        """Open a batch after checking what the group shares against the catalogue."""
        errors: dict[str, str] = {}
        name = " ".join(clean(details.name).split())
        if not name:
            errors["name"] = "required"
        elif len(name) > NAME_MAX:
            errors["name"] = "too_long"
        organiser = " ".join(clean(details.organiser_name).split())
        if not organiser:
            errors["organiser_name"] = "required"
        phone = normalise_phone(details.organiser_phone)
        if phone is None:
            errors["organiser_phone"] = "required" if not clean(details.organiser_phone) else "invalid"
        choice = self.catalogue.complete(details.service)
        if self.catalogue.problems([choice]):
            errors["service"] = self.catalogue.problems([choice])[0].code
        else:
            # parse_contact is where these rules live: ask it, with placeholders for the personal fields.
            needs = form_needs(self.catalogue, [choice])
            probe = {"mobile": "13800000000", "emergency_name": "张三", "emergency_phone": "13900000000",
                     "occupation": details.occupation or self.catalogue.occupations[0].code,
                     "destination": details.destination, "purpose": details.purpose}
            try:
                contact = parse_contact(probe, self.catalogue, [choice])
            except InvalidFields as exc:
                errors.update({k: v for k, v in exc.errors.items() if k in ("destination", "purpose", "occupation")
                               and (k != "occupation" or details.occupation)})
            else:
                details = replace(details, destination=contact.destination if needs["destination"] else "",
                                  purpose=contact.purpose)
        if errors:
            raise InvalidFields(errors)
        assert phone is not None
        details = replace(details, name=name, organiser_name=organiser, organiser_phone=phone, service=choice)
        return self._batch(self.store.create_batch(details, officer.officer_id))

    def _batch(self, batch_id: str) -> BatchRecord:
        batch = self.store.batch(batch_id)
        if batch is None:
            raise OutreachError("unknown_batch", f"no batch {batch_id} on this station")
        return batch

    def _open_batch(self, batch_id: str) -> BatchRecord:
        batch = self._batch(batch_id)
        if batch.state != "open" or batch.details is None:
            raise OutreachError("batch_sealed", f"batch {batch_id} is sealed; start a new batch for more applicants")
        return batch

    def import_roster(self, officer: Officer, batch_id: str, data: bytes, filename: str = "") -> RosterImport:
        """Add a CSV or XLSX roster's good rows; every other row is listed with its reason
        (:class:`~kiosk.outreach.roster.RosterFileError` when the file as a whole is unusable)."""
        self._open_batch(batch_id)
        parsed = parse_roster(data, filename, today=self.today())
        added, known = self.store.add_roster_entries(batch_id, parsed.entries, officer.officer_id)
        problems = tuple(sorted((*parsed.problems, *known), key=lambda p: p.line))
        log.info("outreach: roster for %s: %d rows read, %d added, %d not added", batch_id, parsed.rows_read,
                 len(added), len(problems))
        return RosterImport(batch_id, parsed.rows_read, len(added), problems)

    def roster_view(self, batch_id: str) -> RosterView:
        batch = self._batch(batch_id)
        rows = tuple(self.store.roster(batch_id))
        counts = {state: sum(1 for r in rows if r.state == state)
                  for state in ("pending", "awaiting_payment", "filed", "refused")}
        apps = {a.application_no: a for a in self.store.applications(batch_id)}
        return RosterView(batch, rows, counts, apps)

    # -- one applicant ----------------------------------------------------------------------------

    def match_card(self, batch_id: str, person: Person) -> CardMatch:
        """The card just read, against the batch's roster and the kiosk's rules."""
        batch = self._open_batch(batch_id)
        assert batch.details is not None
        row = self.store.find_roster_row(batch_id, person.document_number) if person.document_number else None
        today = self.today()
        refusal = check_applicant(person, today) or check_items(
            person, [batch.details.service], today, self.catalogue.eligibility, None)
        already = row.state if row is not None and row.state != "pending" else None
        name_matches = row is None or _same_name(row.name, person.name)
        return CardMatch(person, row, name_matches, already, refusal,  # type: ignore[arg-type]
                         refusal is None and needs_guardian(person, today, self.catalogue.eligibility))

    def add_walk_in(self, officer: Officer, batch_id: str, person: Person, phone: str | None = None) -> RosterRow:
        """Someone not on the roster: add them (then file, or refuse with the reason)."""
        self._open_batch(batch_id)
        entry = RosterEntry(0, person.name, person.document_number, phone)
        added, problems = self.store.add_roster_entries(batch_id, [entry], officer.officer_id, source="walk_in")
        if problems:
            raise OutreachError("already_on_roster", "this person is already on the batch's roster")
        row = self.store.roster_row(added[0])
        assert row is not None
        return row

    def refuse(self, officer: Officer, batch_id: str, row_id: int, reason: str, note: str = "") -> RosterRow:
        """Refuse a roster row, with a reason code (an eligibility refusal's or one of
        :data:`OFFICER_REASONS`) and an optional note."""
        self._open_batch(batch_id)
        if reason not in OFFICER_REASONS and not reason.replace("_", "").isalnum():
            raise OutreachError("unknown_reason", f"unknown refusal reason {reason!r}")
        try:
            self.store.refuse(batch_id, row_id, reason[:40], clean(note)[:200], officer.officer_id)
        except StoreError as exc:
            raise OutreachError("cannot_refuse", str(exc)) from None
        row = self.store.roster_row(row_id)
        assert row is not None
        return row

    def file_application(self, officer: Officer, batch_id: str, row_id: int, person: Person,
                         details: ApplicantDetails, *, photo_jpeg: bytes | None, consent: bool,
                         payment_mode: PaymentMode = "pos", guardian: Guardian | None = None,
                         language: str | None = None) -> FiledApplication:
        """File one applicant's application in the station store, before any payment: checked with
        the kiosk's rules (eligibility, guardian, fields, photo), numbered, sealed. ``pos``: the
        applicant pays now (:meth:`pay`); ``group``: the organiser pays for the batch later."""
        batch = self._open_batch(batch_id)
        assert batch.details is not None
        shared = batch.details
        row = self.store.roster_row(row_id)
        if row is None or row.batch_id != batch_id:
            raise OutreachError("unknown_row", f"no roster row {row_id} in batch {batch_id}")
        if row.state != "pending":
            raise OutreachError("already_served", f"this person is {row.state}")
        if self.store.lookup(row.id_number) != self.store.lookup(person.document_number):
            raise OutreachError("not_this_person", "the card read is not the card of this roster row's person")
        if not consent:
            raise OutreachError("no_consent", "the applicant has not given consent")
        if payment_mode == "group" and not self.group_payment_allowed:
            raise OutreachError("group_payment_off", "group payment is switched off on this station")
        today = self.today()
        items = (shared.service,)
        refusal = check_applicant(person, today) or check_items(person, items, today, self.catalogue.eligibility, None)
        if refusal is not None:
            raise NotEligible(refusal)
        if needs_guardian(person, today, self.catalogue.eligibility):
            if guardian is None:
                raise NotEligible(GUARDIAN_REQUIRED)
            problem = check_guardian(guardian.person, person, today, self.catalogue.eligibility)
            if problem is not None:
                raise NotEligible(problem)
            if not is_relationship(guardian.relationship, self.catalogue.eligibility):
                raise InvalidFields({"relationship": "unknown"})
        if self.catalogue.needs_photo(items):
            if not photo_jpeg:
                raise OutreachError("photo_required", "a photo is required for this application")
            if self.photo_checker is not None:
                self.photo_checker.check(photo_jpeg)  # raises PhotoRejected
        contact = parse_contact({"mobile": details.mobile, "emergency_name": details.emergency_name,
                                 "emergency_phone": details.emergency_phone,
                                 "occupation": details.occupation or shared.occupation,
                                 "destination": shared.destination, "purpose": shared.purpose},
                                self.catalogue, items)
        fees = compute_fees(self.catalogue, items)
        now = self._clock()
        ready = expected_ready(self.catalogue, today, None)
        application = Application(
            applicant=person, items=items, contact=contact, collection=Collection(shared.collection_method),
            fees=fees, consent=Consent(self.catalogue.consent_version, now), expected_ready=ready,
            catalogue_version=self.catalogue.version, guardian=guardian,
            photo=PhotoChoice("outreach-desk", "captured") if photo_jpeg else None,
            language=language or shared.language)
        body = application_payload(application, filed_at=_utc(now), photo_jpeg=photo_jpeg)
        body["details"]["outreach"] = {"station_id": self.station_id, "batch_id": batch_id,
                                       "officer_id": officer.officer_id, "payment_mode": payment_mode,
                                       "roster_source": row.source}
        crash_point("outreach.before_record")
        try:
            recorded = self.store.record_application(
                batch_id, row_id, body, fee_fen=fees.total_fen, payment_mode=payment_mode,
                officer_id=officer.officer_id,
                photo_sha256=hashlib.sha256(photo_jpeg).hexdigest() if photo_jpeg else None)
        except StoreError as exc:
            raise OutreachError("cannot_file", str(exc)) from None
        crash_point("outreach.recorded")
        state: Literal["awaiting_payment", "filed"] = "awaiting_payment" if payment_mode == "pos" else "filed"
        log.info("outreach: application %s filed in %s (%s)", recorded.application_no, batch_id, payment_mode)
        return FiledApplication(recorded.application_no, batch_id, recorded.progress_payload, fees, ready,
                                payment_mode, state)

    # -- payments ---------------------------------------------------------------------------------

    def _payments(self) -> PaymentService:
        if self.payments is None:
            raise OutreachError("no_terminal", "this station has no payment terminal")
        return self.payments

    def pay(self, officer: Officer, application_no: str,
            on_prompt: Callable[[Prompt], None] | None = None) -> PaymentOutcome:
        """The applicant pays their own fee on the POS terminal (a declined card may be retried)."""
        record = self.store.application(application_no)
        if record is None or record.payment_mode != "pos":
            raise OutreachError("not_payable", f"{application_no} is not an application paid at the terminal")
        self._open_batch(record.batch_id)
        self.store.record_event(officer.officer_id, "payment_started", record.batch_id, application_no)
        return self._payments().pay(application_no, record.fee_fen, on_prompt)

    def abandon_payment(self, officer: Officer, application_no: str) -> None:
        """The applicant cannot pay: the application is dropped (its data erased) and the roster row
        is pending again (file again later, or refuse with a reason)."""
        self.store.record_event(officer.officer_id, "abandon_requested", None, application_no)
        self.store.mark_abandoned(application_no)

    def pay_group(self, officer: Officer, batch_id: str,
                  on_prompt: Callable[[Prompt], None] | None = None) -> PaymentOutcome:
        """The organiser pays once for every group-paid application of the batch (the amount is
        fixed now: applicants filed after this pay at the terminal themselves)."""
        self._open_batch(batch_id)
        try:
            amount = self.store.begin_group_payment(batch_id, officer.officer_id)
        except StoreError as exc:
            raise OutreachError("no_group_payment", str(exc)) from None
        return self._payments().pay(batch_id, amount, on_prompt)

    def cancel_group_payment(self, officer: Officer, batch_id: str) -> None:
        self.store.record_event(officer.officer_id, "group_payment_cancel_requested", batch_id)
        self.store.mark_abandoned(batch_id)

    def receipt_payload(self, application_no: str) -> str | None:
        """The receipt's QR payload again (a reprint)."""
        return self.store.receipt_code(application_no)

    # -- the end of the day -----------------------------------------------------------------------

    def batches_dir(self) -> Path:
        return self.data_dir / "batches"

    def batch_file(self, batch_id: str) -> Path:
        return self.batches_dir() / f"{batch_id}.eekb"

    def seal(self, batch_id: str, supervisor_id: str, pin: str) -> Any:
        """The supervisor's second sign-in seals the batch into its signed, encrypted file."""
        from kiosk.outreach.handover import seal_batch_file

        return seal_batch_file(self, batch_id, supervisor_id, pin)

    def export(self, officer: Officer, batch_id: str, directory: Path) -> Path:
        """Copy the sealed batch file to ``directory`` (a USB stick), synced and checked."""
        from kiosk.outreach.handover import export_batch_file

        return export_batch_file(self, officer, batch_id, directory)

    def sync(self, api: Any, batch_id: str, *, limit: int | None = None) -> Any:
        """Send the sealed batch over the network (resumable, idempotent per entry)."""
        from kiosk.outreach.handover import sync_batch

        return sync_batch(self, api, batch_id, limit=limit)

    def group_list(self, batch_id: str) -> Any:
        """The organiser's list: who filed, receipt numbers, fees (print it or write a PDF)."""
        from kiosk.outreach.group_list import build_group_list

        return build_group_list(self, batch_id)

    def close(self) -> None:
        if self.payments is not None:
            self.payments.terminal.stop()
            self.payments.journal.close()
        self.store.close()


def open_store(config: Any) -> StationStore:
    """The station store in ``[outreach] data_dir`` with the key from ``[outreach] key_file``."""
    section = config.outreach
    return StationStore(config.resolve(section.data_dir) / "station.sqlite3",
                        load_or_create_key(config.resolve(section.key_file)), station_id=section.station_id)


def _same_name(a: str, b: str) -> bool:
    return "".join(clean(a).split()).upper() == "".join(clean(b).split()).upper()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.astimezone().astimezone(UTC)

