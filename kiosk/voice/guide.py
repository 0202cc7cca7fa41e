"""The kiosk's voice: what the UI calls, and when (docs/voice.md, "Wiring").

:class:`VoiceGuide` joins the session's commands and the applicant's controls to the player:

* ``on_command(command)`` for every command the UI executes (``ShowScreen`` speaks the screen,
  ``ShowTimeoutWarning`` the warning, ``HideTimeoutWarning`` stops it, ``ClearScreens`` ends the
  session's voice); ``on_event(event)`` for every event (``TerminalPrompt`` speaks the terminal's
  prompt). Both ignore anything else, so they can be listeners on everything.
* ``photo_guidance(code)`` whenever the camera screen's live guidance code is known.
* the controls: ``repeat()``, ``volume_up()``, ``volume_down()``, ``toggle_mute()``,
  ``set_headphones(on)``, ``set_elder(on)``, ``set_suspended(on)`` (maintenance); ``state`` (and
  ``on_change``) for the buttons' looks.

When prompts play by themselves (*speaking*): always, never, or in elder mode (``[voice]
autoplay``); pressing repeat, a volume button, unmute or headphones turns speaking on for the rest
of the session, because the person has just asked for voice. A screen is spoken when it is shown
for a new step or language, or when its view gains a new notice; a view refreshed for any other
reason (a typed character) says nothing. The attract and out-of-service screens never speak by
themselves (there is nobody to hear them until someone touches the screen).

Everything is safe to call from any thread (one lock). :meth:`start` runs the player's clock on a
daemon thread; tests instead call :meth:`tick` with an injected clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kiosk.services.service_events import TerminalPrompt
from kiosk.session import commands as c
from kiosk.voice.player import AudioOutput, ClipSource, VoicePlayer
from kiosk.voice.script import Script
from kiosk.voice.utterance import Segment, Utterance

log = logging.getLogger(__name__)

Autoplay = Literal["always", "elder", "never"]
QUIET_SCREENS = frozenset({"idle", "out_of_service"})
SPEAKER, HEADPHONES = "speaker", "headphones"
WARNING_DELAY = 0.6
"""The timeout warning is spoken after the UI's warning chime (kiosk/ui/sounds.py, 0.54 s), not over it."""


@dataclass(frozen=True)
class VoiceState:
    """What the voice controls show."""

    speaking: bool                 # prompts play by themselves on each screen
    muted: bool
    volume: float                  # 0.1 .. 1
    route: str                     # "speaker" or "headphones"
    headphones_available: bool     # the hall has a jack (offer the headphone button)


class VoiceGuide:
    def __init__(self, script: Script, clips: ClipSource, outputs: Mapping[str, AudioOutput], *,
                 clock: Callable[[], float] = time.monotonic, default_language: str = "zh_CN",
                 autoplay: Autoplay = "elder", elder: bool = False, volume: float = 0.8,
                 guidance_interval: float = 2.0,
                 on_change: Callable[[VoiceState], None] | None = None) -> None:
        self.script = script
        self.clips = clips
        self.player = VoicePlayer(clips, outputs, clock, volume=volume, guidance_interval=guidance_interval)
        self.autoplay: Autoplay = autoplay
        self.elder = elder
        self.default_volume = self.player.volume
        self.default_language = default_language
        self.on_change = on_change
        self.lang = default_language
        self.suspended = False
        self._asked = False                     # the applicant asked for voice this session
        self._shown: tuple[str, str, str, str] | None = None
        self._step = ""
        self._screen = ""
        self._view: Mapping[str, Any] = {}
        self._warning = False
        self._terminal_code = ""
        self._hints: dict[tuple[str, str], Utterance | None] = {}   # (code, lang) -> utterance
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- state -------------------------------------------------------------------------------------

    @property
    def speaking(self) -> bool:
        return self._asked or self.autoplay == "always" or (self.autoplay == "elder" and self.elder)

    @property
    def state(self) -> VoiceState:
        with self._lock:
            return VoiceState(self.speaking, self.player.muted, self.player.volume, self.player.route,
                              HEADPHONES in self.player.outputs)

    def _changed(self) -> None:
        if self.on_change is not None:
            try:
                self.on_change(self.state)
            except Exception:
                log.exception("voice on_change listener failed")

    # -- the session's commands and the services' events --------------------------------------------

    def on_command(self, command: Any) -> None:
        if isinstance(command, c.ShowScreen):
            self.screen_shown(command.step.value, command.screen, command.view)
        elif isinstance(command, c.ShowTimeoutWarning):
            self.timeout_warning()
        elif isinstance(command, c.HideTimeoutWarning):
            self.timeout_warning_hidden()
        elif isinstance(command, c.ClearScreens):
            self.session_ended()

    def on_event(self, event: Any) -> None:
        if isinstance(event, TerminalPrompt):
            self.terminal_prompt(event.code)

    def screen_shown(self, step: str, screen: str, view: Mapping[str, Any]) -> None:
        """A screen is shown (``ShowScreen``): speak it if it is new, or its new notice."""
        with self._lock:
            lang = str(view.get("language") or self.lang)
            notice = str(view.get("notice") or "")
            shown = (step, screen, lang, notice)
            previous, self._shown = self._shown, shown
            self._view, self._step, self._screen, self.lang = view, step, screen, lang
            if previous == shown:
                return
            if previous is None or previous[:3] != shown[:3]:
                self.player.clear_guidance()
                self._terminal_code = ""
                self._warning = False
            elif not notice:
                return  # same screen, its notice went away: nothing new to say
            if self.suspended:
                return
            if screen in QUIET_SCREENS and not notice:
                self.player.stop()
                return
            if self.speaking:
                self._say(self.script.screen(step, screen, view, lang))
            else:
                self.player.stop()

    def timeout_warning(self) -> None:
        with self._lock:
            self._warning = True
            if not self.suspended and self.speaking:
                self._say(self.script.warning(self.lang), delay=WARNING_DELAY)

    def timeout_warning_hidden(self) -> None:
        with self._lock:
            self._warning = False
            speaking = self.player.speaking
            if speaking is not None and speaking.kind == "warning":
                self.player.stop()
                self._wake.notify()

    def terminal_prompt(self, code: str) -> None:
        """The payment terminal asks something (``TerminalPrompt.code``); said once per new code."""
        with self._lock:
            if code == self._terminal_code:
                return
            self._terminal_code = code
            if not self.suspended and self.speaking:
                self._say(self.script.terminal(code, self.lang))

    def photo_guidance(self, code: str | None) -> None:
        """The camera screen's live guidance (``GUIDANCE_CODES`` or a reason code); '' or None when
        there is none. Call it as often as the code is known: the player keeps to the rules."""
        with self._lock:
            if self._screen != "photo" or self.suspended or not self.speaking:
                return
            if not code:
                self.player.clear_guidance()
                return
            key = (code, self.lang)
            if key not in self._hints:  # called every camera frame: look the words up once
                self._hints[key] = self.script.photo(code, self.lang)
            utterance = self._hints[key]
            if utterance is not None:
                self.player.guide(utterance)
                if self.player.busy:
                    self._wake.notify()

    def session_ended(self) -> None:
        """The session is over (``ClearScreens``): silence, and the next person starts afresh."""
        with self._lock:
            self.player.stop()
            self.player.clear_guidance()
            self.player.set_muted(False)
            self.player.set_volume(self.default_volume)
            if HEADPHONES in self.player.outputs:
                self.player.set_route(SPEAKER)
            self._asked = False
            self._shown = None
            self._view, self._step, self._screen = {}, "", ""
            self._warning = False
            self._terminal_code = ""
            self.lang = self.default_language
            self._wake.notify()
        self._changed()

    # -- the applicant's controls ------------------------------------------------------------------

    def repeat(self) -> None:
        """The speak/repeat button: say the current screen again (and turn speaking on)."""
        with self._lock:
            self._asked = True
            self.player.set_muted(False)
            if self._warning:
                self._say(self.script.warning(self.lang))
            elif self._screen:
                self._say(self.script.screen(self._step, self._screen, self._view, self.lang))
        self._changed()

    def volume_up(self) -> None:
        self._volume(self.player.volume_up)

    def volume_down(self) -> None:
        self._volume(self.player.volume_down)

    def _volume(self, change: Callable[[], float]) -> None:
        with self._lock:
            self._asked = True
            change()
            self._say(self.script.control("volume", self.lang))
        self._changed()

    def toggle_mute(self) -> None:
        with self._lock:
            if self.player.muted:
                self._asked = True
                self.player.set_muted(False)
                if self._screen:
                    self._say(self.script.screen(self._step, self._screen, self._view, self.lang))
            else:
                self.player.set_muted(True)
            self._wake.notify()
        self._changed()

    def set_headphones(self, on: bool) -> None:
        """Headphone mode: speech goes to the headphone output (when the hall has a jack)."""
        route = HEADPHONES if on else SPEAKER
        with self._lock:
            if route not in self.player.outputs or route == self.player.route:
                return
            self._asked = True
            self.player.set_route(route)
            self._say(self.script.control(route, self.lang))
        self._changed()

    def set_elder(self, on: bool) -> None:
        """Elder mode changed: with ``autoplay = elder`` voice comes on (and says this screen)."""
        with self._lock:
            was = self.speaking
            self.elder = on
            if self.speaking and not was and self._screen and self._screen not in QUIET_SCREENS:
                self._say(self.script.screen(self._step, self._screen, self._view, self.lang))
            elif was and not self.speaking:
                self.player.stop()
        self._changed()

    def set_suspended(self, on: bool) -> None:
        """Maintenance is open: say nothing until it closes."""
        with self._lock:
            self.suspended = on
            if on:
                self.player.stop()
                self._wake.notify()

    # -- preparing ---------------------------------------------------------------------------------

    def static_segments(self, languages: tuple[str, ...]) -> list[Segment]:
        """Every static prompt in ``languages`` (what :meth:`preload` loads)."""
        from kiosk.voice.prompts import DYNAMIC, all_prompt_ids

        out = []
        for lang in languages:
            for prompt_id in all_prompt_ids():
                if prompt_id not in DYNAMIC:
                    segment = self.script.segment(prompt_id, lang)
                    if segment is not None and segment.lang == lang:
                        out.append(segment)
        return out

    def preload(self, languages: tuple[str, ...]) -> None:
        request = getattr(self.clips, "preload", None)
        segments = self.static_segments(languages)
        if request is not None:
            request(segments)
        else:
            for segment in segments:
                self.clips.request(segment)

    # -- the clock ---------------------------------------------------------------------------------

    def _say(self, utterance: Utterance | None, delay: float = 0.0) -> None:
        if utterance is None:
            return
        self.player.say(utterance, delay)
        self._wake.notify()

    def tick(self) -> float | None:
        with self._lock:
            return self.player.tick()

    def wake(self, *_args: Any) -> None:
        """Something changed outside (a clip became ready): let the clock thread look again."""
        with self._lock:
            self._wake.notify()

    def start(self) -> None:
        """Run the player's clock on a daemon thread (the kiosk; tests tick by hand)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="voice-clock", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        with self._lock:
            while not self._closed:
                due = self.player.tick()
                self._wake.wait(timeout=due)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self.player.stop()
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        close = getattr(self.clips, "close", None)
        if close is not None:
            close()
