"""Demo step: the simulated camera's applicant walks up, gets guidance and is photographed by
auto-capture; a receipt QR is read from a camera frame; the barcode scanner reads a receipt."""

from __future__ import annotations

import queue
import time

import cv2
import numpy as np

import drivers.sim
from drivers.camera.driver import Camera
from drivers.camera.qr import QrReader
from drivers.contract import HealthChanged
from drivers.scanner.driver import BarcodeScanned, BarcodeScanner
from kiosk.config import config_files, load_config
from kiosk.photo import AutoCapture, PhotoAnalyser, PhotoGuidance, PhotoRules, PhotoTaken
from kiosk.photo.worker import PhotoCaptureWorker

PAYLOAD = "EEK1:KIOSK0012611280007:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _photo(ctx, config) -> None:
    cam, photo = config.devices.camera, config.photo
    analyser = PhotoAnalyser(PhotoRules.from_config(photo.width, photo.height, photo.jpeg_min_kb, photo.jpeg_max_kb))
    events: queue.Queue[object] = queue.Queue()
    started = time.monotonic()
    with Camera(cam.source, width=cam.width, height=cam.height, fps=cam.fps) as camera:
        worker = PhotoCaptureWorker(camera, AutoCapture(analyser, photo.compliant_frames), events.put).start()
        guidance: list[str] = []
        taken = None
        try:
            deadline = time.monotonic() + 30
            while taken is None and time.monotonic() < deadline:
                event = events.get(timeout=max(0.1, deadline - time.monotonic()))
                if isinstance(event, PhotoGuidance) and event.verdict.reasons:
                    text = event.verdict.guidance("en")[0]
                    if not guidance or guidance[-1] != text:
                        guidance.append(text)
                elif isinstance(event, PhotoTaken):
                    taken = event.photo
        finally:
            worker.stop()
    if taken is None:
        raise RuntimeError("auto-capture did not take a photo within 30 s")
    out = ctx.out / "photo.jpg"
    out.write_bytes(taken.jpeg)
    ctx.note(f"camera {cam.source}: guidance shown: {' / '.join(guidance) or '(none)'}")
    ctx.note(f"auto-capture after {photo.compliant_frames} compliant frames in {time.monotonic() - started:.1f} s: "
             f"{out.relative_to(ctx.out.parent.parent)} {taken.width}x{taken.height}, {taken.size_bytes} bytes, "
             f"JPEG quality {taken.quality}, eye distance {taken.verdict.measurements.eye_distance:.3f} of the width")


def _qr(ctx) -> None:
    from drivers.printer.protocol import Alignment, ChineseMode, Cut, Feed, Initialise, QrCode, Text, encode_job
    from drivers.printer.simulator import PrinterSimulator

    printer = PrinterSimulator(576)
    try:
        printer.receive(encode_job([Initialise(), ChineseMode(), Alignment("center"), Text("出入境业务受理回执\n"),
                                    QrCode(PAYLOAD, module=6), Text("扫描二维码查询办理进度\n"), Feed(3), Cut()]))
        page = printer.wait_for_pages(1, timeout=5)[0]
    finally:
        printer.close()
    receipt = cv2.imdecode(np.frombuffer(page.png, np.uint8), cv2.IMREAD_COLOR)
    # Held up to the camera: turned 15 degrees, far edge 25 % narrower, QR modules about 3 px.
    h, w = receipt.shape[:2]
    scale = 0.5
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    quad = np.float32([[0.125 * w, 0], [0.875 * w, 0], [w, h], [0, h]]) * scale
    turn = cv2.getRotationMatrix2D((w * scale / 2, h * scale / 2), 15, 1.0)
    quad = cv2.transform(quad[None], turn)[0] + np.float32([320 - w * scale / 2, 240 - h * scale / 2])
    matrix = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    frame = cv2.warpPerspective(receipt, matrix, (640, 480), borderValue=(90, 95, 100))
    cv2.imwrite(str(ctx.out / "receipt-in-camera.png"), frame)
    started = time.perf_counter()
    found = QrReader().decode(frame)
    elapsed = (time.perf_counter() - started) * 1000
    if found is None or found.text != PAYLOAD:
        raise RuntimeError(f"the camera did not read the receipt QR: {found}")
    ctx.note(f"camera QR: printer-simulator receipt turned 15 deg in perspective read in {elapsed:.0f} ms")


def _scanner(ctx, config) -> None:
    section = config.devices.scanner
    events: queue.Queue[object] = queue.Queue()
    with BarcodeScanner(section.port, on_event=events.put, baudrate=section.baudrate, suffix=section.suffix,
                        prefix=section.prefix, repeat_window=section.repeat_window):
        while not (isinstance(ready := events.get(timeout=5), HealthChanged) and ready.health.usable):
            pass  # until the port is open
        drivers.sim.instance(section.port).scan(PAYLOAD, times=4)  # held under the window
        event = events.get(timeout=5)
        if not isinstance(event, BarcodeScanned) or event.text != PAYLOAD:
            raise RuntimeError(f"scanner gave {event!r}")
        repeats = 0
        try:
            while True:
                repeats += isinstance(events.get(timeout=0.3), BarcodeScanned)
        except queue.Empty:
            pass
    ctx.note(f"scanner {section.port}: receipt held for 4 reads, reported {1 + repeats} time(s)")


def run(ctx) -> None:
    config = load_config(config_files(simulated=True))
    _photo(ctx, config)
    _qr(ctx)
    _scanner(ctx, config)
