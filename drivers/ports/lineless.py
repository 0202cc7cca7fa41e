"""The part of a pyserial port that a port without modem lines shares: a simulator pipe
(``sim://``) and a printer device file (``lp://``) have no break, RTS, DTR, CTS, DSR, RI or CD.

Mixed in before ``SerialBase``; the port class provides ``_check()`` (raises when the port is not
open or gone), so asking for a line on a closed port fails as pyserial's own ports do.
"""

from __future__ import annotations


class NoModemLines:
    """Modem lines of a port that has none: the outputs do nothing, the inputs read as a
    connected, ready device (CTS, DSR and CD up, RI down)."""

    def _check(self) -> object:  # pragma: no cover - every port class defines its own
        raise NotImplementedError

    def flush(self) -> None:
        self._check()

    def reset_output_buffer(self) -> None:
        self._check()

    def send_break(self, duration: float = 0.25) -> None:
        self._check()

    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        self._check()
        return True

    @property
    def dsr(self) -> bool:
        self._check()
        return True

    @property
    def ri(self) -> bool:
        self._check()
        return False

    @property
    def cd(self) -> bool:
        self._check()
        return True
