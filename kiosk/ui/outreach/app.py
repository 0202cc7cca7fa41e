"""The outreach station's screens: a plain Kivy app for an officer at a laptop (docs/outreach.md, Screens).

Built in Python (no kv): every screen is a :class:`Page` whose ``build()`` lays its widgets out from
the app's state, so the language toggle simply rebuilds the page shown. Widgets the demo and the
tests drive carry an id in ``page.named``. Every call to the station or a device runs on the app's
one worker thread (:meth:`OutreachApp.work`); its result comes back on the Kivy thread through
``Clock.schedule_once``. ``app.busy`` is true while a call runs (the screen shows "Working...").
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.checkbox import CheckBox
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager
from kivy.uix.scrollview import ScrollView
from kivy.uix.spinner import Spinner
from kivy.uix.textinput import TextInput

from kiosk.domain.application import Guardian, InvalidFields
from kiosk.domain.catalogue import ItemChoice
from kiosk.domain.fees import format_yuan
from kiosk.i18n import Translator
from kiosk.outreach.errors import NotEligible, OutreachError
from kiosk.outreach.reasons import OFFICER_REASONS, reason_text
from kiosk.outreach.roster import RosterFileError
from kiosk.outreach.service import ApplicantDetails, CardMatch, FiledApplication
from kiosk.outreach.store import BatchDetails, Officer
from kiosk.photo import PhotoRejected
from kiosk.ui.fonts import find_cjk_font, register_default_font
from kiosk.ui.theme import NORMAL, hex_colour

log = logging.getLogger("kiosk.outreach.ui")

SIZE = (1366, 768)
BODY, SMALL, TITLE = 19, 16, 26
ROW = 44

PAGES = ("sign_in", "batches", "new_batch", "roster", "read_card", "details", "photo", "review", "pay", "done",
         "seal", "export")


def colour(name: str) -> list[float]:
    return hex_colour(NORMAL[name])


def yuan(fen: int) -> str:
    return "¥" + format_yuan(fen)


def N_(text: str) -> str:  # marks a msgid for extraction (kiosk.i18n.extract)
    return text


# Error and refusal codes the officer sees, in words.
ERRORS = {
    "required": N_("Required"), "invalid": N_("Not valid"), "too_long": N_("Too long"),
    "unknown": N_("Not known"), "batch_sealed": N_("This batch is sealed."),
    "already_on_roster": N_("This person is already on the roster."),
    "already_served": N_("This person has already been served."),
    "photo_required": N_("A photo is required."), "no_consent": N_("The applicant has not given consent."),
    "no_terminal": N_("No payment terminal on this station."),
    "no_group_payment": N_("Nothing to pay for the group."),
    "not_this_person": N_("The card is not this roster person's card."),
}
STATES = {"pending": N_("Pending"), "awaiting_payment": N_("Awaiting payment"), "filed": N_("Filed"),
          "refused": N_("Refused"), "open": N_("In progress"), "sealed": N_("Sealed"), "handed_over": N_("Handed over")}
PROBLEMS = {"missing_field": N_("a field is missing"), "bad_checksum": N_("ID number check digit is wrong"),
            "invalid_id_number": N_("not a valid ID number"),
            "id_number_as_number": N_("ID number saved as a number (spreadsheet)"), "bad_name": N_("bad name"),
            "bad_phone": N_("bad phone number"), "duplicate": N_("twice in the file"),
            "already_on_roster": N_("already on the roster")}


class Msg:
    """A message kept as its msgid and fields, so a language switch translates it again."""

    def __init__(self, msgid: str, /, **fields: Any) -> None:
        self.msgid, self.fields = msgid, fields

    def render(self, app: OutreachApp) -> str:
        fields = {k: v.render(app) if isinstance(v, Msg) else v for k, v in self.fields.items()}
        return app.tr(self.msgid, **fields) if self.msgid else ""


@dataclass
class Applicant:
    """The applicant at the desk now (dropped when the next one starts)."""

    match: CardMatch | None = None
    row_id: int | None = None
    mobile: str = ""
    emergency_name: str = ""
    emergency_phone: str = ""
    guardian: Any = None           # Person read from the guardian's card
    relationship: str = ""
    photo: bytes | None = field(default=None, repr=False)
    consent: bool = False
    payment_mode: str = "pos"
    filed: FiledApplication | None = None
    paid: bool = False
    card: Any = None  # the terminal's answer (drivers.payment TxnResult) when paid there, for the receipt
    printed: bool | None = None


class Page(Screen):
    """One screen: header (title, officer, language), a message line, content, footer (back + action)."""

    title = N_("Outreach station")

    def __init__(self, app: OutreachApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.named: dict[str, Any] = {}
        self.kept: dict[str, Any] = {}
        self.message: Msg | str = ""
        self.message_ok = False

    # -- building blocks ----------------------------------------------------------------------------

    def tr(self, msgid: str, /, **fields: Any) -> str:
        return self.app.tr(msgid, **fields)

    def label(self, text: str, *, size: int = BODY, bold: bool = False, colour_name: str = "text",
              height: int | None = None, halign: str = "left") -> Label:
        lab = Label(text=text, font_size=size, bold=bold, color=colour(colour_name), halign=halign, valign="middle",
                    size_hint_y=None, height=height or max(ROW, int(size * 1.9)))
        lab.bind(width=lambda w, v: setattr(w, "text_size", (v, None)))
        lab.bind(texture_size=lambda w, v: setattr(w, "height", max(height or ROW, v[1] + 8)))
        return lab

    def button(self, name: str, text: str, action: Callable[[], None], *, primary: bool = False,
               width: int | None = None, disabled: bool = False) -> Button:
        btn = Button(text=text, font_size=BODY, size_hint=(None if width else 1, None), height=ROW + 6,
                     width=width or 100, background_normal="", disabled=disabled,
                     background_color=colour("primary" if primary else "secondary"),
                     color=colour("primary_ink" if primary else "secondary_ink"))
        btn.bind(on_release=lambda *_: self.app.click(action))
        self.named[name] = btn
        return btn

    def field(self, name: str, caption: str, text: str = "", *, password: bool = False,
              error: str | None = None) -> BoxLayout:
        row = BoxLayout(size_hint_y=None, height=ROW, spacing=12)
        cap = Label(text=caption, font_size=BODY, color=colour("text"), size_hint_x=None, width=260, halign="right",
                    valign="middle")
        cap.bind(size=lambda w, v: setattr(w, "text_size", v))
        box = TextInput(text=self.kept.get(name) or text, password=password, multiline=False, font_size=BODY,
                        write_tab=False,
                        padding=(10, 10))
        self.named[name] = box
        row.add_widget(cap)
        row.add_widget(box)
        err = Label(text=self.tr(ERRORS.get(error, error)) if error else "", font_size=SMALL, color=colour("danger"),
                    size_hint_x=None, width=220, halign="left", valign="middle")
        err.bind(size=lambda w, v: setattr(w, "text_size", v))
        box.bind(text=lambda *_: setattr(err, "text", ""))
        row.add_widget(err)
        return row

    def choice(self, name: str, caption: str, options: dict[str, str], value: str) -> BoxLayout:
        """A drop-down of ``{code: words}``; ``self.named[name].code`` is the chosen code."""
        row = BoxLayout(size_hint_y=None, height=ROW, spacing=12)
        cap = Label(text=caption, font_size=BODY, color=colour("text"), size_hint_x=None, width=260, halign="right",
                    valign="middle")
        cap.bind(size=lambda w, v: setattr(w, "text_size", v))
        value = self.kept.get(name) or value
        spin = Spinner(text=options.get(value, ""), values=list(options.values()), font_size=BODY,
                       background_normal="", background_color=colour("surface_alt"), color=colour("text"))
        spin.code = value  # type: ignore[attr-defined]
        codes = {v: k for k, v in options.items()}
        spin.bind(text=lambda w, v: setattr(w, "code", codes.get(v, "")))
        self.named[name] = spin
        row.add_widget(cap)
        row.add_widget(spin)
        row.add_widget(Label(size_hint_x=None, width=220))
        return row

    def value(self, name: str) -> str:
        widget = self.named[name]
        return str(getattr(widget, "code", widget.text)).strip()

    # -- the frame ----------------------------------------------------------------------------------

    def on_pre_enter(self, *args: Any) -> None:
        self.named, self.kept = {}, {}
        self.refresh()

    def on_enter(self, *args: Any) -> None:
        pass

    def refresh(self) -> None:
        self.kept = {n: getattr(w, "code", None) if isinstance(w, Spinner) else w.text
                     for n, w in self.named.items() if isinstance(w, TextInput | Spinner)}
        self.clear_widgets()
        self.named = {}
        root = BoxLayout(orientation="vertical")
        with root.canvas.before:
            Color(*colour("background"))
            bg = Rectangle(pos=root.pos, size=root.size)
        root.bind(pos=lambda w, v: setattr(bg, "pos", v), size=lambda w, v: setattr(bg, "size", v))
        header = BoxLayout(size_hint_y=None, height=56, padding=(20, 6), spacing=12)
        with header.canvas.before:
            Color(*colour("header"))
            hb = Rectangle(pos=header.pos, size=header.size)
        header.bind(pos=lambda w, v: setattr(hb, "pos", v), size=lambda w, v: setattr(hb, "size", v))
        head = Label(text=self.tr("Outreach station") + "  |  " + self.tr(self.title), font_size=22, bold=True,
                     color=colour("header_ink"), halign="left", valign="middle")
        head.bind(size=lambda w, v: setattr(w, "text_size", v))
        header.add_widget(head)
        officer = self.app.officer
        who = Label(text=self.tr("Officer {id}", id=officer.officer_id) if officer else "", font_size=SMALL,
                    color=colour("header_ink"), size_hint_x=None, width=220, halign="right", valign="middle")
        who.bind(size=lambda w, v: setattr(w, "text_size", v))
        header.add_widget(who)
        lang = Button(text="English" if self.app.lang.startswith("zh") else "中文", font_size=BODY,
                      size_hint_x=None, width=120, background_normal="", background_color=colour("primary_pressed"),
                      color=colour("header_ink"))
        lang.bind(on_release=lambda *_: self.app.click(self.app.toggle_language))
        self.named["language"] = lang
        header.add_widget(lang)
        root.add_widget(header)
        note = self.app.busy_text if self.app.busy else self.message
        note = note.render(self.app) if isinstance(note, Msg) else note
        line = BoxLayout(size_hint_y=None, height=34, padding=(40, 0))
        line.add_widget(self.label(note, colour_name="success" if self.message_ok or self.app.busy else "danger",
                                   height=34, size=BODY))
        root.add_widget(line)
        body = BoxLayout(orientation="vertical", padding=(40, 4), spacing=8)
        self.build(body)
        root.add_widget(body)
        footer = BoxLayout(size_hint_y=None, height=72, padding=(40, 10), spacing=16)
        self.footer(footer)
        root.add_widget(footer)
        self.add_widget(root)

    def say(self, text: Msg | str, ok: bool = False) -> None:
        self.message, self.message_ok = text, ok
        self.refresh()

    def failed(self, exc: BaseException) -> None:
        """A refusal from the station or a device, in words."""
        if isinstance(exc, InvalidFields):
            self.errors = dict(exc.errors)
            self.say(Msg("Please correct the fields marked."))
        elif isinstance(exc, NotEligible):
            self.say(Msg("Not eligible: {reason}", reason=exc.refusal.reason.get(self.app.lang)))
        elif isinstance(exc, OutreachError):
            self.say(Msg(ERRORS[exc.code]) if exc.code in ERRORS else str(exc))
        elif isinstance(exc, TimeoutError):
            self.say(Msg("Nothing happened in time. Try again."))
        elif isinstance(exc, PhotoRejected):  # the filing's re-check: back to the camera for another
            log.info("outreach: the photo was refused at filing: %s", exc)  # reasons only, no person
            self.app.applicant.photo = None
            self.app.go("photo")
            self.app.page.say(Msg("The photo did not pass the checks when filed. Take it again."))
        else:
            log.warning("outreach: %s failed: %s", self.name, type(exc).__name__)
            self.say(Msg("That did not work: {error}", error=type(exc).__name__))

    def build(self, body: BoxLayout) -> None:
        raise NotImplementedError

    def footer(self, footer: BoxLayout) -> None:
        pass

    def spacer(self) -> Label:
        return Label()


# -- the screens --------------------------------------------------------------------------------------


class SignInPage(Page):
    title = N_("Sign in")

    def build(self, body: BoxLayout) -> None:
        body.add_widget(self.label(self.tr("Officer sign-in. Every action is recorded under your id."), size=TITLE,
                                   height=70))
        body.add_widget(self.field("officer_id", self.tr("Officer id")))
        body.add_widget(self.field("pin", self.tr("Officer PIN"), password=True))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("exit", self.tr("Quit"), self.app.quit, width=200))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("sign_in", self.tr("Sign in"), self.sign_in, primary=True, width=260))

    def sign_in(self) -> None:
        officer_id, pin = self.value("officer_id"), self.named["pin"].text

        def done(result: Any) -> None:
            if result.verdict == "accepted":
                self.message = ""
                self.app.officer = result.officer
                self.app.show_batches()
            elif result.verdict == "locked":
                self.named["pin"].text = ""
                self.say(Msg("Locked for {minutes} min after too many wrong PINs.",
                                minutes=max(1, round(result.locked_for / 60))))
            else:
                self.named["pin"].text = ""
                self.say(Msg("Wrong officer id or PIN ({left} tries left).", left=result.attempts_left))

        self.app.work(lambda: self.app.station.desk.sign_in(officer_id, pin), done, self.failed)


class BatchesPage(Page):
    title = N_("Batches")

    def build(self, body: BoxLayout) -> None:
        grid = GridLayout(cols=4, size_hint_y=None, spacing=(12, 6), row_default_height=ROW, row_force_default=True)
        grid.bind(minimum_height=grid.setter("height"))
        for text in (self.tr("Batch"), self.tr("State"), self.tr("Filed / refused / pending"), ""):
            grid.add_widget(self.label(text, bold=True))
        for n, (batch, counts) in enumerate(self.app.batch_list):
            name = batch.details.name if batch.details else batch.batch_id
            grid.add_widget(self.label(f"{name}  ({batch.batch_id})"))
            grid.add_widget(self.label(self.tr(STATES.get(batch.state, batch.state))))
            grid.add_widget(self.label(f"{counts['filed']} / {counts['refused']} / "
                                       f"{counts['pending'] + counts['awaiting_payment']}"))
            grid.add_widget(self.button(f"open_{n}", self.tr("Open"), partial(self.app.open_batch, batch.batch_id)))
        if not self.app.batch_list:
            grid.add_widget(self.label(self.tr("No batches yet.")))
        scroll = ScrollView()
        scroll.add_widget(grid)
        body.add_widget(scroll)

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("sign_out", self.tr("Sign out"), self.app.sign_out, width=200))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("new_batch", self.tr("New batch"), lambda: self.app.go("new_batch"),
                                      primary=True, width=260))


class NewBatchPage(Page):
    title = N_("New batch")

    def on_pre_enter(self, *args: Any) -> None:
        self.errors: dict[str, str] = {}
        self.values = {"name": "", "organiser_name": "", "organiser_phone": "", "service": "passport",
                       "destination": "",
                       "purpose": next((p.code for p in self.app.station.catalogue.purposes), ""), "roster": ""}
        self.imported: Any = None
        super().on_pre_enter(*args)

    def build(self, body: BoxLayout) -> None:
        lang, catalogue = self.app.lang, self.app.station.catalogue
        if self.imported is not None:
            self.show_import(body)
            return
        v, e = self.values, self.errors
        body.add_widget(self.field("name", self.tr("Group name"), v["name"], error=e.get("name")))
        body.add_widget(self.field("organiser_name", self.tr("Organiser"), v["organiser_name"],
                                   error=e.get("organiser_name")))
        body.add_widget(self.field("organiser_phone", self.tr("Organiser phone"), v["organiser_phone"],
                                   error=e.get("organiser_phone")))
        services = {d.code: d.name.get(lang) for d in catalogue.documents}
        body.add_widget(self.choice("service", self.tr("Service"), services, v["service"]))
        body.add_widget(self.field("destination", self.tr("Destination"), v["destination"],
                                   error=e.get("destination")))
        purposes = {p.code: p.name.get(lang) for p in catalogue.purposes}
        body.add_widget(self.choice("purpose", self.tr("Purpose"), purposes, v["purpose"]))
        body.add_widget(self.field("roster", self.tr("Roster file (CSV or XLSX)"), v["roster"], error=e.get("roster")))
        body.add_widget(self.spacer())

    def show_import(self, body: BoxLayout) -> None:
        result = self.imported
        body.add_widget(self.label(self.tr("{added} of {read} rows added to the roster.", added=result.added,
                                          read=result.rows_read), size=TITLE, height=60))
        if result.problems:
            body.add_widget(self.label(self.tr("Rows not added (fix them in the file and import again, or add the "
                                              "person at the desk):"), bold=True))
            grid = GridLayout(cols=1, size_hint_y=None, spacing=2)
            grid.bind(minimum_height=grid.setter("height"))
            for problem in result.problems:
                words = self.tr(PROBLEMS.get(problem.reason, problem.reason))
                grid.add_widget(self.label(self.tr("Line {line}: {problem}", line=problem.line, problem=words),
                                           colour_name="warning", height=34))
            scroll = ScrollView()
            scroll.add_widget(grid)
            body.add_widget(scroll)
        else:
            body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("back", self.tr("Back"), self.back, width=200))
        footer.add_widget(self.spacer())
        if self.imported is not None:
            footer.add_widget(self.button("open_roster", self.tr("Open roster"),
                                          lambda: self.app.open_batch(self.imported.batch_id), primary=True, width=260))
        else:
            footer.add_widget(self.button("create", self.tr("Create batch"), self.create, primary=True, width=260))

    def back(self) -> None:
        self.app.show_batches()

    def collect(self) -> None:
        for key in self.values:
            self.values[key] = self.value(key)

    def create(self) -> None:
        self.collect()
        v, station, officer = self.values, self.app.station, self.app.officer
        assert officer is not None
        path = Path(v["roster"]).expanduser() if v["roster"] else None
        if path is not None and not path.is_file():
            self.errors = {"roster": "invalid"}
            self.say(Msg("No such file: {path}", path=str(path)))
            return
        details = BatchDetails(v["name"], v["organiser_name"], v["organiser_phone"], ItemChoice(v["service"]),
                               destination=v["destination"], purpose=v["purpose"], occupation="student")

        def job() -> Any:
            batch = station.create_batch(officer, details)
            if path is None:
                return batch.batch_id
            try:
                return station.import_roster(officer, batch.batch_id, path.read_bytes(), path.name)
            except RosterFileError as exc:
                return (batch.batch_id, str(exc))

        def done(result: Any) -> None:
            self.errors = {}
            if isinstance(result, str):
                self.app.open_batch(result)
            elif isinstance(result, tuple):
                self.message = Msg("The roster file could not be read: {error}", error=result[1])
                self.app.open_batch(result[0])
            else:
                self.imported = result
                self.say(Msg("Batch created."), ok=True)

        self.app.work(job, done, self.failed)


class RosterPage(Page):
    title = N_("Roster")

    def build(self, body: BoxLayout) -> None:
        view = self.app.roster
        if view is None:
            return
        lang, catalogue = self.app.lang, self.app.station.catalogue
        batch = view.batch
        name = batch.details.name if batch.details else batch.batch_id
        c = view.counts
        body.add_widget(self.label(f"{name}  ({batch.batch_id}, {self.tr(STATES.get(batch.state, batch.state))})",
                                   size=TITLE, bold=True, height=48))
        body.add_widget(self.label(self.tr("Filed {filed}  ·  awaiting payment {waiting}  ·  refused {refused}  ·  "
                                          "pending {pending}", filed=c["filed"], waiting=c["awaiting_payment"],
                                          refused=c["refused"], pending=c["pending"]), colour_name="muted"))
        grid = GridLayout(cols=4, size_hint_y=None, spacing=(12, 2), row_default_height=36, row_force_default=True)
        grid.bind(minimum_height=grid.setter("height"))
        from kiosk.outreach.group_list import mask_id

        for row in view.rows:
            state_colour = {"filed": "success", "refused": "danger", "awaiting_payment": "warning"}.get(row.state,
                                                                                                       "text")
            grid.add_widget(self.label(f"{row.position}. {row.name}", height=36))
            grid.add_widget(self.label(mask_id(row.id_number), height=36, colour_name="muted"))
            grid.add_widget(self.label(self.tr(STATES.get(row.state, row.state)), height=36, colour_name=state_colour))
            detail = row.application_no or ""
            if row.reason:
                words = reason_text(row.reason, catalogue)
                detail = (words.get(lang) if words else row.reason) + (f" ({row.note})" if row.note else "")
            grid.add_widget(self.label(detail, height=36, size=SMALL))
        scroll = ScrollView()
        scroll.add_widget(grid)
        body.add_widget(scroll)

    def footer(self, footer: BoxLayout) -> None:
        view = self.app.roster
        sealed = view is None or view.batch.state != "open"
        footer.add_widget(self.button("back", self.tr("Batches"), self.app.show_batches, width=160))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("group_pay", self.tr("Group payment"), self.pay_group, width=190,
                                      disabled=sealed))
        footer.add_widget(self.button("seal", self.tr("Seal (supervisor)"), lambda: self.app.go("seal"), width=200,
                                      disabled=sealed))
        footer.add_widget(self.button("export", self.tr("Export / sync"), lambda: self.app.go("export"), width=180,
                                      disabled=not sealed))
        footer.add_widget(self.button("next", self.tr("Next applicant"), self.app.next_applicant, primary=True,
                                      width=220, disabled=sealed))

    def pay_group(self) -> None:
        station, officer, view = self.app.station, self.app.officer, self.app.roster
        assert officer is not None and view is not None
        batch_id = view.batch.batch_id

        def done(outcome: Any) -> None:
            self.app.reload_roster(Msg("Group payment: {status}", status=Msg(PAY_STATUS.get(
                outcome.status, outcome.status))), ok=outcome.status == "paid")

        self.app.work(lambda: station.pay_group(officer, batch_id), done, self.failed,
                      busy=self.tr("The organiser pays on the terminal..."))


PAY_STATUS = {"paid": N_("paid"), "declined": N_("declined"), "unknown": N_("unknown, staff will resolve it"),
              "reversed": N_("reversed"), "refused": N_("refused")}


class ReadCardPage(Page):
    title = N_("Read ID card")

    def build(self, body: BoxLayout) -> None:
        match = self.app.applicant.match
        lang = self.app.lang
        if match is None:
            body.add_widget(self.label(self.tr("Lay the applicant's ID card on the reader."), size=TITLE, height=80))
            body.add_widget(self.spacer())
            return
        person = match.person
        body.add_widget(self.label(f"{person.name}   {person.document_number[:6]}********"
                                   f"{person.document_number[-4:]}", size=TITLE, bold=True, height=56))
        if match.already:
            body.add_widget(self.label(self.tr("Already served: {state}", state=self.tr(STATES[match.already])),
                                       colour_name="danger"))
        elif match.refusal is not None:
            body.add_widget(self.label(self.tr("Not eligible: {reason}", reason=match.refusal.reason.get(lang)),
                                       colour_name="danger"))
        elif match.row is None:
            body.add_widget(self.label(self.tr("Not on the roster. Add them to the batch, or refuse with a reason."),
                                       colour_name="warning"))
        else:
            body.add_widget(self.label(self.tr("Roster line {n}: {name}", n=match.row.position, name=match.row.name),
                                       colour_name="success"))
            if not match.name_matches:
                body.add_widget(self.label(self.tr("The roster's name differs from the card's: check it."),
                                           colour_name="warning"))
            if match.needs_guardian:
                body.add_widget(self.label(self.tr("Under 16: a guardian must come with them."), colour_name="warning"))
        if not match.already:
            default = match.refusal.code if match.refusal is not None else "absent"
            reasons = {code: text.get(lang) for code, text in OFFICER_REASONS.items()}
            if match.refusal is not None:
                reasons = {match.refusal.code: match.refusal.reason.get(lang), **reasons}
            body.add_widget(self.choice("reason", self.tr("Refusal reason"), reasons, default))
            body.add_widget(self.field("note", self.tr("Note (optional)")))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        match = self.app.applicant.match
        footer.add_widget(self.button("back", self.tr("Back to roster"), self.app.back_to_roster, width=220))
        footer.add_widget(self.spacer())
        if match is None:
            footer.add_widget(self.button("read", self.tr("Read card"), self.read, primary=True, width=220))
            return
        footer.add_widget(self.button("again", self.tr("Read another card"), self.again, width=220))
        if match.already:
            return
        footer.add_widget(self.button("refuse", self.tr("Refuse"), self.refuse, width=160))
        if match.refusal is None:
            if match.row is None:
                footer.add_widget(self.button("add", self.tr("Add to batch"), self.add, primary=True, width=200))
            else:
                footer.add_widget(self.button("continue", self.tr("Continue"), self.proceed, primary=True, width=200))

    def read(self) -> None:
        station, batch_id = self.app.station, self.app.batch_id

        def job() -> CardMatch:
            return station.match_card(batch_id, self.app.desk.read_card())

        def done(match: CardMatch) -> None:
            self.app.applicant = Applicant(match=match, row_id=match.row.row_id if match.row else None,
                                           mobile=(match.row.phone or "") if match.row else "")
            self.say("")

        self.app.work(job, done, self.failed, busy=self.tr("Waiting for the card..."))

    def again(self) -> None:
        self.app.applicant = Applicant()
        self.say("")

    def add(self) -> None:
        station, officer, batch_id = self.app.station, self.app.officer, self.app.batch_id
        match = self.app.applicant.match
        assert officer is not None and match is not None

        def done(row: Any) -> None:
            self.app.applicant.row_id = row.row_id
            self.proceed()

        self.app.work(lambda: station.add_walk_in(officer, batch_id, match.person), done, self.failed)

    def refuse(self) -> None:
        station, officer, batch_id = self.app.station, self.app.officer, self.app.batch_id
        applicant = self.app.applicant
        assert officer is not None and applicant.match is not None
        reason, note = self.value("reason"), self.value("note")
        person = applicant.match.person

        def job() -> Any:
            row_id = applicant.row_id
            if row_id is None:
                row_id = station.add_walk_in(officer, batch_id, person).row_id
            return station.refuse(officer, batch_id, row_id, reason, note)

        self.app.work(job, lambda row: self.app.reload_roster(Msg("Refused."), ok=True), self.failed)

    def proceed(self) -> None:
        self.message = ""
        self.app.go("details")


class DetailsPage(Page):
    title = N_("Applicant details")

    def on_pre_enter(self, *args: Any) -> None:
        self.errors: dict[str, str] = {}
        super().on_pre_enter(*args)

    def build(self, body: BoxLayout) -> None:
        a, e = self.app.applicant, self.errors
        assert a.match is not None
        body.add_widget(self.label(a.match.person.name, size=TITLE, bold=True, height=50))
        body.add_widget(self.field("mobile", self.tr("Mobile phone"), a.mobile, error=e.get("mobile")))
        body.add_widget(self.field("emergency_name", self.tr("Emergency contact"), a.emergency_name,
                                   error=e.get("emergency_name")))
        body.add_widget(self.field("emergency_phone", self.tr("Emergency phone"), a.emergency_phone,
                                   error=e.get("emergency_phone")))
        if a.match.needs_guardian:
            lang = self.app.lang
            words = a.guardian.name if a.guardian is not None else self.tr("not read yet")
            body.add_widget(self.label(self.tr("Guardian: {name}", name=words), bold=True))
            eligibility = self.app.station.catalogue.eligibility
            relations = {r.code: r.name.get(lang) for r in eligibility.guardian_relationships}
            body.add_widget(self.choice("relationship", self.tr("Relationship"), relations,
                                        a.relationship or next(iter(relations), "")))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("back", self.tr("Back"), self.back, width=200))
        footer.add_widget(self.spacer())
        if self.app.applicant.match is not None and self.app.applicant.match.needs_guardian:
            footer.add_widget(self.button("guardian", self.tr("Read guardian's card"), self.read_guardian, width=260))
        footer.add_widget(self.button("next", self.tr("Next: photo"), self.next, primary=True, width=220))

    def keep(self) -> None:
        a = self.app.applicant
        a.mobile, a.emergency_name, a.emergency_phone = (self.value("mobile"), self.value("emergency_name"),
                                                         self.value("emergency_phone"))
        if "relationship" in self.named:
            a.relationship = self.value("relationship")

    def back(self) -> None:
        self.keep()
        self.app.go("read_card")

    def read_guardian(self) -> None:
        self.keep()

        def done(person: Any) -> None:
            self.app.applicant.guardian = person
            self.say("")

        self.app.work(self.app.desk.read_card, done, self.failed, busy=self.tr("Waiting for the guardian's card..."))

    def next(self) -> None:
        self.keep()
        a = self.app.applicant
        self.errors = {k: "required" for k in ("mobile", "emergency_name", "emergency_phone") if not getattr(a, k)}
        if self.errors:
            self.say(Msg("Please correct the fields marked."))
            return
        if a.match is not None and a.match.needs_guardian and a.guardian is None:
            self.say(Msg("Read the guardian's card first."))
            return
        self.message = ""
        self.app.go("photo")


class PhotoPage(Page):
    title = N_("Photo")
    texture: Texture | None = None

    def on_pre_enter(self, *args: Any) -> None:
        self.texture: Texture | None = None
        self.seq = -1
        super().on_pre_enter(*args)
        self.app.desk.start_preview()
        self.poll = Clock.schedule_interval(self.update, 1 / 10)

    def on_leave(self, *args: Any) -> None:
        self.poll.cancel()
        self.app.desk.stop_preview()

    def build(self, body: BoxLayout) -> None:
        row = BoxLayout(spacing=24)
        self.picture = Image(fit_mode="contain", color=(1, 1, 1, 1) if self.texture is not None else colour("line"))
        if self.texture is not None:
            self.picture.texture = self.texture
        row.add_widget(self.picture)
        side = BoxLayout(orientation="vertical", size_hint_x=0.45, spacing=6)
        taken = self.app.applicant.photo is not None
        side.add_widget(self.label(self.tr("Photo taken. Check it, retake if needed.") if taken else
                                   self.tr("Live camera: the photo is taken when the pose is right."), bold=True,
                                   height=60))
        self.guidance = self.label("", colour_name="warning", height=120)
        side.add_widget(self.guidance)
        side.add_widget(Label())
        row.add_widget(side)
        body.add_widget(row)
        photo = self.app.applicant.photo
        if photo is not None:
            self.show_jpeg(photo)
        else:  # a rebuild (language switch) shows the latest frame and its words at once
            self.seq = -1
            self.update(0)

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("back", self.tr("Back"), lambda: self.app.go("details"), width=200))
        footer.add_widget(self.spacer())
        taken = self.app.applicant.photo is not None
        footer.add_widget(self.button("take", self.tr("Retake") if taken else self.tr("Take photo"), self.take,
                                      primary=not taken, width=220))
        if taken:
            footer.add_widget(self.button("next", self.tr("Next: review"), lambda: self.app.go("review"), primary=True,
                                          width=220))

    def update(self, _dt: float) -> None:
        if self.app.applicant.photo is not None:
            return
        preview = self.app.desk.preview()
        if preview is None or preview.seq == self.seq:
            return
        self.seq = preview.seq
        self.show_image(preview.image)
        words = preview.guidance.get(self.app.lang, [])
        self.guidance.text = "\n".join(words[:3]) if words else self.tr("Compliant: hold still.")
        self.guidance.color = colour("warning" if words else "success")

    def show_image(self, image: Any) -> None:
        height, width = image.shape[:2]
        if self.texture is None or self.texture.size != (width, height):
            self.texture = Texture.create(size=(width, height), colorfmt="bgr")
            self.texture.flip_vertical()
        self.texture.blit_buffer(image.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        self.picture.color = (1, 1, 1, 1)
        self.picture.texture = None
        self.picture.texture = self.texture

    def show_jpeg(self, jpeg: bytes) -> None:
        import cv2
        import numpy as np

        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is not None:
            self.texture = None
            self.show_image(image)
            self.guidance.text = self.tr("Compliant.")
            self.guidance.color = colour("success")

    def take(self) -> None:
        self.app.applicant.photo = None

        def done(jpeg: bytes) -> None:
            self.app.applicant.photo = jpeg
            self.say(Msg("Photo taken."), ok=True)

        self.app.work(self.app.desk.take_photo, done, self.failed, busy=self.tr("Taking the photo..."))


class ReviewPage(Page):
    title = N_("Review and consent")

    def build(self, body: BoxLayout) -> None:
        a, station, lang = self.app.applicant, self.app.station, self.app.lang
        assert a.match is not None
        view = self.app.roster
        details = view.batch.details if view is not None else None
        service = station.catalogue.item(details.service.code) if details is not None else None
        fee = service.fee_fen if service is not None and hasattr(service, "fee_fen") else 0
        lines = [(self.tr("Applicant"), a.match.person.name),
                 (self.tr("Service"), service.name.get(lang) if service is not None else ""),
                 (self.tr("Destination"), details.destination if details is not None else ""),
                 (self.tr("Mobile phone"), a.mobile),
                 (self.tr("Emergency contact"), f"{a.emergency_name}  {a.emergency_phone}"),
                 (self.tr("Fee"), yuan(fee))]
        if a.guardian is not None:
            lines.append((self.tr("Guardian"), a.guardian.name))
        for caption, text in lines:
            line = BoxLayout(size_hint_y=None, height=36, spacing=16)
            cap = self.label(caption, colour_name="muted", height=36)
            cap.size_hint_x, cap.width = None, 260
            line.add_widget(cap)
            line.add_widget(self.label(text, height=36))
            body.add_widget(line)
        body.add_widget(self.label(station.catalogue.consent_text.get(lang), size=SMALL, height=60))
        consent = BoxLayout(size_hint_y=None, height=ROW)
        box = CheckBox(active=a.consent, size_hint_x=None, width=48, color=colour("primary"))
        box.bind(active=lambda w, v: setattr(self.app.applicant, "consent", v))
        self.named["consent"] = box
        consent.add_widget(box)
        consent.add_widget(self.label(self.tr("The applicant has read the declaration and agrees.")))
        body.add_widget(consent)
        modes = {"pos": self.tr("Applicant pays now (card terminal)")}
        if station.group_payment_allowed:
            modes["group"] = self.tr("Group payment: paid by organiser")
        body.add_widget(self.choice("payment_mode", self.tr("Payment"), modes, a.payment_mode))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("back", self.tr("Back"), lambda: self.app.go("photo"), width=200))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("file", self.tr("File application"), self.file, primary=True, width=260))

    def file(self) -> None:
        a, station, officer, batch_id = self.app.applicant, self.app.station, self.app.officer, self.app.batch_id
        assert a.match is not None and a.row_id is not None and officer is not None
        a.payment_mode = self.value("payment_mode") or "pos"
        if not a.consent:
            self.say(Msg("The applicant has not given consent."))
            return
        guardian = Guardian(a.guardian, a.relationship) if a.guardian is not None else None
        person, row_id = a.match.person, a.row_id
        details = ApplicantDetails(a.mobile, a.emergency_name, a.emergency_phone)
        mode = a.payment_mode

        def job() -> FiledApplication:
            return station.file_application(officer, batch_id, row_id, person, details, photo_jpeg=a.photo,
                                            consent=True, payment_mode=mode,  # type: ignore[arg-type]
                                            guardian=guardian, language=self.app.lang)

        def done(filed: FiledApplication) -> None:
            a.filed = filed
            self.message = ""
            self.app.go("pay" if filed.payment_mode == "pos" else "done")
            if filed.payment_mode != "pos":
                self.app.print_receipt()

        self.app.work(job, done, self.failed, busy=self.tr("Filing..."))


class PayPage(Page):
    title = N_("Payment")

    def on_pre_enter(self, *args: Any) -> None:
        self.prompt = ""
        self.status = ""
        super().on_pre_enter(*args)

    def build(self, body: BoxLayout) -> None:
        filed = self.app.applicant.filed
        assert filed is not None
        body.add_widget(self.label(self.tr("Application {number}", number=filed.application_no), size=TITLE, bold=True,
                                   height=56))
        body.add_widget(self.label(self.tr("Fee: {amount}", amount=yuan(filed.fees.total_fen)), size=TITLE,
                                   height=56))
        body.add_widget(self.label(self.tr("The applicant pays on the card terminal."), colour_name="muted"))
        if self.prompt:
            body.add_widget(self.label(self.tr("Terminal: {text}", text=self.prompt)))
        if self.status:
            body.add_widget(self.label(self.tr("Payment: {status}", status=self.tr(PAY_STATUS.get(self.status,
                                                                                             self.status))),
                                       colour_name="danger"))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("abandon", self.tr("Cannot pay (drop)"), self.abandon, width=240))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("pay", self.tr("Pay on terminal") if not self.status else self.tr("Try again"),
                                      self.pay, primary=True, width=240))

    def pay(self) -> None:
        station, officer, filed = self.app.station, self.app.officer, self.app.applicant.filed
        assert officer is not None and filed is not None

        def on_prompt(prompt: Any) -> None:  # the payment thread
            Clock.schedule_once(lambda _dt: self.show_prompt(prompt.text))

        def done(outcome: Any) -> None:
            if outcome.status == "paid":
                self.app.applicant.paid, self.app.applicant.card = True, outcome.result
                self.message = ""
                self.app.go("done")
                self.app.print_receipt()
            else:
                self.status = outcome.status
                self.say("")

        self.app.work(lambda: station.pay(officer, filed.application_no, on_prompt), done, self.failed,
                      busy=self.tr("The applicant pays on the terminal..."))

    def show_prompt(self, text: str) -> None:
        self.prompt = text
        self.refresh()

    def abandon(self) -> None:
        station, officer, filed = self.app.station, self.app.officer, self.app.applicant.filed
        assert officer is not None and filed is not None
        self.app.work(lambda: station.abandon_payment(officer, filed.application_no),
                      lambda _r: self.app.reload_roster(Msg("Dropped: the person is pending again.")), self.failed)


class DonePage(Page):
    title = N_("Done")

    def build(self, body: BoxLayout) -> None:
        a = self.app.applicant
        filed = a.filed
        assert filed is not None
        body.add_widget(self.label(self.tr("Filed: application {number}", number=filed.application_no), size=TITLE,
                                   bold=True, colour_name="success", height=60))
        how = (self.tr("Paid on the card terminal.") if filed.payment_mode == "pos"
               else self.tr("Group payment: paid by organiser."))
        body.add_widget(self.label(f"{self.tr('Fee: {amount}', amount=yuan(filed.fees.total_fen))}   {how}"))
        body.add_widget(self.label(self.tr("Ready from {date}.", date=filed.expected_ready.isoformat())))
        printed = {None: self.tr("Printing the receipt..."),
                   True: self.tr("Receipt printed: hand it to the applicant."),
                   False: self.tr("The receipt did not print: note the application number for them.")}[a.printed]
        body.add_widget(self.label(printed, colour_name="muted" if a.printed is not False else "danger"))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("roster", self.tr("Back to roster"), self.app.back_to_roster, width=220))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("next", self.tr("Next applicant"), self.app.next_applicant, primary=True,
                                      width=240))


class SealPage(Page):
    title = N_("Seal the batch")

    def build(self, body: BoxLayout) -> None:
        view = self.app.roster
        if view is not None:
            c = view.counts
            body.add_widget(self.label(self.tr("Filed {filed}, refused {refused}, not served {pending}. Sealing closes "
                                              "the batch for good.", filed=c["filed"], refused=c["refused"],
                                              pending=c["pending"] + c["awaiting_payment"]), height=60))
        body.add_widget(self.label(self.tr("The supervisor signs in to seal:"), bold=True))
        body.add_widget(self.field("supervisor_id", self.tr("Supervisor id")))
        body.add_widget(self.field("pin", self.tr("Officer PIN"), password=True))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("back", self.tr("Back to roster"), self.app.back_to_roster, width=220))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("seal", self.tr("Seal"), self.seal, primary=True, width=220))

    def seal(self) -> None:
        station, batch_id = self.app.station, self.app.batch_id
        supervisor, pin = self.value("supervisor_id"), self.named["pin"].text

        def done(sealed: Any) -> None:
            self.message = ""
            self.app.reload_roster(Msg("Sealed: {filed} filed, {refused} refused.", filed=sealed.filed,
                                          refused=sealed.refused), ok=True, then="export")

        self.app.work(lambda: station.seal(batch_id, supervisor, pin), done, self.failed, busy=self.tr("Sealing..."))


class ExportPage(Page):
    title = N_("Export and sync")

    def on_pre_enter(self, *args: Any) -> None:
        self.done_lines: list[Msg] = []
        super().on_pre_enter(*args)

    def build(self, body: BoxLayout) -> None:
        body.add_widget(self.label(self.tr("Copy the sealed batch file to a USB stick, or send it over the network."),
                                   height=50))
        body.add_widget(self.field("directory", self.tr("Folder (USB stick)"), self.app.export_dir))
        for text in self.done_lines:
            body.add_widget(self.label(text.render(self.app), colour_name="success"))
        body.add_widget(self.spacer())

    def footer(self, footer: BoxLayout) -> None:
        footer.add_widget(self.button("back", self.tr("Back to roster"), self.app.back_to_roster, width=220))
        footer.add_widget(self.spacer())
        footer.add_widget(self.button("group_list", self.tr("Group list PDF"), self.group_list, width=220))
        footer.add_widget(self.button("sync", self.tr("Sync now"), self.sync, width=180))
        footer.add_widget(self.button("export", self.tr("Export"), self.export, primary=True, width=200))

    def export(self) -> None:
        station, officer, batch_id = self.app.station, self.app.officer, self.app.batch_id
        assert officer is not None
        directory = Path(self.value("directory")).expanduser()
        self.app.export_dir = str(directory)

        def done(path: Path) -> None:
            self.done_lines.append(Msg("Written: {path}", path=str(path)))
            self.say(Msg("Exported."), ok=True)

        self.app.work(lambda: station.export(officer, batch_id, directory), done, self.failed,
                      busy=self.tr("Writing..."))

    def group_list(self) -> None:
        from kiosk.outreach.group_list import write_group_list_pdf

        station, batch_id, config = self.app.station, self.app.batch_id, self.app.config
        directory = Path(self.value("directory")).expanduser()

        def job() -> Path:
            directory.mkdir(parents=True, exist_ok=True)
            return Path(write_group_list_pdf(station.group_list(batch_id), directory / f"{batch_id}-list.pdf",
                                             font=config.ui.font))

        def done(path: Path) -> None:
            self.done_lines.append(Msg("Written: {path}", path=str(path)))
            self.say("", ok=True)

        self.app.work(job, done, self.failed, busy=self.tr("Writing..."))

    def sync(self) -> None:
        from kiosk.services.api import ApiClient, read_secret

        station, batch_id, config = self.app.station, self.app.batch_id, self.app.config

        def job() -> Any:
            api = ApiClient(config.central.url, config.outreach.station_id,
                            read_secret(config.resolve(config.outreach.secret_file)),
                            connect_timeout=config.central.connect_timeout, read_timeout=config.central.read_timeout)
            return station.sync(api, batch_id)

        def done(report: Any) -> None:
            text = Msg("Sync: {sent} sent, {remaining} to send.", sent=report.sent, remaining=report.remaining)
            self.done_lines.append(text)
            self.say("" if report.error is None else Msg("Sync stopped: {error}", error=report.error),
                     ok=report.error is None)

        self.app.work(job, done, self.failed, busy=self.tr("Sending..."))


PAGE_CLASSES: dict[str, type[Page]] = {
    "sign_in": SignInPage, "batches": BatchesPage, "new_batch": NewBatchPage, "roster": RosterPage,
    "read_card": ReadCardPage, "details": DetailsPage, "photo": PhotoPage, "review": ReviewPage, "pay": PayPage,
    "done": DonePage, "seal": SealPage, "export": ExportPage}


# -- the app ------------------------------------------------------------------------------------------


class OutreachApp(App):
    """The officer's app. ``desk``: :class:`kiosk.ui.outreach.desk.Desk` (the station and its devices).
    ``on_click``: called with every officer action (the demo's virtual clock counts them)."""

    def __init__(self, config: Any, desk: Any, *, translator: Translator | None = None,
                 on_click: Callable[[], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config_ = config
        self.desk = desk
        self.station = desk.station
        self.translator = translator or Translator(config.kiosk.languages)
        self.lang = config.kiosk.languages[0]
        register_default_font(find_cjk_font(config.resolve(config.ui.font) if config.ui.font else None))
        self.officer: Officer | None = None
        self.batch_id = ""
        self.batch_list: list[tuple[Any, Any]] = []
        self.roster: Any = None
        self.applicant = Applicant()
        self.export_dir = str(Path.home() / "usb")
        self.busy = False
        self.busy_text = ""
        self.on_click = on_click
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._worker = threading.Thread(target=self._work_loop, name="outreach-worker", daemon=True)
        self._worker.start()
        self.title = "Outreach station"

    @property
    def config(self) -> Any:  # kivy's App.config is its own ini; ours is the kiosk config
        return self.config_

    @config.setter
    def config(self, value: Any) -> None:
        pass

    def build(self) -> ScreenManager:
        Window.clearcolor = colour("background")
        self.sm = ScreenManager(transition=NoTransition())
        for name in PAGES:
            self.sm.add_widget(PAGE_CLASSES[name](self, name=name))
        self.sm.current = "sign_in"
        return self.sm

    # -- helpers the pages use ----------------------------------------------------------------------

    def tr(self, msgid: str, /, **fields: Any) -> str:
        words = self.translator.tr(msgid, self.lang)
        return words.format(**fields) if fields else words

    @property
    def page(self) -> Page:
        return self.sm.current_screen  # type: ignore[no-any-return]

    def click(self, action: Callable[[], None]) -> None:
        if self.busy:
            return
        if self.on_click is not None:
            self.on_click()
        action()

    def go(self, name: str) -> None:
        if self.sm.current == name:
            self.page.refresh()
        else:
            self.sm.current = name

    def toggle_language(self) -> None:
        languages = list(self.config_.kiosk.languages)
        self.lang = languages[(languages.index(self.lang) + 1) % len(languages)]
        self.page.refresh()

    def work(self, job: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[BaseException], None],
             *, busy: str | None = None) -> None:
        """Run ``job`` on the worker thread; ``done(result)`` or ``failed(exc)`` on the Kivy thread."""
        self.busy = True
        self.busy_text = busy or self.tr("Working...")
        self.page.refresh()
        self._jobs.put((job, done, failed))

    def _work_loop(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, done, failed = item
            try:
                result = job()
            except Exception as exc:
                Clock.schedule_once(lambda _dt, exc=exc, failed=failed: self._finish(failed, exc))
            else:
                Clock.schedule_once(lambda _dt, result=result, done=done: self._finish(done, result))

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        self.busy = False
        page = self.page
        try:
            callback(value)
        finally:
            if self.page is page and not self.busy:
                page.refresh()

    # -- navigation ---------------------------------------------------------------------------------

    def show_batches(self) -> None:
        station = self.station

        def job() -> list[tuple[Any, Any]]:
            return [(b, station.roster_view(b.batch_id).counts) for b in station.store.batches()]

        def done(batches: list[tuple[Any, Any]]) -> None:
            self.batch_list = batches
            self.go("batches")

        self.work(job, done, self.page.failed)

    def open_batch(self, batch_id: str) -> None:
        self.batch_id = batch_id
        self.reload_roster("")

    def reload_roster(self, message: Msg | str, ok: bool = False, then: str = "roster") -> None:
        station, batch_id = self.station, self.batch_id

        def done(view: Any) -> None:
            self.roster = view
            self.applicant = Applicant()  # whoever was at the desk is finished
            page = self.sm.get_screen(then)
            page.message, page.message_ok = message, ok  # type: ignore[attr-defined]
            self.go(then)

        self.work(lambda: station.roster_view(batch_id), done, self.page.failed)

    def back_to_roster(self) -> None:
        self.reload_roster("")

    def next_applicant(self) -> None:
        self.applicant = Applicant()
        self.desk.forget_cards()
        page = self.sm.get_screen("read_card")
        page.message = ""  # type: ignore[attr-defined]
        self.go("read_card")

    def print_receipt(self) -> None:
        applicant = self.applicant
        filed = applicant.filed
        if filed is None:
            return

        def done(printed: bool) -> None:
            applicant.printed = printed
            if self.sm.current == "done":
                self.page.refresh()

        assert applicant.match is not None
        person, card, lang = applicant.match.person, applicant.card, self.lang
        self.work(lambda: self.desk.print_receipt(filed, person, lang, card), done, lambda exc: done(False),
                  busy=self.tr("Printing the receipt..."))

    def sign_out(self) -> None:
        if self.officer is not None:
            self.station.desk.sign_out(self.officer)
        self.officer = None
        self.roster = None
        self.applicant = Applicant()
        self.go("sign_in")

    def quit(self) -> None:
        self.stop()

    def on_stop(self) -> None:
        self._jobs.put(None)


def run(config: Any, *, window_size: tuple[int, int] = SIZE) -> int:
    """Open the desk's devices and run the screens until the officer quits (``kiosk --outreach``)."""
    from kiosk.ui.outreach.desk import Desk

    desk = Desk(config)
    try:
        report = desk.station.resume()
        if report.awaiting_payment:
            log.warning("outreach: %d application(s) still await their payment", len(report.awaiting_payment))
        OutreachApp(config, desk).run()
    finally:
        desk.close()
    return 0
