"""The session flow: events in, commands out, one step table (``table.py``); pure.

No Kivy, no drivers, no network, no clock reads (the clock is a constructor argument). The names
below are the session's public face; the UI, the services and the tests import them from here.
"""

from kiosk.session import commands, events
from kiosk.session.codes import FAILURE_CODES, NOTICE_CODES
from kiosk.session.data import SessionData, Timeouts
from kiosk.session.devices import APPLY_DEVICES, DEVICES, PAY_DEVICES, DeviceHealth
from kiosk.session.engine import FlowError, Session
from kiosk.session.steps import Flow, Step
from kiosk.session.table import SCREEN_OF, SCREENS, STEPS, CancelMode, StepSpec

__all__ = [
    "APPLY_DEVICES",
    "DEVICES",
    "FAILURE_CODES",
    "NOTICE_CODES",
    "PAY_DEVICES",
    "SCREENS",
    "SCREEN_OF",
    "STEPS",
    "CancelMode",
    "DeviceHealth",
    "Flow",
    "FlowError",
    "Session",
    "SessionData",
    "Step",
    "StepSpec",
    "Timeouts",
    "commands",
    "events",
]
