"""Echo device codec (sans-I/O): ``STX | BCD LEN | payload | ETX | LRC`` frames, echoed back verbatim."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.codec import NEED_DATA
from drivers.errors import LocalProtocolError, RemoteProtocolError
from drivers.framing import split_stx_frame, stx_frame

MAX_PAYLOAD = 9999


@dataclass(frozen=True)
class Echo:
    """Command: ask the device to send ``payload`` back."""

    payload: bytes


@dataclass(frozen=True)
class Echoed:
    """Event: the device sent ``payload`` back."""

    payload: bytes


class EchoProtocol:
    def __init__(self) -> None:
        self._buffer = bytearray()

    def send(self, command: Echo) -> bytes:
        if not isinstance(command, Echo):
            raise LocalProtocolError(f"echo device has no command {type(command).__name__}")
        if len(command.payload) > MAX_PAYLOAD:
            raise LocalProtocolError(f"payload of {len(command.payload)} bytes exceeds {MAX_PAYLOAD}")
        return stx_frame(command.payload)

    def receive_data(self, data: bytes) -> None:
        self._buffer.extend(data)

    def next_event(self) -> Echoed | object:
        while self._buffer:
            try:
                result = split_stx_frame(bytes(self._buffer), max_payload=MAX_PAYLOAD)
            except RemoteProtocolError:
                del self._buffer[:1]  # drop the bad STX so the next call resynchronises
                raise
            del self._buffer[: result.consumed]
            if result.payload is not None:
                return Echoed(result.payload)
            if result.consumed == 0:
                break
        return NEED_DATA

    def reset(self) -> None:
        self._buffer.clear()
