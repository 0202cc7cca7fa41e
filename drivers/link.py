"""One serial link: open a pyserial URL, read on a thread, feed a codec, reopen when the port vanishes.

Theory of operation (model: pyserial's ``serial.threaded.ReaderThread``, with the parsing moved
out into a sans-I/O codec):

* The port is any pyserial URL: ``/dev/ttyUSB0``, a pty path, ``socket://host:port``,
  ``spy:///dev/ttyUSB0`` (hex dump for field debugging) or ``sim://<device>`` (in-process
  simulator). Code never changes between hardware and simulation.
* A daemon thread owns the port. It reads whatever arrives, feeds the codec under a lock and drains
  the codec's events to ``on_event``, outside the lock. When no ``on_event`` is given, events queue
  up for :meth:`Link.next_event`, which is how request/response drivers wait with a timeout.
* A vanished port (USB unplug: pyserial raises on read) closes the port, emits :class:`LinkDown`,
  and the thread reopens the same URL with exponential backoff; success emits :class:`LinkUp`.
* Bytes that break the protocol arrive as a :class:`drivers.errors.RemoteProtocolError` *event*,
  so the driver decides (NAK, resynchronise, report) and the reader thread never dies of garbage.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import termios
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import serial

import drivers.ports  # registers the lp:// URL scheme with pyserial
import drivers.sim  # noqa: F401  (registers the sim:// URL scheme with pyserial)
from drivers.codec import NEED_DATA, Codec
from drivers.errors import DeviceTimeout, DeviceUnavailable, RemoteProtocolError

log = logging.getLogger(__name__)

_READ_POLL = 0.05  # seconds the reader blocks in read(); bounds how long close() waits
_MAX_ERRORS_PER_CHUNK = 64  # a codec that keeps raising on one chunk is reset, never spun on
# What a vanished port raises: pyserial's own error, the OS error, or termios.error from tcflush/
# tcsetattr (not an OSError subclass); Type/AttributeError when pyserial's fd was closed under it.
_PORT_ERRORS = (serial.SerialException, OSError, termios.error, TypeError, AttributeError)


@dataclass(frozen=True)
class LinkUp:
    """The port is open (first time or after a reconnect)."""

    url: str


@dataclass(frozen=True)
class LinkDown:
    """The port could not be opened or vanished; the link keeps trying to reopen it."""

    url: str
    reason: str


@dataclass(frozen=True)
class SerialSettings:
    """Line settings passed to pyserial (ignored by transports that have none, such as sim://)."""

    baudrate: int = 9600
    bytesize: int = serial.EIGHTBITS
    parity: str = serial.PARITY_NONE
    stopbits: float = serial.STOPBITS_ONE
    write_timeout: float = 2.0
    extra: dict[str, Any] = field(default_factory=dict)


class Link:
    """A reconnecting serial link that feeds one codec."""

    def __init__(
        self,
        url: str,
        codec: Codec,
        on_event: Callable[[Any], None] | None = None,
        *,
        settings: SerialSettings | None = None,
        reconnect_initial: float = 0.05,
        reconnect_max: float = 2.0,
        name: str | None = None,
    ) -> None:
        self.url = url
        self.codec = codec
        self.settings = settings or SerialSettings()
        self.name = name or url
        self._on_event = on_event
        self._events: queue.Queue[Any] = queue.Queue()
        self._codec_lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._port: serial.Serial | None = None
        self._port_lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._reconnect_initial = reconnect_initial
        self._reconnect_max = reconnect_max
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.opened = 0  # successful opens; more than one means the link recovered from a loss

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, wait: float | None = None) -> Link:
        """Start the reader thread. With ``wait``, block until the port opened or raise
        :class:`DeviceUnavailable` (the thread keeps retrying either way)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"link-{self.name}", daemon=True)
            self._thread.start()
        if wait is not None and not self._connected.wait(wait):
            raise DeviceUnavailable(f"{self.name}: could not open {self.url}: {self.last_error}")
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._drop_port()

    def __enter__(self) -> Link:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    # -- writing --------------------------------------------------------------------------------
    def send(self, command: Any) -> bytes:
        """Encode ``command`` with the codec (under the codec lock) and write the bytes."""
        with self._codec_lock:
            data = self.codec.send(command)  # type: ignore[attr-defined]
        self.write(data)
        return data

    def write(self, data: bytes) -> None:
        """Write raw bytes; :class:`DeviceUnavailable` if the port is down,
        :class:`DeviceTimeout` if the device does not take them in time."""
        port = self._port
        if port is None or not self._connected.is_set():
            raise DeviceUnavailable(f"{self.name}: port {self.url} is not open ({self.last_error})")
        try:
            with self._write_lock:
                port.write(data)
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(f"{self.name}: write timed out") from exc
        except _PORT_ERRORS as exc:
            self._port_failed(exc)
            raise DeviceUnavailable(f"{self.name}: write failed: {exc}") from exc

    def flush_input(self) -> None:
        """Forget unread bytes, partial frames and queued events (before a new request)."""
        port = self._port
        if port is not None:
            try:
                port.reset_input_buffer()
            except _PORT_ERRORS as exc:
                self._port_failed(exc)
        with self._codec_lock:
            self.codec.reset()
        self.clear_events()

    # -- events when no callback was given --------------------------------------------------------
    def next_event(self, timeout: float) -> Any:
        """The next event from the codec or link, waiting at most ``timeout`` seconds."""
        if self._on_event is not None:
            raise RuntimeError("next_event() is only for links created without on_event")
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            raise DeviceTimeout(f"{self.name}: no answer within {timeout:.2f} s") from None

    def clear_events(self) -> None:
        while True:
            try:
                self._events.get_nowait()
            except queue.Empty:
                return

    def _emit(self, event: Any) -> None:
        if self._on_event is None:
            self._events.put(event)
            return
        try:
            self._on_event(event)
        except Exception:  # a buggy callback must not kill the reader thread
            log.exception("%s: event handler failed on %s", self.name, type(event).__name__)

    # -- the reader thread ----------------------------------------------------------------------
    def _open(self) -> serial.Serial:
        s = self.settings
        port = serial.serial_for_url(
            self.url, baudrate=s.baudrate, bytesize=s.bytesize, parity=s.parity, stopbits=s.stopbits,
            timeout=_READ_POLL, write_timeout=s.write_timeout, **s.extra,
        )
        return port

    def _drop_port(self) -> None:
        with self._port_lock:
            port, self._port = self._port, None
            self._connected.clear()
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _port_failed(self, exc: BaseException) -> None:
        was_up = self._connected.is_set()
        self.last_error = str(exc) or type(exc).__name__
        self._drop_port()
        if was_up:
            log.warning("%s: port lost: %s", self.name, self.last_error)
            self._emit(LinkDown(self.url, self.last_error))

    def _run(self) -> None:
        backoff = self._reconnect_initial
        reported_down = False
        while not self._stop.is_set():
            if self._port is None:
                try:
                    port = self._open()
                except (*_PORT_ERRORS, ValueError) as exc:
                    self.last_error = str(exc) or type(exc).__name__
                    if not reported_down:
                        reported_down = True
                        log.warning("%s: cannot open %s: %s", self.name, self.url, self.last_error)
                        self._emit(LinkDown(self.url, self.last_error))
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self._reconnect_max)
                    continue
                with self._codec_lock:
                    self.codec.reset()
                with self._port_lock:
                    self._port = port
                    self._connected.set()
                if self.opened:
                    log.info("%s: port open again", self.name)
                self.opened += 1
                reported_down = False
                backoff = self._reconnect_initial
                self._emit(LinkUp(self.url))
            port = self._port
            if port is None:
                continue
            try:
                waiting = port.in_waiting
                data = port.read(waiting or 1)
            except _PORT_ERRORS as exc:
                if self._stop.is_set():
                    return
                self._port_failed(exc)
                reported_down = True
                continue
            if data:
                self._feed(data)

    def _feed(self, data: bytes) -> None:
        events: list[Any] = []
        with self._codec_lock:
            self.codec.receive_data(data)
            errors = 0
            while True:
                try:
                    event = self.codec.next_event()
                except RemoteProtocolError as exc:
                    events.append(exc)
                    errors += 1
                    if errors >= _MAX_ERRORS_PER_CHUNK:
                        self.codec.reset()
                        break
                    continue
                if event is NEED_DATA:
                    break
                events.append(event)
        for event in events:
            self._emit(event)
