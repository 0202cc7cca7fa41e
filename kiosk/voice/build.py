"""The kiosk's voice from its configuration (``[voice]`` in config/kiosk.ini)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from kiosk.config import KioskConfig
from kiosk.voice.engine import EspeakEngine
from kiosk.voice.guide import HEADPHONES, SPEAKER, VoiceGuide, VoiceState
from kiosk.voice.library import ClipLibrary
from kiosk.voice.outputs import AplayOutput, NullOutput
from kiosk.voice.player import AudioOutput
from kiosk.voice.prompts import VoiceCatalogue
from kiosk.voice.script import Script


def engine_from(config: KioskConfig) -> EspeakEngine:
    return EspeakEngine(config.voice.voices())


def library_from(config: KioskConfig) -> ClipLibrary:
    return ClipLibrary(engine_from(config), config.resolve(config.voice.cache_dir),
                       config.resolve(config.voice.recorded_dir))


def outputs_from(config: KioskConfig) -> dict[str, AudioOutput]:
    """Speaker, and headphones where the hall has a jack (``headphone_device``)."""
    voice = config.voice
    if voice.output == "none":
        return {SPEAKER: NullOutput()}
    outputs: dict[str, AudioOutput] = {SPEAKER: AplayOutput(voice.speaker_device)}
    if voice.headphone_device:
        outputs[HEADPHONES] = AplayOutput(voice.headphone_device)
    return outputs


def build_voice(config: KioskConfig, *, outputs: Mapping[str, AudioOutput] | None = None,
                clock: Callable[[], float] = time.monotonic,
                on_change: Callable[[VoiceState], None] | None = None) -> VoiceGuide:
    """The guide, its prompts queued for loading if ``preload``; the caller calls ``start()`` once
    and ``close()`` at exit."""
    voice = config.voice
    library = library_from(config)
    guide = VoiceGuide(Script(VoiceCatalogue(config.kiosk.languages)), library,
                       outputs if outputs is not None else outputs_from(config), clock=clock,
                       default_language=config.kiosk.default_language, autoplay=voice.autoplay,
                       elder=config.ui.elder_mode, volume=voice.volume,
                       guidance_interval=voice.guidance_interval, on_change=on_change)
    library.on_ready = guide.wake
    if voice.preload:
        guide.preload(config.kiosk.languages)
    return guide
