"""Echo device side: sends back whatever it receives, with scriptable delay and corruption."""

from __future__ import annotations

from drivers.sim.base import Simulator


class EchoSimulator(Simulator):
    device = "echo"

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.corrupt_next = False  # flip the last byte of the next answer (a bad LRC on the wire)

    def on_data(self, data: bytes) -> None:
        answer = bytearray(data)
        if self.corrupt_next and answer:
            answer[-1] ^= 0xFF
            self.corrupt_next = False
        if self.delay:
            self.call_later(self.delay, lambda: self.send(bytes(answer)))
        else:
            self.send(bytes(answer))


def create_simulator(delay: str = "0") -> EchoSimulator:
    return EchoSimulator(delay=float(delay))
