"""The contract between a sans-I/O codec and the link that feeds it.

A codec turns commands into bytes (``send``) and bytes into events (``receive_data`` then
``next_event`` until it returns :data:`NEED_DATA`). It does no I/O, starts no threads and reads no
clock, so it is tested with byte tables alone (model: python-hyper/h11).
"""

from __future__ import annotations

from typing import Any, Final, Protocol


class _NeedData:
    """Sentinel: the codec has no complete event yet."""

    _instance: _NeedData | None = None

    def __new__(cls) -> _NeedData:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEED_DATA"

    def __reduce__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


class Codec(Protocol):
    """What :class:`drivers.link.Link` needs from a device codec."""

    def receive_data(self, data: bytes) -> None:
        """Append bytes read from the port. ``b""`` means the link closed."""

    def next_event(self) -> Any:
        """Return the next complete event, or :data:`NEED_DATA`.

        Raises :class:`drivers.errors.RemoteProtocolError` for bytes that break the protocol.
        """

    def reset(self) -> None:
        """Forget any partial input (called when the port is reopened)."""
