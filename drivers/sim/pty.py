"""Serve a simulator on a real pseudo-terminal, so drivers exercise the real termios path.

The host opens the printed ``/dev/pts/N`` path (or the stable ``link`` path, as a udev rule would
give) with an ordinary :class:`serial.Serial`. ``pace_baud`` makes the device side emit bytes no
faster than the line rate, so timings over the pty look like a real cable (10 bits per byte, 8N1).
Unplugging closes the pty, so the host's reads fail with EIO exactly as for a vanished USB adapter,
and removes ``link`` (reopening fails: no such device); replugging opens a new pty and points
``link`` at it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
import time
import tty
from pathlib import Path

from drivers.sim.base import Simulator


class PtyServer:
    """Run ``sim`` on a pseudo-terminal from a background thread until :meth:`close`."""

    def __init__(self, sim: Simulator, *, link: str | os.PathLike[str] | None = None,
                 pace_baud: int | None = None) -> None:
        self.sim = sim
        self.link = Path(link) if link is not None else None
        self.pace_baud = pace_baud
        # Small chunks when pacing, so arrival times track the line rate closely.
        self._chunk = 32 if pace_baud else 4096
        self._out = bytearray()
        self._out_lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._stop = threading.Event()
        self._master = -1
        self._slave = -1
        self.path = ""
        self._open_pty()
        sim.connect(self._from_device)
        sim.add_plug_listener(self._plug_changed)
        self._thread = threading.Thread(target=self._run, name=f"pty-{sim.device}", daemon=True)
        self._thread.start()

    # -- pty lifecycle --------------------------------------------------------------------------
    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line discipline: the host sees exactly the device's bytes
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.path = os.ttyname(slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.path)
            tmp.replace(self.link)

    def _close_pty(self) -> None:
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1
        with self._out_lock:
            self._out.clear()

    def _plug_changed(self, plugged: bool) -> None:
        # Runs on the caller's thread; the select loop notices through the wake pipe.
        if plugged:
            if self._master < 0:
                self._open_pty()
        else:
            self._close_pty()
            if self.link is not None:
                # As udev removes /dev/ttyUSB0 when the adapter vanishes. Left in place, the link
                # would name a freed /dev/pts/N that the kernel hands to the next pty opened on the
                # machine (another simulator, another test): the host would talk to a stranger.
                with contextlib.suppress(FileNotFoundError):
                    self.link.unlink()
        os.write(self._wake_w, b"x")

    def close(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        self.sim.disconnect(self._from_device)
        self._close_pty()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()

    def __enter__(self) -> PtyServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data -----------------------------------------------------------------------------------
    def _from_device(self, data: bytes) -> None:
        with self._out_lock:
            self._out.extend(data)
        os.write(self._wake_w, b"x")

    def _run(self) -> None:
        # With pace_baud, a chunk is handed to the pty only once its last byte would have been
        # clocked out on a real line (10 bits per byte, 8N1), so the host sees line-rate timing.
        line_free_at = time.monotonic()
        due: float | None = None  # when the chunk at the head of _out may be written
        size = 0  # that chunk's length, fixed when its due time was computed
        while not self._stop.is_set():
            master = self._master
            with self._out_lock:
                pending = bytes(self._out[: size or self._chunk])
            timeout = None
            want_write = bool(pending) and master >= 0
            if want_write and self.pace_baud:
                now = time.monotonic()
                if due is None:
                    size = len(pending)
                    due = max(now, line_free_at) + size * 10 / self.pace_baud
                if now < due:
                    timeout, want_write = due - now, False
            rlist = [self._wake_r] + ([master] if master >= 0 else [])
            wlist = [master] if want_write else []
            try:
                readable, writable, _ = select.select(rlist, wlist, [], timeout)
            except (OSError, ValueError):
                continue  # the pty was closed under us by unplug(); loop picks up the new state
            if self._wake_r in readable:
                os.read(self._wake_r, 4096)
            if master >= 0 and master in readable:
                try:
                    data = os.read(master, 4096)
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EIO, errno.EBADF):
                        raise
                    data = b""
                if data:
                    self.sim.receive(data)
            if master >= 0 and master in writable and pending:
                try:
                    sent = os.write(master, pending)
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EIO, errno.EBADF):
                        raise
                    sent = 0
                with self._out_lock:
                    del self._out[:sent]
                if self.pace_baud and sent:
                    line_free_at = due if due is not None else time.monotonic()
                    due, size = None, 0
            elif not pending:
                due, size = None, 0
