"""Maintenance (after the PIN): device status and tests, paper refilled, reprint, reconciliation,
the outbox, in/out of service, exit. Staff-facing, so denser than the applicant screens.

Every action is a :mod:`kiosk.maintenance_actions` command handed to the app's command sink; the
answers (:class:`MaintenanceReport`) come back through ``app.post`` and are shown here. Until the
service executor answers, the status shows "no report yet" instead of inventing one.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import DictProperty, ListProperty
from kivy.uix.label import Label

from kiosk import maintenance_actions as m
from kiosk.session.devices import DEVICES
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets.common import KButton

TESTS = {"idcard": ("read", N_("Read a card")), "mrz": ("read", N_("Read a passport")),
         "camera": ("capture", N_("Take a picture")), "scanner": ("scan", N_("Scan a code")),
         "printer": ("print", N_("Print a test page")), "payment": ("charge_and_void", N_("Charge 0.01 and void")),
         "wallet": ("ask", N_("Ask the central service"))}
DEVICE_TITLES = {"idcard": N_("ID card reader"), "mrz": N_("Passport reader"), "camera": N_("Camera"),
                 "scanner": N_("Code scanner"), "printer": N_("Receipt printer"), "payment": N_("Card terminal"),
                 "wallet": N_("Payment codes (central service)")}


class MaintenanceScreen(KioskScreen):
    m = m  # the actions module, for kv (``root.m.RefreshStatus()``)
    devices = DictProperty({})
    outbox = DictProperty({})
    log = ListProperty([])

    def on_enter(self, *args: Any) -> None:
        self.refresh()
        self.send(m.RefreshStatus())

    def send(self, command: m.MaintenanceCommand) -> None:
        self.app.execute(command)  # not a session command: the host hands it to the services
        self.note(self.app.tr("Sent: {what}").format(what=type(command).__name__))

    def note(self, line: str) -> None:
        self.log = [*self.log[-7:], line]

    def accepts(self, event: Any) -> bool:
        return isinstance(event, m.MaintenanceReport)

    def report(self, report: m.MaintenanceReport) -> None:
        data = dict(report.data)
        if report.kind == "devices":
            self.devices = data
        elif report.kind == "outbox":
            self.outbox = data
        else:
            self.note(f"{report.kind}: {data.get('message', data)}")
        self.refresh()

    def refresh(self) -> None:
        box = self.ids.get("device_rows")
        if box is None:
            return
        box.clear_widgets()
        app = self.app
        for device in DEVICES:
            health = self.devices.get(device)
            state = (health.get("state") if isinstance(health, dict) else getattr(health, "state", None)) if health \
                else None
            details = ((health.get("details") if isinstance(health, dict) else getattr(health, "details", ()))
                       if health else ())
            status = app.tr("no report yet") if state is None else f"{state} {' '.join(details or ())}".strip()
            colour = {"ok": app.theme.success, "degraded": app.theme.warning, "offline": app.theme.danger}.get(
                state or "", app.theme.muted)
            line = Label(text=f"{app.tr(DEVICE_TITLES[device])}: {status}", font_size=app.theme.small,
                         color=colour, halign="left", valign="middle")
            line.bind(size=line.setter("text_size"))
            box.add_widget(line)
            action, label = TESTS[device]
            button = KButton(text=app.tr(label), kind="secondary", widget_id=f"test_{device}",
                             font_size=app.theme.small, size_hint_y=1)
            button.bind(on_release=lambda _b, d=device, a=action: self.send(m.TestDevice(d, a)))
            box.add_widget(button)
        pending, failed = self.outbox.get("pending"), self.outbox.get("failed")
        self.ids.outbox.text = (app.tr("Outbox: no report yet") if pending is None
                                else app.trf("Outbox: {pending} waiting, {failed} failed", pending=pending,
                                             failed=failed or 0))

    def leave(self, keep_out_of_service: bool = False) -> None:
        """Leave maintenance; the kiosk goes back in service unless told to stay out."""
        self.app.close_maintenance(back_in_service=not keep_out_of_service)

    def exit_kiosk(self) -> None:
        self.send(m.ExitKiosk())

    def back(self) -> None:
        self.leave()

    def cancel(self) -> None:
        self.leave()
