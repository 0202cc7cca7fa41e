"""The device side of a simulated device, independent of how it is reached.

A :class:`Simulator` gets the bytes the host wrote (:meth:`Simulator.on_data`) and answers with
:meth:`Simulator.send`. It never blocks: a device that "takes time" schedules its answer with
:meth:`Simulator.call_later`. The same object is reachable in process through the ``sim://`` URL
handler (``drivers/sim/protocol_sim.py``) or over a real pseudo-terminal (``drivers/sim/pty.py``).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable

HostSink = Callable[[bytes], None]


class _Timers:
    """One worker thread running callbacks at their due time, in due order (FIFO for equal times)."""

    def __init__(self, name: str) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"sim-timers-{name}", daemon=True)
        self._thread.start()

    def call_at(self, when: float, fn: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (when, next(self._seq), fn))
            self._cond.notify()

    def cancel_all(self) -> None:
        with self._cond:
            self._heap.clear()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = None if not self._heap else self._heap[0][0] - time.monotonic()
                    self._cond.wait(timeout)
                if self._closed:
                    return
                _, _, fn = heapq.heappop(self._heap)
            fn()


class Simulator:
    """Base class for the device side of one device.

    Subclasses set :attr:`device` (the name in ``sim://<device>``) and implement :meth:`on_data`.
    ``plugged`` models the cable: an unplugged device makes the host's port fail as a vanished USB
    adapter does, and reopening fails until :meth:`replug`.
    """

    device = "device"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._sinks: list[HostSink] = []
        self._timers: _Timers | None = None
        self._plug_listeners: list[Callable[[bool], None]] = []
        self.plugged = True
        self.received = bytearray()  # everything the host ever wrote, for tests and field captures

    # -- wiring, used by the transports ---------------------------------------------------------
    def connect(self, sink: HostSink) -> None:
        with self._lock:
            self._sinks.append(sink)

    def disconnect(self, sink: HostSink) -> None:
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def add_plug_listener(self, listener: Callable[[bool], None]) -> None:
        self._plug_listeners.append(listener)

    def receive(self, data: bytes) -> None:
        """Bytes the host wrote. Transports call this; subclasses override :meth:`on_data`."""
        with self._lock:
            if not self.plugged:
                return
            self.received.extend(data)
            self.on_data(data)

    # -- what subclasses use --------------------------------------------------------------------
    def on_data(self, data: bytes) -> None:
        """Handle bytes from the host. Must not block; use :meth:`call_later` for delays."""
        raise NotImplementedError

    def send(self, data: bytes) -> None:
        """Bytes from the device to the host (dropped while unplugged, as on a real cable)."""
        with self._lock:
            if not self.plugged or not data:
                return
            sinks = list(self._sinks)
        for sink in sinks:
            sink(bytes(data))

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` (under the simulator's lock) after ``delay`` seconds; 0 still goes via the timer."""
        with self._lock:
            if self._timers is None:
                self._timers = _Timers(self.device)
            timers = self._timers

        def run() -> None:
            with self._lock:
                fn()

        timers.call_at(time.monotonic() + max(0.0, delay), run)

    def cancel_pending(self) -> None:
        """Drop every scheduled answer (a device that loses power forgets what it was doing)."""
        with self._lock:
            if self._timers is not None:
                self._timers.cancel_all()

    # -- faults common to every device ----------------------------------------------------------
    def unplug(self) -> None:
        """Pull the cable: the host's open port fails and reopening fails until :meth:`replug`."""
        with self._lock:
            self.plugged = False
            self.cancel_pending()
        for listener in list(self._plug_listeners):
            listener(False)

    def replug(self) -> None:
        with self._lock:
            self.plugged = True
        for listener in list(self._plug_listeners):
            listener(True)

    def close(self) -> None:
        """Stop the timer thread. The simulator cannot be used afterwards."""
        with self._lock:
            timers, self._timers = self._timers, None
        if timers is not None:
            timers.close()
