"""pyserial URL handler ``lp://<path>``: a USB printer class device file such as ``/dev/usb/lp0``.

Why: the Linux ``usblp`` driver exposes a USB receipt printer as a character device that is not a
tty, so ``serial.Serial`` cannot open it (termios calls fail). Bytes written to it reach the
printer's bulk-out endpoint and bytes the printer answers (``DLE EOT`` status) are read from it,
which is all ESC/POS needs. This class gives that file the pyserial interface the link layer uses:
``read`` with the port timeout, ``write`` with the write timeout, ``in_waiting``,
``reset_input_buffer``; line settings and modem lines are accepted and ignored.

A unidirectional printer (``read`` fails with EINVAL) can still print; reads then return nothing,
so status requests time out and the driver reports the printer as unreachable. A vanished device
(ENODEV, EIO) raises :class:`serial.SerialException`, as a vanished USB serial adapter does.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import struct
import termios
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from serial.serialutil import PortNotOpenError, SerialBase, SerialException, SerialTimeoutException

from drivers.ports.lineless import NoModemLines

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

_RETRY = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)


class Serial(NoModemLines, SerialBase):
    """A printer device file behind the pyserial interface."""

    _fd = -1
    _readable = True

    def open(self) -> None:
        if self.port is None:
            raise SerialException("Port must be configured before it can be used.")
        if self.is_open:
            raise SerialException("Port is already open.")
        path = self.from_url(self.port)
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise SerialException(exc.errno, f"could not open port {path}: {exc}") from exc
        self._readable = True
        self.is_open = True

    def from_url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "lp" or parts.netloc or not parts.path.startswith("/"):
            raise SerialException(f"expected lp:///<absolute path to a printer device>, got {url!r}")
        return parts.path

    def _reconfigure_port(self, force_update: bool = False) -> None:
        """A printer device file has no line settings."""

    def close(self) -> None:
        if self.is_open:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1
            self.is_open = False

    def _check(self) -> int:
        if not self.is_open:
            raise PortNotOpenError()
        return self._fd

    # -- reading --------------------------------------------------------------------------------
    @property
    def in_waiting(self) -> int:
        fd = self._check()
        if not self._readable:
            return 0
        try:
            return struct.unpack("I", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            # usblp has no FIONREAD: say whether at least one byte is there.
            try:
                readable, _, _ = select.select([fd], [], [], 0)
            except (OSError, ValueError) as exc:
                raise SerialException(f"{self.port}: {exc}") from exc
            return 1 if readable else 0

    def read(self, size: int = 1) -> bytes:
        fd = self._check()
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        data = bytearray()
        while len(data) < size:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self._readable:
                if remaining:
                    time.sleep(remaining)  # nothing can ever arrive; honour the timeout anyway
                break
            try:
                ready, _, _ = select.select([fd], [], [], remaining)
            except (OSError, ValueError) as exc:
                raise SerialException(f"{self.port}: {exc}") from exc
            if not ready:
                break
            try:
                chunk = os.read(fd, size - len(data))
            except OSError as exc:
                if exc.errno in _RETRY:
                    continue
                if exc.errno == errno.EINVAL:  # usblp: the printer is not bidirectional
                    self._readable = False
                    continue
                raise SerialException(exc.errno, f"{self.port}: read failed: {exc}") from exc
            if not chunk:  # readable but empty: hung up (pyserial's own Serial concludes the same)
                raise SerialException(f"{self.port}: device reports readiness to read but returned no data "
                                      "(device disconnected?)")
            data += chunk
        return bytes(data)

    def reset_input_buffer(self) -> None:
        fd = self._check()
        while self._readable:
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                return
            try:
                if not os.read(fd, 4096):
                    return
            except OSError as exc:
                if exc.errno in _RETRY:
                    return
                if exc.errno == errno.EINVAL:
                    self._readable = False
                    return
                raise SerialException(exc.errno, f"{self.port}: read failed: {exc}") from exc

    # -- writing --------------------------------------------------------------------------------
    def write(self, data: ReadableBuffer, /) -> int:
        fd = self._check()
        view = memoryview(bytes(data))
        deadline = None if self.write_timeout is None else time.monotonic() + self.write_timeout
        written = 0
        while written < len(view):
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise SerialTimeoutException("Write timeout")
            try:
                _, ready, _ = select.select([], [fd], [], remaining)
            except (OSError, ValueError) as exc:
                raise SerialException(f"{self.port}: {exc}") from exc
            if not ready:
                raise SerialTimeoutException("Write timeout")
            try:
                written += os.write(fd, view[written:])
            except OSError as exc:
                if exc.errno in _RETRY:
                    continue
                raise SerialException(exc.errno, f"{self.port}: write failed: {exc}") from exc
        return written
