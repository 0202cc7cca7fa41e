"""Pictures to GS v 0 raster images."""

from __future__ import annotations

from PIL import Image

from drivers.printer import protocol as p
from drivers.printer.images import raster_from_image
from drivers.printer.simulator import PrinterSimulator


def test_dark_pixels_become_dots_msb_first() -> None:
    image = Image.new("L", (10, 2), 255)
    for x in range(3):
        image.putpixel((x, 0), 0)
    image.putpixel((9, 1), 0)
    raster = raster_from_image(image, dither=False)
    assert (raster.width, raster.height, raster.row_bytes) == (10, 2, 2)
    assert raster.data == bytes.fromhex("E0 00 00 40")
    assert p.encode(raster) == bytes.fromhex("1D 76 30 00 02 00 02 00 E0 00 00 40")


def test_wide_pictures_are_scaled_to_the_paper_and_print_as_seen() -> None:
    logo = Image.new("L", (1152, 100), 255)
    logo.paste(0, (0, 0, 576, 100))  # left half black
    raster = raster_from_image(logo, max_width=576, dither=False)
    assert (raster.width, raster.height) == (576, 50)
    sim = PrinterSimulator()
    sim.receive(p.encode_job([p.Initialise(), raster, p.Cut()]))
    page = sim.pages[0].image().convert("L")
    assert page.getpixel((10, 10)) == 0 and page.getpixel((566, 10)) == 255
    sim.close()
