"""The plug-in point for decoding the card's 1024-byte WLT photo.

WLT is a proprietary format; the only legal decoders are licensed vendor/MPS libraries (WltRS.dll,
libwlt2bmp.so, termb GetBmpPhoto) and there is no open one (spec idcard_mrz.md §4.5). So this
project ships none: a site that has a licence wraps its library in a callable and names it in
config (``[devices.idcard] photo_decoder = package.module:function``). Without one, the record's
``photo_image`` is ``None`` and everything else works; a decoder that fails is logged (without the
photo) and treated the same way, because a card read must never fail for want of a picture.

A decoder takes the 1024 raw bytes and returns an encoded image (BMP or PNG bytes; a real decoder
yields 102 x 126 pixels, 24-bit) or ``None``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

PhotoDecoder = Callable[[bytes], "bytes | None"]

WLT_LEN = 1024
DECODED_WIDTH = 102
DECODED_HEIGHT = 126

log = logging.getLogger(__name__)


def load_photo_decoder(spec: str) -> PhotoDecoder | None:
    """Resolve ``"package.module:function"`` to a callable; ``""`` means no decoder.

    Raises ``ValueError`` with a clear message for a spec that does not name a callable, so a
    misconfigured kiosk says so at start-up rather than at the first card.
    """
    spec = spec.strip()
    if not spec:
        return None
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"photo decoder must be 'module:function', got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"photo decoder module {module_name!r} cannot be imported: {exc}") from exc
    decoder = getattr(module, attr, None)
    if not callable(decoder):
        raise ValueError(f"photo decoder {spec!r} is not a callable")
    return decoder


def decode_photo(decoder: PhotoDecoder | None, wlt: bytes) -> bytes | None:
    """Run ``decoder`` on ``wlt``; ``None`` when there is no decoder, no photo, or it fails."""
    if decoder is None or len(wlt) != WLT_LEN:
        return None
    try:
        image = decoder(wlt)
    except Exception as exc:  # a vendor library's failure must not fail the card read
        log.warning("WLT photo decoder failed: %s", type(exc).__name__)
        return None
    if image is not None and not isinstance(image, bytes | bytearray):
        log.warning("WLT photo decoder returned %s, not bytes; ignored", type(image).__name__)
        return None
    return bytes(image) if image is not None else None
