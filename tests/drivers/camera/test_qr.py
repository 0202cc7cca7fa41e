"""QR codes read from camera frames: receipts photographed at an angle and at lower resolution."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import qrcode

from drivers.camera.driver import Camera
from drivers.camera.qr import MAX_TEXT, QrReader, decode_qr
from drivers.camera.simulator import SimulatedCamera
from tests.drivers.camera.receipts import PAYLOAD, drawn_receipt, photographed, printer_receipt

# (frame size, QR module size in frame pixels before perspective, perspective narrowing, turn degrees)
VIEWS = [
    ((640, 480), 4.0, 0.0, 0),
    ((640, 480), 3.0, 0.25, 12),
    ((640, 480), 3.0, 0.35, 25),
    ((640, 480), 2.5, 0.3, -20),
    ((320, 240), 3.0, 0.2, 8),
    ((320, 240), 3.0, 0.3, 35),
]


@pytest.fixture(scope="module")
def reader() -> QrReader:
    return QrReader()


@pytest.fixture(scope="module")
def receipts() -> dict[str, np.ndarray]:
    return {"drawn": drawn_receipt(), "printer_simulator": printer_receipt()}


@pytest.mark.parametrize("source", ["drawn", "printer_simulator"])
@pytest.mark.parametrize(("size", "module", "tilt", "turn"), VIEWS)
def test_receipt_photographed_at_an_angle(reader: QrReader, receipts, source, size, module, tilt, turn) -> None:
    receipt = receipts[source]
    fill = module / 6 * receipt.shape[0] / size[1]  # both receipts print 6-pixel modules
    frame = photographed(receipt, size=size, tilt=tilt, turn=turn, fill=fill)
    found = reader.decode(frame)
    assert found is not None and found.text == PAYLOAD
    assert len(found.corners) == 4
    xs = [x for x, _ in found.corners]
    assert min(xs) >= 0 and max(xs) <= size[0]  # corners in the frame's own pixels


def test_the_printer_render_holds_the_payload(receipts) -> None:
    assert decode_qr(receipts["printer_simulator"]) == PAYLOAD


def test_frames_without_a_code_give_none(reader: QrReader, receipts) -> None:
    assert reader.decode(np.full((480, 640, 3), 200, np.uint8)) is None
    noise = np.random.default_rng(1).integers(0, 256, (480, 640), dtype=np.uint8)
    assert reader.decode(noise) is None
    # Far too small to read (modules of 1.2 px): none, not garbage.
    tiny = photographed(receipts["drawn"], size=(320, 240), fill=1.2 / 6 * 802 / 240)
    assert reader.decode(tiny) is None


def test_foreign_codes_are_returned_as_untrusted_text(reader: QrReader) -> None:
    image = np.asarray(qrcode.make("https://example.com/not-ours", box_size=6).convert("L"))
    found = reader.decode(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    assert found is not None and found.text == "https://example.com/not-ours"


def test_over_long_payloads_are_refused(reader: QrReader, monkeypatch: pytest.MonkeyPatch) -> None:
    image = np.asarray(qrcode.make("A" * (MAX_TEXT + 1), box_size=3).convert("L"))
    assert reader.decode(image) is None
    monkeypatch.setattr("drivers.camera.qr.MAX_TEXT", 10**6)  # the symbol itself is readable
    assert reader.decode(image) is not None


def test_qr_from_the_camera_stream(reader: QrReader, receipts) -> None:
    frame = photographed(receipts["printer_simulator"], size=(640, 480), tilt=0.25, turn=10,
                         fill=3.5 / 6 * receipts["printer_simulator"].shape[0] / 480)
    sim = SimulatedCamera([np.full((480, 640, 3), 90, np.uint8), frame], play_fps=None, loop=False)
    with Camera(sim, width=640, height=480, fps=60) as camera:
        seq, text = -1, None
        for _ in range(10):
            latest = camera.wait_frame(seq, timeout=2)
            assert latest is not None
            seq = latest.seq
            found = reader.decode(latest.image)
            if found is not None:
                text = found.text
                break
    assert text == PAYLOAD
