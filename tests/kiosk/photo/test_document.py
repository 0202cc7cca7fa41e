"""Crop, scale, size-bounded JPEG and re-check; the check/make command line."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from kiosk.photo.__main__ import main
from kiosk.photo.analysis import PhotoAnalyser, PhotoVerdict
from kiosk.photo.document import (
    QUALITY_MAX,
    QUALITY_MIN,
    PhotoRejected,
    crop_to_output,
    encode_within,
    make_document_photo,
)
from kiosk.photo.reasons import Reason
from kiosk.photo.rules import PhotoRules
from tests.kiosk.photo.conftest import case, scene_for


def test_document_photo_is_354x472_jpeg_within_20_to_80_kb(analyser: PhotoAnalyser) -> None:
    photo = make_document_photo(scene_for(case("compliant_white")).image, analyser)
    assert (photo.width, photo.height) == (354, 472)
    assert 20 * 1024 <= photo.size_bytes <= 80 * 1000
    image = Image.open(io.BytesIO(photo.jpeg))
    assert image.format == "JPEG" and image.mode == "RGB" and image.size == (354, 472)
    assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
    assert photo.verdict.compliant  # the re-check of the decoded file
    assert photo.verdict.measurements.window == (0, 0, 354, 472)
    assert "jpeg" not in repr(photo)  # personal data stays out of logs


def test_quality_is_the_highest_that_fits(analyser: PhotoAnalyser) -> None:
    image = crop_to_output(scene_for(case("compliant_light_blue")).image, analyser)
    data, quality = encode_within(image, 20 * 1024, 40 * 1000)
    assert len(data) <= 40 * 1000
    assert QUALITY_MIN <= quality < QUALITY_MAX
    bigger, _ = encode_within(image, 0, 10**9)
    assert len(bigger) > 40 * 1000  # so the bound really cut the quality down
    # One step of quality more would not have fitted.
    rgb = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=quality + 1, dpi=(300, 300), optimize=True)
    assert len(out.getvalue()) > 40 * 1000


def test_size_bounds_that_cannot_be_met_are_refused() -> None:
    flat = np.full((472, 354, 3), 240, np.uint8)  # compresses to a few KB at any quality
    with pytest.raises(PhotoRejected, match="below"):
        encode_within(flat, 20 * 1024, 80 * 1000)
    noise = np.random.default_rng(0).integers(0, 256, (472, 354, 3), dtype=np.uint8)
    with pytest.raises(PhotoRejected, match="above"):
        encode_within(noise, 1000, 5000)


def test_a_non_compliant_frame_is_not_made_into_a_photo(analyser: PhotoAnalyser) -> None:
    with pytest.raises(PhotoRejected) as caught:
        make_document_photo(scene_for(case("tilted")).image, analyser)
    assert caught.value.reasons == (Reason.TILTED,)


class _BlurredOnceFinished(PhotoAnalyser):
    """Says the finished 354x472 file is blurred (as heavy JPEG compression could make it)."""

    def analyse(self, frame: np.ndarray) -> PhotoVerdict:
        verdict = super().analyse(frame)
        return replace(verdict, reasons=(Reason.BLURRED,)) if frame.shape[:2] == (472, 354) else verdict


def test_the_finished_file_must_pass_the_recheck() -> None:
    with pytest.raises(PhotoRejected, match="re-check") as caught:
        make_document_photo(scene_for(case("compliant_white")).image, _BlurredOnceFinished())
    assert caught.value.reasons == (Reason.BLURRED,)


def test_an_unreachable_file_size_is_refused() -> None:
    tight = PhotoAnalyser(PhotoRules(jpeg_min_kb=0, jpeg_max_kb=1))  # no face photo fits in 1 KB
    with pytest.raises(PhotoRejected, match="above") as caught:
        make_document_photo(scene_for(case("compliant_white")).image, tight)
    assert caught.value.reasons == ()


def test_a_window_smaller_than_the_output_is_low_resolution() -> None:
    analyser = PhotoAnalyser(PhotoRules(output_width=480, output_height=640))  # 360x480 window: upscaling
    assert analyser.analyse(scene_for(case("compliant_white")).image).reasons == (Reason.LOW_RESOLUTION,)


def _write(tmp_path: Path, name: str, image: np.ndarray) -> str:
    path = tmp_path / name
    cv2.imwrite(str(path), image)
    return str(path)


def test_check_command_prints_a_json_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good.png", scene_for(case("compliant_white")).image)
    assert main(["check", good, "--json"]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["compliant"] is True and verdict["reasons"] == []
    assert 0.23 <= verdict["measurements"]["eye_distance"] <= 0.33

    bad = _write(tmp_path, "bad.png", scene_for(case("face_too_small")).image)
    assert main(["check", bad, "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["compliant"] is False and verdict["reasons"] == ["face_too_small"]
    assert verdict["guidance"]["zh_CN"] == ["请靠近一点"]

    assert main(["check", bad, "--lang", "en"]) == 1
    assert "face_too_small: Please come a little closer." in capsys.readouterr().out


def test_make_command_writes_only_compliant_photos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good.png", scene_for(case("compliant_light_grey")).image)
    out = tmp_path / "photo.jpg"
    assert main(["make", good, str(out)]) == 0
    written = Image.open(out)
    assert written.size == (354, 472) and 20 * 1024 <= out.stat().st_size <= 80 * 1000
    assert main(["check", str(out), "--json"]) == 0  # the written file passes on its own
    capsys.readouterr()

    bad = _write(tmp_path, "dark.png", scene_for(case("too_dark")).image)
    refused = tmp_path / "refused.jpg"
    assert main(["make", bad, str(refused)]) == 1
    assert not refused.exists()
    assert "too_dark" in capsys.readouterr().err


def test_unreadable_image_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image")
    assert main(["check", str(junk)]) == 2
    assert main(["check", str(tmp_path / "missing.png")]) == 2
    assert "cannot read" in capsys.readouterr().err
