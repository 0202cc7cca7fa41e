"""Echo device driver: one verb, :meth:`EchoDevice.echo`, over any port URL."""

from __future__ import annotations

from drivers.echo.protocol import Echo, Echoed, EchoProtocol
from drivers.errors import DeviceTimeout, RemoteProtocolError
from drivers.link import Link, LinkDown, LinkUp, SerialSettings


class EchoDevice:
    def __init__(self, url: str, *, baudrate: int = 115200, timeout: float = 1.0) -> None:
        self.timeout = timeout
        self.link = Link(url, EchoProtocol(), settings=SerialSettings(baudrate=baudrate), name="echo")

    def open(self, wait: float = 2.0) -> EchoDevice:
        self.link.start(wait=wait)
        return self

    def close(self) -> None:
        self.link.close()

    def echo(self, payload: bytes) -> bytes:
        """Send ``payload`` and return what came back. Garbage raises RemoteProtocolError."""
        self.link.flush_input()
        self.link.send(Echo(payload))
        while True:
            event = self.link.next_event(self.timeout)
            if isinstance(event, Echoed):
                return event.payload
            if isinstance(event, RemoteProtocolError):
                raise event
            if isinstance(event, LinkDown):
                raise DeviceTimeout(f"echo: link went down while waiting: {event.reason}")
            if isinstance(event, LinkUp):
                continue
