"""Receipt pictures as a kiosk camera would see them: rendered, tilted in perspective, small, soft.

Two sources of the receipt itself: the printer simulator's real render of an ESC/POS job
(:func:`printer_receipt`, the kiosk's own receipt path) and an independent render with the
``qrcode`` package on a white receipt-like canvas with Chinese text (:func:`drawn_receipt`).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

PAYLOAD = "EEK1:KIOSK0012611280007:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def drawn_receipt(payload: str = PAYLOAD, width: int = 576) -> np.ndarray:
    """A receipt drawn with PIL: Chinese heading and lines, the QR (6 px modules), more text."""
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=4)
    symbol.add_data(payload)
    symbol.make(fit=True)
    qr_img = symbol.make_image(fill_color="black", back_color="white").convert("L")
    height = 420 + qr_img.height + 160
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font, small = ImageFont.truetype(FONT, 30), ImageFont.truetype(FONT, 22)
    draw.text((width // 2, 30), "出入境业务受理回执", font=font, fill=0, anchor="mt")
    lines = ["申请编号：KIOSK0012611280007", "业务：普通护照 签发", "已付金额：120.00 元", "领取方式：大厅自取",
             "预计办结：2026-12-09", "扫描下方二维码查询办理进度"]
    for n, line in enumerate(lines):
        draw.text((30, 90 + 50 * n), line, font=small, fill=0)
    page.paste(qr_img, ((width - qr_img.width) // 2, 400))
    draw.text((width // 2, 420 + qr_img.height + 40), "请妥善保管本回执", font=small, fill=0, anchor="mt")
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_GRAY2BGR)


def printer_receipt(payload: str = PAYLOAD) -> np.ndarray:
    """The printer simulator's PNG of a receipt job (ESC/POS bytes -> simulated 80 mm printer)."""
    from drivers.printer.protocol import (
        Alignment,
        ChineseMode,
        Cut,
        Feed,
        Initialise,
        QrCode,
        Text,
        encode_job,
    )
    from drivers.printer.simulator import PrinterSimulator

    job = encode_job([
        Initialise(), ChineseMode(), Alignment("center"), Text("出入境业务受理回执\n"), Alignment("left"),
        Text("申请编号：KIOSK0012611280007\n业务：普通护照 签发\n已付金额：120.00 元\n"),
        Alignment("center"), QrCode(payload, module=6), Text("扫描二维码查询办理进度\n"), Feed(3), Cut(),
    ])
    sim = PrinterSimulator(576)
    try:
        sim.receive(job)
        pages = sim.wait_for_pages(1, timeout=5)
    finally:
        sim.close()
    image = np.asarray(Image.open(io.BytesIO(pages[0].png)).convert("L"))
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)


def photographed(receipt: np.ndarray, *, size: tuple[int, int] = (640, 480), tilt: float = 0.25,
                 turn: float = 12.0, fill: float = 0.55, blur: float = 0.8, light: float = 0.85,
                 seed: int = 3) -> np.ndarray:
    """``receipt`` held up to a camera: the far edge ``tilt`` (share) narrower (perspective), turned
    ``turn`` degrees, its height ``fill`` of the frame, on a grey desk, dimmer, soft, noisy."""
    width, height = size
    rh, rw = receipt.shape[:2]
    target_h = fill * height
    target_w = target_h * rw / rh
    cx, cy = width / 2, height / 2
    half_w, half_h = target_w / 2, target_h / 2
    shrink = half_w * tilt
    corners = np.array([[-half_w + shrink, -half_h], [half_w - shrink, -half_h], [half_w, half_h], [-half_w, half_h]])
    angle = np.radians(turn)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (corners @ rot.T + [cx, cy]).astype(np.float32)
    src = np.array([[0, 0], [rw, 0], [rw, rh], [0, rh]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    canvas = np.full((height, width, 3), (95, 100, 105), np.uint8)
    warped = cv2.warpPerspective(receipt, matrix, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_TRANSPARENT,
                                 dst=canvas)
    out = warped.astype(np.float32) * light
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    out += np.random.default_rng(seed).normal(0, 3, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)
