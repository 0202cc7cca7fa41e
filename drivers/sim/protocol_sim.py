"""pyserial URL handler for ``sim://<device>[/<instance>][?params]``.

pyserial imports ``protocol_<scheme>`` from every package in ``serial.protocol_handler_packages``
and instantiates its ``Serial`` class; :mod:`drivers.sim` registers itself there. The port is an
in-memory byte pipe to a :class:`drivers.sim.base.Simulator`. An unplugged simulator makes
``read``/``write`` raise :class:`serial.SerialException` as a vanished USB adapter does.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from serial.serialutil import PortNotOpenError, SerialBase, SerialException, SerialTimeoutException

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

from drivers import sim as sim_registry
from drivers.ports.lineless import NoModemLines


class Serial(NoModemLines, SerialBase):
    """In-process port connected to a simulator instance."""

    def open(self) -> None:
        if self.port is None:
            raise SerialException("Port must be configured before it can be used.")
        if self.is_open:
            raise SerialException("Port is already open.")
        try:
            self._sim = sim_registry.instance(self.port)
        except ValueError as exc:
            raise SerialException(str(exc)) from exc
        if not self._sim.plugged:
            raise SerialException(f"could not open port {self.port}: device not present (unplugged)")
        self._buffer = bytearray()
        self._cond = threading.Condition()
        self._gone = False
        self._sim.connect(self._from_device)
        self._sim.add_plug_listener(self._plug_changed)
        self.is_open = True

    def from_url(self, url: str) -> str:
        sim_registry.parse_sim_url(url)  # validates, raises ValueError with a clear message
        return url

    def _reconfigure_port(self) -> None:
        """Nothing to configure on a pipe; the simulator may read ``baudrate`` if it cares."""

    def close(self) -> None:
        if self.is_open:
            self._sim.disconnect(self._from_device)
            with self._cond:
                self._gone = True
                self._cond.notify_all()
            self.is_open = False

    # -- device -> host -------------------------------------------------------------------------
    def _from_device(self, data: bytes) -> None:
        with self._cond:
            self._buffer.extend(data)
            self._cond.notify_all()

    def _plug_changed(self, plugged: bool) -> None:
        if not plugged:
            with self._cond:
                self._gone = True
                self._buffer.clear()
                self._cond.notify_all()

    def _check(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()
        if self._gone:
            raise SerialException(f"device disconnected: {self.port}")

    @property
    def in_waiting(self) -> int:
        self._check()
        with self._cond:
            return len(self._buffer)

    def read(self, size: int = 1) -> bytes:
        self._check()
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        with self._cond:
            while len(self._buffer) < size and not self._gone:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    break
                self._cond.wait(remaining)
            if self._gone:
                raise SerialException(f"device disconnected: {self.port}")
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data

    # -- host -> device -------------------------------------------------------------------------
    def write(self, data: ReadableBuffer, /) -> int:
        self._check()
        payload = bytes(data)
        if self.write_timeout == 0 and payload:
            raise SerialTimeoutException("Write timeout")
        self._sim.receive(payload)
        return len(payload)

    def reset_input_buffer(self) -> None:
        self._check()
        with self._cond:
            self._buffer.clear()
