"""Everything one central service process holds: database, key, verifier, services, clock.

Built once by :func:`central.app.create_app` and reached by endpoints through ``request.app.state``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from central.applications import ApplicationService
from central.catalogue import CatalogueFile
from central.code_payments import CodePaymentService
from central.console.staff_auth import StaffAuth
from central.db import Database
from central.gateway.config import load_gateway
from central.gateway.interface import PaymentGateway
from central.kiosk_auth import KioskVerifier
from central.outreach import OutreachService
from central.sealing import Sealer, load_or_create_key
from central.settings import CentralSettings
from central.sms import SmsDispatcher, SmsSender, load_sms_sender
from wire.outreach_keys import load_or_create_batch_key


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """The hall's calendar day (the server runs in the hall's time zone)."""
    return datetime.now().astimezone().date()


@dataclass
class Central:
    settings: CentralSettings
    database: Database
    sealer: Sealer
    verifier: KioskVerifier
    applications: ApplicationService
    sms: SmsDispatcher
    catalogue: CatalogueFile
    staff: StaffAuth
    code_payments: CodePaymentService
    outreach: OutreachService
    clock: Callable[[], datetime] = field(default=utc_now)
    today: Callable[[], date] = field(default=local_today)

    @classmethod
    def build(cls, settings: CentralSettings, *, sms_sender: SmsSender | None = None,
              database: Database | None = None, gateway: PaymentGateway | None = None) -> Central:
        database = database or Database(settings.database_url)
        sealer = Sealer(load_or_create_key(settings.key_file))
        sms = SmsDispatcher(database, sealer, sms_sender or load_sms_sender(settings.sms_sender),
                            poll_interval=settings.sms_poll_interval)
        applications = ApplicationService(database, sealer, clock=utc_now, today=local_today, on_sms=sms.wake)
        if gateway is None and settings.gateway_file is not None:
            gateway = load_gateway(settings.gateway_file)
        code_payments = CodePaymentService(database, sealer, gateway, clock=utc_now,
                                           lease_seconds=settings.code_lease_seconds)
        applications.code_payments = code_payments
        outreach = OutreachService(database, sealer, applications, load_or_create_batch_key(settings.outreach_key_path),
                                   clock=utc_now, today=local_today)
        return cls(settings=settings, database=database, sealer=sealer, verifier=KioskVerifier(database, sealer),
                   applications=applications, sms=sms, catalogue=CatalogueFile(settings.catalogue_file),
                   staff=StaffAuth(database, utc_now), code_payments=code_payments, outreach=outreach)
