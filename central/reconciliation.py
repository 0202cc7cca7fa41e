"""Daily reconciliation: a kiosk's list of the day's approved card and code payments against the central record.

The kiosk sends one report per business day (``PUT``, so sending it again replaces it). The answer
names every reference the central service has not seen (usually an application still queued in
the kiosk's outbox: send the report after the outbox has drained), every payment the central
service holds that the kiosk did not list, and every amount that differs. "The day" is the hall's
calendar day, taken in the server's local time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from central.db import Database
from central.models import Payment, ReconciliationReport
from central.schemas import ReconciliationIn, ReconciliationOut


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = datetime.now().astimezone().tzinfo
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def reconcile(database: Database, *, kiosk_id: str, day: date, body: ReconciliationIn,
              now: datetime) -> ReconciliationOut:
    start, end = _day_bounds(day)
    kiosk_amounts = {p.reference: p.amount_fen for p in body.payments}
    with database.write() as session:
        when = func.coalesce(Payment.approved_at, Payment.received_at)
        central_amounts = dict(session.execute(  # cash taken at the counter is not the kiosk's to report
            select(Payment.reference, Payment.amount_fen).where(Payment.kiosk_id == kiosk_id, when >= start,
                                                               when < end, Payment.method != "cash")).all())
        # A payment listed by the kiosk may be stamped on the neighbouring day centrally (clock
        # skew at midnight): look those references up directly before calling them missing.
        listed = [r for r in kiosk_amounts if r not in central_amounts]
        if listed:
            central_amounts.update(session.execute(
                select(Payment.reference, Payment.amount_fen).where(Payment.kiosk_id == kiosk_id,
                                                                   Payment.reference.in_(listed))).all())
        missing_on_central = sorted(set(kiosk_amounts) - set(central_amounts))
        missing_on_kiosk = sorted(set(central_amounts) - set(kiosk_amounts))
        mismatches = sorted(r for r in set(kiosk_amounts) & set(central_amounts)
                            if kiosk_amounts[r] != central_amounts[r])
        matched = not (missing_on_central or missing_on_kiosk or mismatches)
        report = session.scalar(select(ReconciliationReport).where(ReconciliationReport.kiosk_id == kiosk_id,
                                                                   ReconciliationReport.day == day))
        if report is None:
            report = ReconciliationReport(kiosk_id=kiosk_id, day=day)
            session.add(report)
        report.report = body.model_dump(mode="json")
        report.matched = matched
        report.received_at = now
    return ReconciliationOut(
        day=day, matched=matched, kiosk_count=body.count, kiosk_amount_fen=body.amount_fen,
        central_count=len(central_amounts), central_amount_fen=sum(central_amounts.values()),
        missing_on_central=missing_on_central, missing_on_kiosk=missing_on_kiosk, amount_mismatches=mismatches)
