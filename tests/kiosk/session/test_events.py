"""Events validate themselves when built: a malformed event fails where it is made."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kiosk.domain.catalogue import ItemChoice
from kiosk.session import DeviceHealth, Flow
from kiosk.session import events as e
from kiosk.session.events import InvalidEvent
from kiosk.session.walks import ADULT


@pytest.mark.parametrize("build", [
    lambda: e.CollectionChosen("drone"),                     # a Literal's values
    lambda: e.CollectionChosen("pickup", "yes"),             # bool
    lambda: e.FlowChosen("apply"),                           # an enum member, not its value
    lambda: e.RatingGiven(0),                                # check(): 1 to 5
    lambda: e.RatingGiven(6),
    lambda: e.RatingGiven(True),                             # a bool is not an int here
    lambda: e.Timeout("3"),
    lambda: e.ItemsChosen([ItemChoice("passport")]),         # a tuple, not a list
    lambda: e.ItemsChosen(("passport",)),                    # of ItemChoice
    lambda: e.IdCardRead({"name": "张三"}),                   # a Person
    lambda: e.IdCardFailed("lost"),
    lambda: e.DeviceHealthChanged("printer", "ok"),          # a DeviceHealth
    lambda: e.PaymentApproved("KIOSK0012611270007", 0, 1500),  # attempts count from 1
    lambda: e.ProgressFound("N1", ("passport",), (e.ProgressStage("received", "2026-11-27"),)),
    lambda: e.ProgressFound("N1", ("passport",), (), item_names=(("护照",),)),  # pairs
    lambda: e.Slot("S1", date(2026, 11, 30)),                # a datetime
])
def test_malformed_events_are_refused_when_built(build) -> None:
    with pytest.raises(InvalidEvent):
        build()


def test_well_formed_events_are_built() -> None:
    assert e.CollectionChosen("postal", True).green_channel is True
    assert e.FlowChosen(Flow.APPLY).flow is Flow.APPLY
    assert e.IdCardRead(ADULT).person is ADULT
    assert e.ApplicantLookedUp().photo_offer is None                       # X | None
    assert e.DevicesChecked({"printer": DeviceHealth("ok")}).health
    found = e.ProgressFound("N1", ("passport",), (e.ProgressStage("received", datetime(2026, 11, 27, 9)),),
                            date(2026, 12, 8), "pickup", (("护照", "Passport"),))
    assert found.collection == "pickup"


def test_text_from_outside_is_the_sessions_to_judge() -> None:
    """A scanned code or typed number is any str: the session refuses it with a notice, not a crash."""
    assert e.QrScanned("\x00garbage" * 100).text
    assert e.ProgressNumberTyped("not a number", "??").application_no
