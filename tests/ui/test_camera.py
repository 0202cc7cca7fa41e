"""The camera screen: frames from the frame source drawn once each (one reused texture), the
guidance sentence in the current language, the countdown, reuse of a recent photo, retake."""

from __future__ import annotations

from kiosk.session import commands as c
from kiosk.session import events as ev

from .conftest import SCREENSHOTS
from .preview_frames import face_frame
from .scenario import Walk


def test_frames_are_drawn_once_each_with_guidance_in_the_current_language(kiosk, pilot) -> None:
    Walk(kiosk).photo()
    screen = kiosk.app.screen("photo")
    camera = screen.ids.camera
    assert not camera.has_frame and kiosk.sink.of(c.StartCamera)
    kiosk.frames.frame = face_frame("move_left")
    pilot.pause(3)
    drawn = camera.frames_drawn
    assert camera.has_frame and drawn >= 1
    texture = camera._texture
    pilot.pause(3)
    assert camera.frames_drawn == drawn  # the same frame (same seq) is not uploaded again
    kiosk.frames.frame = face_frame("move_left")
    pilot.pause(3)
    assert camera.frames_drawn == drawn + 1 and camera._texture is texture  # one texture, reused
    assert screen.guidance_text == "请向您的左侧稍微移动。"
    kiosk.app.set_language("en")
    pilot.pause(2)
    assert screen.guidance_text == "Please move a little to your left."


def test_countdown_before_the_automatic_shot(kiosk, pilot) -> None:
    Walk(kiosk).photo()
    kiosk.frames.frame = face_frame("ok", countdown=2.4)
    pilot.pause(4)
    labels = [w.text for w in kiosk.app.screen("photo").ids.camera.children]
    assert "3" in labels
    pilot.screenshot(SCREENSHOTS / "photo_countdown.zh_CN.png")


def test_unknown_guidance_codes_fall_back_to_the_general_instruction(kiosk, pilot) -> None:
    Walk(kiosk).photo()
    kiosk.frames.frame = face_frame("something_new")
    pilot.pause(3)
    assert kiosk.app.screen("photo").guidance_text == "请看镜头，将头部对准轮廓线。"


def test_retake_and_accept(kiosk, pilot) -> None:
    walk = Walk(kiosk)
    walk.photo_confirm()
    confirm = kiosk.app.screen("photo_confirm")
    assert confirm.ids.photo.has_frame  # the captured photo from the frame source
    pilot.press("retake")
    pilot.wait_for_screen("photo")
    assert any(isinstance(e, ev.PhotoRetake) for e in kiosk.events)
    walk.answer(ev.PhotoCaptured("photo-1"), "photo_confirm")
    pilot.press("next")
    pilot.wait_for_screen("review")


def test_polling_stops_when_the_screen_is_left(kiosk, pilot) -> None:
    Walk(kiosk).photo()
    screen = kiosk.app.screen("photo")
    pilot.press("cancel")
    pilot.wait_for_screen("idle")
    assert screen._poll is None
    assert not screen.ids.camera.has_frame  # ClearScreens dropped the picture
