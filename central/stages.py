"""The stages an application goes through, and which moves staff may make.

One table is the single source of truth: the console offers exactly the moves in it and the service
refuses any other. Finished documents are either posted (postal delivery, with a tracking number)
or ready for collection at the hall; which one depends on what the applicant chose at the kiosk.
Rejection is possible until production starts and must carry a reason the applicant will read.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class Stage(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"  # filed at the kiosk, to be paid in cash at the counter
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    IN_PRODUCTION = "in_production"
    POSTED = "posted"
    READY_FOR_COLLECTION = "ready_for_collection"
    REJECTED = "rejected"


# awaiting_payment -> received only by recording the counter payment
# (ApplicationService.record_counter_payment), never by a bare move.
TRANSITIONS: dict[Stage, tuple[Stage, ...]] = {
    Stage.AWAITING_PAYMENT: (Stage.REJECTED,),
    Stage.RECEIVED: (Stage.UNDER_REVIEW, Stage.REJECTED),
    Stage.UNDER_REVIEW: (Stage.APPROVED, Stage.REJECTED),
    Stage.APPROVED: (Stage.IN_PRODUCTION, Stage.REJECTED),
    Stage.IN_PRODUCTION: (Stage.POSTED, Stage.READY_FOR_COLLECTION),
    Stage.POSTED: (),
    Stage.READY_FOR_COLLECTION: (),
    Stage.REJECTED: (),
}

LABELS: dict[Stage, tuple[str, str]] = {
    Stage.AWAITING_PAYMENT: ("待窗口缴费", "Awaiting payment at the counter"),
    Stage.RECEIVED: ("已受理", "Received"),
    Stage.UNDER_REVIEW: ("审核中", "Under review"),
    Stage.APPROVED: ("已审批", "Approved"),
    Stage.IN_PRODUCTION: ("制证中", "Being made"),
    Stage.POSTED: ("已寄出", "Posted"),
    Stage.READY_FOR_COLLECTION: ("可领取", "Ready for collection"),
    Stage.REJECTED: ("不予批准", "Rejected"),
}

WORKING_DAYS = 7
GREEN_CHANNEL_WORKING_DAYS = 5


class StageChangeError(ValueError):
    """A move the table does not allow, or one that lacks its tracking number or reason."""


def allowed_next(stage: Stage, collection_method: str) -> tuple[Stage, ...]:
    """The moves from ``stage`` for an application collected by ``collection_method`` (pickup/postal)."""
    finished = Stage.POSTED if collection_method == "postal" else Stage.READY_FOR_COLLECTION
    return tuple(s for s in TRANSITIONS[stage]
                 if s not in (Stage.POSTED, Stage.READY_FOR_COLLECTION) or s == finished)


def check_transition(current: Stage, target: Stage, collection_method: str, *, tracking_no: str | None,
                     reason: str | None) -> None:
    if target not in allowed_next(current, collection_method):
        raise StageChangeError(f"an application that is {current.value} cannot become {target.value}")
    if target == Stage.POSTED and not (tracking_no and tracking_no.strip()):
        raise StageChangeError("posting needs the tracking number")
    if target == Stage.REJECTED and not (reason and reason.strip()):
        raise StageChangeError("a rejection needs a reason for the applicant")


def add_working_days(start: date, days: int) -> date:
    """``days`` working days (Monday to Friday) after ``start``; public holidays are not known here."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def expected_ready_on(received_on: date, green_channel: bool) -> date:
    return add_working_days(received_on, GREEN_CHANNEL_WORKING_DAYS if green_channel else WORKING_DAYS)
