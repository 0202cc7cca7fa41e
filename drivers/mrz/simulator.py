"""A push-mode passport/permit reader: lay a document on it and it sends the MRZ lines.

Device side, written independently of the host parser: sample documents are either the ICAO
specimens and the spec's synthetic permit line copied verbatim, or built here from their fields
with this module's own 7-3-1 check digits. People are fictional.

Scripting API (also as JSON calls via ``python -m drivers.sim mrz --pty --control``):

* ``present(document, ocr_errors=0)``: send a sample (a name in ``SAMPLE_DOCUMENTS``) or a list
  of lines; ``ocr_errors`` swaps that many characters for their OCR look-alikes (0/O, 1/I, 5/S,
  8/B), which the check digits must catch;
* ``present_cut_short(document)``: only the first line arrives;
* ``send_garbage(text)``: bytes that are no MRZ; ``unplug()`` / ``replug()``.

Line settings: ``line_ending`` CR, LF or CRLF; ``framing`` ``lines`` or ``stx-etx`` (STX, lines
joined by LF, ETX, CR LF, as the EST-100PR-NZ does); ``delay`` seconds before sending.
"""

from __future__ import annotations

from collections.abc import Sequence

from drivers.sim.base import Simulator

__all__ = ["SAMPLE_DOCUMENTS", "MrzSimulator", "build_td3", "create_simulator"]


def _value(c: str) -> int:
    if c.isdigit():
        return int(c)
    return 0 if c == "<" else ord(c) - 55


def _digit(data: str) -> str:
    weights = (7, 3, 1)
    return str(sum(_value(c) * weights[i % 3] for i, c in enumerate(data)) % 10)


def _pad(text: str, size: int) -> str:
    return (text + "<" * size)[:size]


def build_td3(code: str, state: str, surname: str, given: str, *, number: str, nationality: str,
              birth: str, sex: str, expiry: str, personal: str = "") -> tuple[str, str]:
    """The two 44-character lines of a passport, with every check digit computed here."""
    name = surname.replace(" ", "<") + "<<" + given.replace(" ", "<")
    line1 = _pad(code, 2) + state + _pad(name, 39)
    number_f = _pad(number, 9)
    personal_f = _pad(personal, 14)
    personal_digit = _digit(personal_f) if personal else "<"
    part = number_f + _digit(number_f) + nationality + birth + _digit(birth) + sex + expiry + _digit(expiry)
    part += personal_f + personal_digit
    composite = _digit(part[0:10] + part[13:20] + part[21:43])
    return line1, part + composite


SAMPLE_DOCUMENTS: dict[str, tuple[str, ...]] = {
    # ICAO Doc 9303 specimens, verbatim from the spec (§7.2-7.4).
    "icao_td3": ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"),
    "icao_td2": ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                 "D231458907UTO7408122F1204159<<<<<<<6"),
    "icao_td1": ("I<UTOD231458907<<<<<<<<<<<<<<<",
                 "7408122F1204159UTO<<<<<<<<<<<6",
                 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"),
    # The spec's synthetic one-line Exit-Entry Permit (§7.5).
    "eep_permit": ("CSCA12345672<3001019<9001011<6",),
    # Fictional people, lines built with check digits computed above.
    "vietnamese_passport": build_td3("P", "VNM", "NGUYEN", "VAN AN", number="C1234567", nationality="VNM",
                                     birth="920314", sex="M", expiry="320601", personal="001092012345"),
    "chinese_passport": build_td3("PO", "CHN", "WANG", "XIAOMING", number="EA1234567", nationality="CHN",
                                  birth="850615", sex="M", expiry="330720"),
    "expired_passport": build_td3("P", "GBR", "SMITH", "JOHN WILLIAM", number="123456789", nationality="GBR",
                                  birth="800101", sex="M", expiry="200101"),
    "unspecified_sex_passport": build_td3("P", "NLD", "DE VRIES", "ALEX", number="NX1234567", nationality="NLD",
                                          birth="990909", sex="<", expiry="310909"),
}

_LOOKALIKES = {"0": "O", "1": "I", "5": "S", "8": "B", "O": "0", "I": "1", "S": "5", "B": "8"}


def with_ocr_errors(lines: Sequence[str], count: int) -> tuple[str, ...]:
    """Swap ``count`` characters for OCR look-alikes, scanning the data lines from the end (the
    check-digit-bearing line comes last in TD2/TD3, first in TD1; digits are the common victims)."""
    out = [list(line) for line in lines]
    order = list(range(len(out)))[::-1] if len(out) != 3 else [0, 1]
    done = 0
    for li in order:
        for ci, c in enumerate(out[li]):
            if done == count:
                break
            if c in "0158":
                out[li][ci] = _LOOKALIKES[c]
                done += 1
    return tuple("".join(chars) for chars in out)


class MrzSimulator(Simulator):
    device = "mrz"

    def __init__(self, *, line_ending: str = "CRLF", framing: str = "lines", delay: float = 0.0) -> None:
        super().__init__()
        if line_ending not in ("CR", "LF", "CRLF"):
            raise ValueError("line_ending is CR, LF or CRLF")
        if framing not in ("lines", "stx-etx"):
            raise ValueError("framing is 'lines' or 'stx-etx'")
        self.terminator = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}[line_ending]
        self.framing = framing
        self.delay = delay

    def on_data(self, data: bytes) -> None:
        """A push reader ignores the host (kept in ``received`` for tests)."""

    def _lines(self, document: str | Sequence[str]) -> tuple[str, ...]:
        return SAMPLE_DOCUMENTS[document] if isinstance(document, str) else tuple(document)

    def _out(self, lines: Sequence[str]) -> bytes:
        if self.framing == "stx-etx":
            return b"\x02" + "\n".join(lines).encode("ascii") + b"\x03\r\n"
        return b"".join(line.encode("ascii") + self.terminator for line in lines)

    def _later(self, data: bytes) -> None:
        self.call_later(self.delay, lambda: self.send(data))

    def present(self, document: str | Sequence[str], ocr_errors: int = 0) -> list[str]:
        """Lay a document on the reader; returns the lines sent."""
        lines = self._lines(document)
        if ocr_errors:
            lines = with_ocr_errors(lines, int(ocr_errors))
        self._later(self._out(lines))
        return list(lines)

    def present_cut_short(self, document: str | Sequence[str]) -> None:
        """Only the first line arrives, then an empty line (the reader lost the page)."""
        lines = self._lines(document)
        data = self._out(lines[:1])
        if self.framing == "lines":
            data += self.terminator
        self._later(data)

    def send_garbage(self, text: str = "HELLO WORLD") -> None:
        self._later(text.encode("utf-8") + self.terminator)


def create_simulator(line_ending: str = "CRLF", framing: str = "lines", delay: str = "0") -> MrzSimulator:
    """``sim://mrz?line_ending=CR&framing=stx-etx``."""
    return MrzSimulator(line_ending=line_ending, framing=framing, delay=float(delay))
