"""Exception types shared by every device.

A device's *answers* (a declined card, an empty paper roll, no card on the reader) are events or
results, never exceptions. Exceptions are reserved for a link that is gone, a device that does not
answer in time, and bytes that break the protocol.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every error raised by a driver or the link layer."""


class DeviceUnavailable(DeviceError):
    """The port cannot be opened, or it vanished (USB unplugged, pty closed)."""


class DeviceTimeout(DeviceError):
    """The device did not answer within the time the protocol allows."""


class ProtocolError(DeviceError):
    """Bytes or a command that break the wire protocol. Never raised directly; see the subclasses."""

    def __new__(cls, *args: object, **kwargs: object) -> ProtocolError:
        if cls is ProtocolError:
            raise TypeError("raise LocalProtocolError or RemoteProtocolError, not ProtocolError")
        return super().__new__(cls)


class LocalProtocolError(ProtocolError):
    """Our own code asked the codec for something illegal (a bug on this side)."""


class RemoteProtocolError(ProtocolError):
    """The device sent bytes that do not follow the protocol (garbage, bad checksum, bad length)."""
