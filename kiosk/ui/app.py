"""KioskApp: the ScreenManager, the one thread-safe ``post(event)``, and the UI side of commands.

Theory of operation (docs/ui.md has the picture). A touch becomes a session *event*:
``app.post(event)``. Background threads (device drivers, the sender, the payment terminal) report the
same way. ``post`` is the only thread-safe entry: it appends to a queue and pulls one Clock trigger,
so every event is handled on the Kivy thread, in the order posted. The session turns each event into
*commands*; the UI carries out its own (show a screen with its view model, arm or disarm a timer,
play a sound, switch language) and hands every other command to the ``command_sink`` that the
composition root supplies (devices, payments, central service). Screens never call a driver or the
network.

Construction (the composition root, after :func:`kiosk.ui.bootstrap.configure_kivy`)::

    app = KioskApp(session=session, command_sink=executor, config=config, frame_source=camera)
    app.run()
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics.opengl import glFinish
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import regions
from kiosk.config import KioskConfig
from kiosk.host import SessionHost, SessionLike
from kiosk.i18n import Translator
from kiosk.ime import shared_engine
from kiosk.services.service_events import NoticesUpdated, TerminalPrompt
from kiosk.session import events as ev
from kiosk.ui import commands_ui, dead_widgets
from kiosk.ui.fonts import find_cjk_font, register_default_font
from kiosk.ui.screens import MAINTENANCE_SCREENS, SCREENS, screen_class
from kiosk.ui.sounds import Sounds
from kiosk.ui.theme import Theme

log = logging.getLogger(__name__)

UI_DIR = Path(__file__).resolve().parent
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
ACTIVITY_INTERVAL = 1.0  # seconds: at most one UserActivity per second (events.UserActivity)


# The attract screen is drawn first; the full garbage collection follows when nobody is touching.
COLLECT_AFTER = 0.3
# How long the warm-up waits for the pinyin model before freezing without it (it loads in ~0.4 s).
MODEL_WAIT = 15.0


class KioskApp(App):
    """The kiosk's Kivy application. One instance per process (Kivy allows one App run)."""

    title = "Exit-Entry Kiosk"
    lang = StringProperty("zh_CN")
    elder = BooleanProperty(False)
    theme = ObjectProperty(None)
    current_screen = StringProperty("")
    maintenance_active = BooleanProperty(False)
    notices = ListProperty([])  # attract-screen notices (NoticesUpdated from the central service)
    # The voice controls' looks (kiosk.voice.guide.VoiceState, mirrored on the Kivy thread).
    voice_available = BooleanProperty(False)
    voice_speaking = BooleanProperty(False)
    voice_muted = BooleanProperty(False)
    voice_volume = NumericProperty(0.8)
    voice_route = StringProperty("speaker")
    headphones_available = BooleanProperty(False)

    def __init__(self, *, session: SessionLike, command_sink: Callable[[Any], None], config: KioskConfig,
                 frame_source: Any = None, translator: Translator | None = None,
                 monotonic: Callable[[], float] = time.monotonic, voice: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config_data = config
        self.frame_source = frame_source
        self.monotonic = monotonic
        self.translator = translator or Translator(config.kiosk.languages)
        self.languages = config.kiosk.languages
        self.lang = config.kiosk.default_language
        self.theme = Theme(elder=config.ui.elder_mode)
        self.elder = config.ui.elder_mode
        self.font_path = find_cjk_font(config.resolve(config.ui.font) if config.ui.font else None)
        register_default_font(self.font_path)
        self.dead_widgets = dead_widgets.install()
        self.executor = commands_ui.UiCommands(self)
        # -1: before the next frame is drawn (Clock.tick_draw runs after input), so a touch's event,
        # the session's answer and the screen switch all land in the frame being drawn.
        self._drain = Clock.create_trigger(lambda *_: self.host.drain(), -1)
        self.host = SessionHost(session, self.executor.run, command_sink, wake=self._drain)
        self.host.event_listeners.append(self._note_touch)
        self.host.divert(lambda event: isinstance(event, NoticesUpdated), self._notices_updated)
        self.host.divert(lambda event: isinstance(event, TerminalPrompt), self._terminal_prompt)
        self.host.divert(self._for_maintenance, self._maintenance_result)
        self._screens: dict[str, Any] = {}
        self._unbuilt: list[str] = []  # screens still to build in idle frames (on_start)
        self._model_deadline = 0.0
        self.warmed_up = False  # every screen built and the long-lived objects frozen (_warm_up)
        self.returns_to_idle = 0  # times a session ended on the attract screen
        self.collections_between_people = 0  # full garbage collections run there afterwards
        self._pending_screen: str | None = None
        self._switch = Clock.create_trigger(self._apply_screen_switch, -1)  # several shows: the last wins
        self.sounds = Sounds()
        self.sheet: Any = None
        self._last_activity = -ACTIVITY_INTERVAL
        self._session_screen: tuple[str, Any] | None = None
        self.sm: ScreenManager | None = None
        self.voice: Any = None
        if voice is not None:
            self.attach_voice(voice)

    # -- voice (kiosk/voice, docs/voice.md "Wiring") -------------------------------------------------

    def attach_voice(self, voice: Any) -> None:
        """Speak with ``voice`` (a :class:`kiosk.voice.guide.VoiceGuide`): every command the UI
        carries out goes to it (ShowScreen speaks the screen or its notice, the timeout warning,
        ClearScreens stops it); the terminal's prompts come from the pay screen once it accepted
        them; elder mode and maintenance are passed on. Nothing is synthesised here: the guide's
        library renders in the background (and preloads every static prompt at start-up)."""
        self.voice = voice
        voice.on_change = self._voice_changed
        self.host.command_listeners.append(voice.on_command)
        self.bind(elder=lambda _app, on: voice.set_elder(on))
        voice.set_elder(self.elder)
        self._mirror_voice(voice.state)

    def _voice_changed(self, state: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            self._mirror_voice(state)
        else:
            Clock.schedule_once(lambda _dt: self._mirror_voice(state), -1)

    def _mirror_voice(self, state: Any) -> None:
        self.voice_available = True
        self.voice_speaking = state.speaking
        self.voice_muted = state.muted
        self.voice_volume = state.volume
        self.voice_route = state.route
        self.headphones_available = state.headphones_available

    def voice_control(self, action: str) -> None:
        """A voice button on the header of every screen: repeat, volume_up, volume_down, mute,
        headphones. Each is also a touch (the session sees someone is there)."""
        self.touched()
        voice = self.voice
        if voice is None:
            return
        if action == "repeat":
            voice.repeat()
        elif action == "volume_up":
            voice.volume_up()
        elif action == "volume_down":
            voice.volume_down()
        elif action == "mute":
            voice.toggle_mute()
        elif action == "headphones":
            voice.set_headphones(voice.state.route != "headphones")
        self._mirror_voice(voice.state)

    def _terminal_prompt(self, event: TerminalPrompt) -> None:
        if self.screen("pay").terminal_prompt(event) and self.voice is not None:
            self.voice.terminal_prompt(event.code)

    def on_stop(self) -> None:
        if self.voice is not None:
            self.voice.close()

    # -- building ----------------------------------------------------------------------------------

    def load_kv(self, filename: str | None = None) -> bool:
        """Kivy would auto-load kiosk.kv (named after the class); build() loads every kv file itself,
        in a fixed order, after the widget classes are registered."""
        return False

    def build(self) -> Any:
        import importlib

        for module in sorted((UI_DIR / "widgets").glob("*.py")):  # registers the classes with Factory
            importlib.import_module(f"kiosk.ui.widgets.{module.stem}")
        Builder.load_file(str(UI_DIR / "kiosk.kv"))
        for kv in sorted((UI_DIR / "widgets").glob("*.kv")):
            Builder.load_file(str(kv))
        for name in SCREENS:
            kv = UI_DIR / "screens" / f"{name}.kv"
            if kv.exists():  # tests/ui/test_screens.py proves every registered screen has its pair
                Builder.load_file(str(kv))
        root = Builder.load_string("KioskRoot:\n")
        self.sm = root.ids.sm
        self.sm.transition = NoTransition()
        self.bind(elder=lambda _app, value: setattr(self.theme, "elder", value))
        Window.bind(size=lambda _w, size: self.theme.fit(*size))
        self.theme.fit(*Window.size)
        Window.clearcolor = self.theme.background  # the background itself (kiosk.kv draws none)
        self.theme.bind(background=lambda _theme, colour: setattr(Window, "clearcolor", colour))
        if os.environ.get("SDL_VIDEODRIVER") == "offscreen":
            # Offscreen, a buffer swap does not wait for the (software) renderer, so frames queue up
            # unseen until something syncs, e.g. the next label texture upload, which then waits for
            # all of them (seconds after a long session). Finishing each frame keeps drawing honest.
            Window.bind(on_flip=lambda *_: glFinish())
        return root

    def on_start(self) -> None:
        shared_engine().preload()  # the 0.4 s pinyin model loads off the UI thread
        if self.voice is not None:
            self.voice.start()  # the player's clock thread (the prompts were queued for preloading)
        self.host.start()  # the attract screen (or out of service)
        self._unbuilt = [name for name in SCREENS if name not in self._screens]
        self._model_deadline = time.monotonic() + MODEL_WAIT
        Clock.schedule_once(self._warm_up, 0.5)

    def _warm_up(self, *_: Any) -> None:
        """Build the screens nobody has seen yet, one per frame, while the attract screen waits: a
        screen built on its first touch cost that touch 60-130 ms. When all are built, everything
        made so far lives as long as the app, so it is moved out of the garbage collector's reach
        (a full collection otherwise walks every widget while a touch waits: 150-250 ms stalls)."""
        if self._unbuilt:
            self.screen(self._unbuilt.pop(0))
            Clock.schedule_once(self._warm_up, 0)
            return
        if not shared_engine().ready and time.monotonic() < self._model_deadline:
            Clock.schedule_once(self._warm_up, 0.1)  # the pinyin model (its own thread) is long-lived too
            return
        regions.provinces()  # the address picker's divisions, likewise (loaded once, kept)
        gc.collect()
        gc.freeze()
        self.warmed_up = True

    def screen(self, name: str) -> Any:
        """The screen widget called ``name``, created on first use."""
        if name not in self._screens:
            widget = screen_class(name)(name=name)
            self._screens[name] = widget
            assert self.sm is not None
            self.sm.add_widget(widget)
        return self._screens[name]

    # -- the one thread-safe entry point (the routing is kiosk/host.py's, shared with the headless kiosk)

    @property
    def session(self) -> SessionLike:
        return self.host.session

    @session.setter
    def session(self, session: SessionLike) -> None:
        self.host.session = session

    @property
    def event_listeners(self) -> list[Callable[[Any], None]]:
        return self.host.event_listeners

    @property
    def command_listeners(self) -> list[Callable[[Any], None]]:
        return self.host.command_listeners

    def post(self, event: Any) -> None:
        """Hand ``event`` to the session on the Kivy thread. Safe to call from any thread."""
        self.host.post(event)

    def post_user(self, name: str, **fields: Any) -> None:
        """kv shorthand: ``app.post_user("MoreTime")`` posts ``kiosk.session.events.MoreTime()``."""
        self.post(getattr(ev, name)(**fields))

    def touched(self) -> None:
        """Any touch that changes nothing for the session still proves someone is there."""
        now = self.monotonic()
        if now - self._last_activity >= ACTIVITY_INTERVAL:
            self._last_activity = now
            self.post(ev.UserActivity())

    def dispatch_event(self, event: Any) -> None:
        """Run one event through the routing now (Kivy thread only)."""
        self.host.dispatch(event)

    def execute_all(self, commands: Iterable[Any]) -> None:
        self.host.execute_all(commands)

    def execute(self, command: Any) -> None:
        """Carry out a command as the session's answer would be: UI ones here, others to the sink."""
        self.host.execute(command)

    def _note_touch(self, event: Any) -> None:
        if isinstance(event, ev.UserEvent):
            self._last_activity = self.monotonic()

    def _notices_updated(self, event: NoticesUpdated) -> None:
        self.notices = list(event.notices)

    def _maintenance_result(self, event: Any) -> None:
        self._screens["maintenance"].report(event)

    def _for_maintenance(self, event: Any) -> bool:
        maintenance = self._screens.get("maintenance")
        return maintenance is not None and bool(maintenance.accepts(event))

    # -- screens -----------------------------------------------------------------------------------

    def show(self, name: str, view: Any = None) -> None:
        """Show screen ``name`` with view model ``view`` (switched at the next frame, last one wins).

        While maintenance screens are up, session screens are remembered and shown on exit."""
        widget = self.screen(name)
        widget.view = view if view is not None else {}
        if self.maintenance_active and name not in MAINTENANCE_SCREENS:
            self._session_screen = (name, widget.view)
            return
        if name not in MAINTENANCE_SCREENS:
            self._session_screen = (name, widget.view)
        if self.sheet is not None and name != self.current_screen:
            self.close_sheet()
        self._pending_screen = name
        self._switch()

    def clear_screens(self) -> None:
        """Forget what the last person typed or saw, on every screen built so far."""
        self.close_sheet()
        for widget in self._screens.values():
            widget.clear()

    # -- sheets: the editors and pickers that slide over a screen ----------------------------------

    def open_sheet(self, sheet: Any) -> None:
        self.close_sheet()
        self.sheet = sheet
        self.root.ids.overlay.ids.sheets.add_widget(sheet)

    def close_sheet(self, sheet: Any = None) -> None:
        if self.sheet is not None and (sheet is None or sheet is self.sheet):
            self.root.ids.overlay.ids.sheets.remove_widget(self.sheet)
            self.sheet = None

    def open_editor(self, field: Any) -> Any:
        """Open the keypad/keyboard sheet for ``field``; Done writes the text back."""
        from kiosk.ui.widgets.inputs import TextEditor

        def done(text: str) -> None:
            field.text = text
            field.error = ""
            self.close_sheet()

        editor = TextEditor(field, done)
        self.open_sheet(editor)
        self.touched()
        return editor

    def open_region_picker(self, on_done: Callable[[tuple[Any, ...]], None], initial_code: str = "") -> Any:
        from kiosk.ui.widgets.region_picker import RegionPicker

        def done(path: tuple[Any, ...]) -> None:
            self.close_sheet()
            on_done(path)

        picker = RegionPicker(done, initial_code)
        self.open_sheet(picker)
        self.touched()
        return picker

    # -- maintenance -------------------------------------------------------------------------------

    def open_maintenance(self) -> None:
        """The hidden gesture: ask for the PIN (the session screen stays remembered underneath)."""
        if self.maintenance_active:
            return
        self.close_sheet()
        self.maintenance_active = True
        if self.voice is not None:
            self.voice.set_suspended(True)
        self.root.ids.overlay.hide_timeout_warning()
        self.screen("maintenance_pin").view = {}
        self._pending_screen = "maintenance_pin"
        self._switch()

    def enter_maintenance(self) -> None:
        """PIN accepted: take the kiosk out of service and show the maintenance screen."""
        self.post(ev.OutOfService("maintenance"))
        self.screen("maintenance").view = {}
        self._pending_screen = "maintenance"
        self._switch()

    def close_maintenance(self, *, back_in_service: bool) -> None:
        entered = self.current_screen == "maintenance"
        self.maintenance_active = False
        if self.voice is not None:
            self.voice.set_suspended(False)
        if entered and back_in_service:
            self.post(ev.BackInService("maintenance"))
        if self._session_screen is not None:
            self._pending_screen = self._session_screen[0]
            self._switch()

    def _apply_screen_switch(self, *_: Any) -> None:
        name, self._pending_screen = self._pending_screen, None
        if name is None or self.sm is None:
            return
        if self.sm.current != name:
            self.sm.current = name
        if name == "idle" and self.current_screen != "idle":
            self.returns_to_idle += 1
            Clock.schedule_once(self._collect_between_people, COLLECT_AFTER)
        self.current_screen = name

    def _collect_between_people(self, *_: Any) -> None:
        """A session leaves tens of thousands of objects in reference cycles (widgets and their
        bindings); collecting them takes 50-120 ms, which the automatic full collection otherwise
        spends in the middle of the next person's touch. The automatic collections stay on: with
        full collections held back entirely, Kivy's clock stopped firing timed events after half a
        minute without one (found by the UI tests), so this only makes the usual case cheap."""
        if self.current_screen == "idle":
            gc.collect()
        self.collections_between_people += 1

    # -- language and elder mode -------------------------------------------------------------------

    def tr(self, text: str, lang: str | None = None) -> str:
        """``text`` translated to ``lang`` (kv: ``app.tr("Next", app.lang)`` re-renders on switch)."""
        return self.translator.tr(text, lang or self.lang)

    def trf(self, text: str, lang: str | None = None, **values: Any) -> str:
        """Translate, then fill ``{placeholders}``."""
        return self.translator.format(text, lang or self.lang, **values)

    def pick(self, texts: Any, lang: str | None = None) -> str:
        """Choose the right language from a domain text ({'zh_CN': .., 'en': ..} or an object with
        ``zh``/``en`` attributes); plain strings are returned as they are."""
        return commands_ui.pick_language(texts, lang or self.lang)

    def set_language(self, lang: str) -> None:
        if lang in self.languages:
            self.lang = lang

    def request_language(self, lang: str) -> None:
        """A language button: the session records the choice and answers with SetLanguage."""
        self.post(ev.LanguageChosen(lang))

    def next_language(self, lang: str) -> str:
        languages = list(self.languages)
        return languages[(languages.index(lang) + 1) % len(languages)] if lang in languages else languages[0]

    def other_language_label(self, lang: str) -> str:
        """The language switch shows the language you would switch *to*, in that language."""
        target = self.next_language(lang)
        return LANGUAGE_NAMES.get(target, target)

    def language_name(self, lang: str) -> str:
        return LANGUAGE_NAMES.get(lang, lang)

    def hall_name(self, lang: str) -> str:
        kiosk = self.config_data.kiosk
        return (kiosk.hall_name_zh if lang.startswith("zh") else kiosk.hall_name_en) or kiosk.hall_name_zh

    def toggle_elder(self) -> None:
        self.elder = not self.elder
