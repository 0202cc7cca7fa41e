"""Where a segment's audio comes from, and getting it ready before it is needed.

For a static segment (a catalogue prompt), in order:

1. a site's **recording**: ``<recorded_dir>/<lang>/<prompt-id>.wav`` (``assets/voice`` by default),
   any PCM WAV; it always wins, so better voices need no code change;
2. the **render cache**: ``<cache_dir>/<lang>/<prompt-id>.<digest>.wav``, where the digest covers the
   words and the engine's signature (a changed translation or voice is rendered anew; stale files
   are removed by ``python -m kiosk.voice render``);
3. the **engine**, whose clip is written to the cache.

A dynamic segment (words filled in at the moment) is rendered by the engine and kept in memory
only: it is never written to disk.

Nothing here runs on the caller's thread unless asked (:meth:`load`): :meth:`request` queues the
work for one background worker thread and :meth:`clip` answers from memory at once (None while the
clip is not ready), which is what the player calls from a touch handler. :meth:`preload` queues
every static prompt at start-up, so screens speak from memory.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path

from kiosk.voice.audio import AudioFormatError, Clip, read_wav, write_wav
from kiosk.voice.engine import SpeechEngine, SpeechUnavailable
from kiosk.voice.utterance import Segment

log = logging.getLogger(__name__)

DYNAMIC_KEPT = 64  # dynamic clips kept in memory (a session needs a handful)


class ClipLibrary:
    def __init__(self, engine: SpeechEngine | None, cache_dir: Path, recorded_dir: Path | None = None,
                 on_ready: Callable[[Segment], None] | None = None) -> None:
        self.engine = engine
        self.cache_dir = cache_dir
        self.recorded_dir = recorded_dir
        self.on_ready = on_ready
        self._static: dict[tuple[str, str, str], Clip] = {}
        self._dynamic: OrderedDict[tuple[str, str], Clip] = OrderedDict()
        self._failed: set[tuple[str, str, str]] = set()
        self._queued: set[tuple[str, str, str]] = set()
        self._lock = threading.Condition()  # guards the maps; notified when the queue empties
        self._work: queue.Queue[Segment | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._stopped = False

    # -- keys and paths ----------------------------------------------------------------------------

    @staticmethod
    def key(segment: Segment) -> tuple[str, str, str]:
        return (segment.lang, segment.prompt_id if segment.static else "", segment.text)

    def recorded_path(self, segment: Segment) -> Path | None:
        if not segment.static or not segment.prompt_id or self.recorded_dir is None:
            return None
        return self.recorded_dir / segment.lang / f"{segment.prompt_id}.wav"

    def cache_path(self, segment: Segment) -> Path | None:
        if not segment.static or not segment.prompt_id or self.engine is None:
            return None
        signature = self.engine.signature(segment.lang)
        digest = hashlib.sha256(f"{signature}\n{segment.text}".encode()).hexdigest()[:12]
        return self.cache_dir / segment.lang / f"{segment.prompt_id}.{digest}.wav"

    # -- answering at once -------------------------------------------------------------------------

    def clip(self, segment: Segment) -> Clip | None:
        """The clip if it is in memory (never blocks, never renders)."""
        key = self.key(segment)
        with self._lock:
            if segment.static:
                return self._static.get(key)
            clip = self._dynamic.get(key[::2])
            if clip is not None:
                self._dynamic.move_to_end(key[::2])
            return clip

    def failed(self, segment: Segment) -> bool:
        """The clip could not be made (no engine, a bad recording...): waiting for it is pointless."""
        with self._lock:
            return self.key(segment) in self._failed

    # -- getting clips ready -----------------------------------------------------------------------

    def request(self, segment: Segment) -> None:
        """Have the clip made ready in the background (no-op if it is ready or on its way)."""
        key = self.key(segment)
        with self._lock:
            if self._stopped or key in self._queued or key in self._failed:
                return
            if (self._static if segment.static else self._dynamic).get(key if segment.static else key[::2]):
                return
            self._queued.add(key)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="voice-render", daemon=True)
                self._worker.start()
        self._work.put(segment)

    def preload(self, segments: Iterable[Segment]) -> None:
        for segment in segments:
            self.request(segment)

    def load(self, segment: Segment) -> Clip:
        """Make the clip now on this thread (the render command, the worker). Raises
        :class:`SpeechUnavailable` or :class:`AudioFormatError` when it cannot be had."""
        clip = self.clip(segment)
        if clip is not None:
            return clip
        clip = self._find_or_render(segment)
        key = self.key(segment)
        with self._lock:
            if segment.static:
                self._static[key] = clip
            else:
                self._dynamic[key[::2]] = clip
                while len(self._dynamic) > DYNAMIC_KEPT:
                    self._dynamic.popitem(last=False)
        return clip

    def _find_or_render(self, segment: Segment) -> Clip:
        recorded = self.recorded_path(segment)
        if recorded is not None and recorded.is_file():
            return read_wav(recorded)
        cached = self.cache_path(segment)
        if cached is not None and cached.is_file():
            try:
                return read_wav(cached)
            except AudioFormatError:
                log.warning("voice cache file %s is damaged; rendering it again", cached.name)
        if self.engine is None:
            raise SpeechUnavailable("no speech engine and no recorded or cached file")
        clip = self.engine.synthesise(segment.text, segment.lang)
        if cached is not None:
            try:
                write_wav(cached, clip)
            except OSError as exc:  # a read-only cache still speaks, from memory
                log.warning("voice cache %s cannot be written (%s)", cached.parent, exc)
        return clip

    def _run(self) -> None:
        while True:
            segment = self._work.get()
            if segment is None:
                return
            key = self.key(segment)
            try:
                self.load(segment)
            except (SpeechUnavailable, AudioFormatError, OSError) as exc:
                with self._lock:
                    self._failed.add(key)
                log.warning("voice prompt %s (%s) cannot be made: %s", segment.label, segment.lang, exc)
            finally:
                with self._lock:
                    self._queued.discard(key)
                    if not self._queued:
                        self._lock.notify_all()
            if self.on_ready is not None:
                try:
                    self.on_ready(segment)
                except Exception:  # a listener's bug must not kill the worker
                    log.exception("voice on_ready listener failed")

    def idle(self, timeout: float) -> bool:
        """Wait until nothing is queued (tests, the render command); False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._queued, timeout)

    def close(self) -> None:
        with self._lock:
            self._stopped = True
            worker = self._worker
        if worker is not None:
            self._work.put(None)
            worker.join(timeout=5)

    # -- maintenance -------------------------------------------------------------------------------

    def stale_cache_files(self, keep: Iterable[Path]) -> list[Path]:
        """Cached renders no current prompt uses (old words, old engine settings)."""
        wanted = {p.resolve() for p in keep}
        if not self.cache_dir.is_dir():
            return []
        return sorted(p for p in self.cache_dir.rglob("*.wav") if p.resolve() not in wanted)
