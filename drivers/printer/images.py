"""Pictures to :class:`RasterImage` commands (host side): a hall logo, or a whole receipt for the
benchmark that compares raster with native printing.

Thermal heads print dots, not grey: photos and antialiased logos are dithered (Floyd-Steinberg), line
art is better thresholded. Images wider than the paper are scaled down to fit.
"""

from __future__ import annotations

from PIL import Image, ImageOps

from drivers.printer.protocol import RasterImage


def raster_from_image(image: Image.Image, *, max_width: int = 576, dither: bool = True,
                      threshold: int = 128) -> RasterImage:
    """A ``GS v 0`` image of ``image``: dark pixels become dots."""
    grey = image.convert("L")
    if grey.width > max_width:
        grey = grey.resize((max_width, max(1, round(grey.height * max_width / grey.width))),
                           Image.Resampling.LANCZOS)
    if dither:
        bits = grey.convert("1", dither=Image.Dither.FLOYDSTEINBERG)
    else:
        bits = grey.point(lambda v: 255 if v >= threshold else 0).convert("1", dither=Image.Dither.NONE)
    # Pillow packs mode "1" rows MSB first, padded to whole bytes, with 1 = white; the printer wants 1 = dot.
    ink = ImageOps.invert(bits.convert("L")).convert("1", dither=Image.Dither.NONE)
    return RasterImage(ink.width, ink.height, ink.tobytes())
