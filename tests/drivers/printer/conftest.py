"""Fixtures for the printer tests: golden frames from the spec, a simulator, QR/bar code decoding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from drivers.framing import parse_hex
from drivers.printer.simulator import PrinterSimulator

FRAMES = Path(__file__).resolve().parents[2] / "data" / "frames" / "printer"


def golden(name: str) -> bytes:
    """A golden frame typed from specs/payment_printer.md (``#`` lines are comments)."""
    text = (FRAMES / name).read_text(encoding="utf-8")
    return parse_hex("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))


def decode_symbols(image: Image.Image) -> list[tuple[str, str]]:
    """(format, text) of every symbol zxing-cpp finds in a rendered page."""
    return [(str(r.format), r.text) for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def sim() -> Iterator[PrinterSimulator]:
    printer = PrinterSimulator()
    yield printer
    printer.close()


@pytest.fixture
def replies(sim: PrinterSimulator) -> list[bytes]:
    """Everything the simulator sends back to the host."""
    out: list[bytes] = []
    sim.connect(out.append)
    return out
