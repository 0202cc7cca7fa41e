"""Echo device driver: one verb, :meth:`EchoDevice.echo`, over any port URL.

The smallest driver that follows :mod:`drivers.contract`: the link's reader thread hands every event
to :meth:`EchoDevice._on_link_event`, which announces the port's coming and going to the listeners
as ``HealthChanged`` and queues the rest for the caller waiting in :meth:`EchoDevice.echo`.
"""

from __future__ import annotations

import queue
import time

from drivers.contract import OFFLINE, OK, DeviceHealth, Listener, Listeners
from drivers.echo.protocol import Echo, Echoed, EchoProtocol
from drivers.errors import DeviceTimeout, RemoteProtocolError
from drivers.link import Link, LinkDown, LinkUp, SerialSettings


class EchoDevice:
    def __init__(self, url: str, *, baudrate: int = 115200, timeout: float = 1.0) -> None:
        self.timeout = timeout
        self._listeners = Listeners("echo")
        self._answers: queue.Queue[object] = queue.Queue()
        self.link = Link(url, EchoProtocol(), self._on_link_event, settings=SerialSettings(baudrate=baudrate),
                         name="echo")

    def start(self, wait: float | None = None) -> EchoDevice:
        self.link.start(wait=wait)
        return self

    def stop(self) -> None:
        self.link.close()

    def health(self) -> DeviceHealth:
        return OK if self.link.connected else OFFLINE

    def listen(self, listener: Listener) -> None:
        """Listeners hear HealthChanged only: the echo's answers go to the caller of :meth:`echo`."""
        self._listeners.add(listener)

    def echo(self, payload: bytes) -> bytes:
        """Send ``payload`` and return what came back. Garbage raises RemoteProtocolError."""
        self.link.flush_input()
        while not self._answers.empty():  # a late answer to an earlier echo is not this one's
            self._answers.get_nowait()
        self.link.send(Echo(payload))
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                event = self._answers.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise DeviceTimeout(f"echo: no answer within {self.timeout:.2f} s") from None
            if isinstance(event, Echoed):
                return event.payload
            if isinstance(event, RemoteProtocolError):
                raise event
            if isinstance(event, LinkDown):
                raise DeviceTimeout(f"echo: link went down while waiting: {event.reason}")

    def _on_link_event(self, event: object) -> None:
        if isinstance(event, LinkUp):
            self._listeners.announce(OK)
        elif isinstance(event, LinkDown):
            self._listeners.announce(OFFLINE)
        self._answers.put(event)
