"""The live camera with guidance: fill the outline, follow the one instruction shown, and the photo
is taken automatically after a short countdown once everything is right (the photo service decides
and posts ``PhotoCaptured``). People 60 and over may reuse a recent photo the central service offers
(``reuse_offer`` in the view: photo_ref and taken_on).

Frames come from the app's frame source (kiosk/ui/preview.py), polled each frame while this screen
is shown; nothing is polled when it is not.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import StringProperty

from kiosk.session import events as ev
from kiosk.ui.i18n_names import N_
from kiosk.ui.screens.base import KioskScreen

GUIDANCE = {
    "no_face": N_("Please stand in front of the camera and look at it."),
    "several_faces": N_("Only one person, please."),
    "move_closer": N_("Please come a little closer."),
    "move_back": N_("Please move back a little."),
    "move_left": N_("Please move a little to your left."),
    "move_right": N_("Please move a little to your right."),
    "move_up": N_("Please raise your head a little."),
    "move_down": N_("Please lower your head a little."),
    "tilt": N_("Please hold your head straight."),
    "look_straight": N_("Please look straight at the camera."),
    "eyes": N_("Please keep your eyes open."),
    "glasses": N_("Please take off tinted glasses, or glasses that reflect."),
    "too_dark": N_("It is too dark. Please face the light."),
    "too_bright": N_("It is too bright. Please step out of direct light."),
    "uneven_light": N_("The light on your face is uneven. Please face the camera squarely."),
    "background": N_("Please stand so that only the plain wall is behind you."),
    "blur": N_("Please keep still."),
    "hold_still": N_("Very good. Hold still..."),
    "ok": N_("Very good. Hold still..."),
    "camera_fault": N_("The camera cannot focus. Please ask staff for help."),
    "look_level": N_("Please look straight ahead, chin neither up nor down."),
    "uncover_eyebrows": N_("Please take off your hat and move your hair away from your eyebrows."),
    "uncover_face": N_("Please take off your mask and keep your face uncovered."),
    "red_eye": N_("The photo shows red eyes. Let us take it again."),
    "close_mouth": N_("Please close your mouth and keep a neutral expression."),
    "show_ears": N_("Please move your hair behind your ears."),
    "face_shadow": N_("There is a shadow on your face. Please face the light."),
}
DEFAULT_GUIDANCE = N_("Look at the camera and fit your head inside the outline.")


class PhotoScreen(KioskScreen):
    guidance_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._poll: Any = None

    def on_enter(self, *args: Any) -> None:
        self._poll = Clock.schedule_interval(self.poll, 0)  # every frame; cheap when the seq is unchanged

    def on_leave(self, *args: Any) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None

    def poll(self, _dt: float = 0.0) -> None:
        source = self.app.frame_source
        if source is None:
            return
        if self.ids.camera.show(source.latest()):
            self.refresh()

    def refresh(self) -> None:
        code = self.ids.camera.guidance if "camera" in self.ids else ""
        error = self.v("error")
        if error:
            self.guidance_text = self.app.tr("The camera is not working. Please ask the staff for help.")
            return
        self.guidance_text = self.app.tr(GUIDANCE.get(code, DEFAULT_GUIDANCE))
        voice = self.app.voice
        if voice is not None and self.app.current_screen == "photo":
            # The live reason, spoken as it changes; the player keeps to at most one hint every
            # [voice] guidance_interval seconds and never speaks over itself or the screen's prompt.
            voice.photo_guidance(code)

    def reuse(self) -> None:
        self.post(ev.PhotoReuseChosen())

    def clear(self) -> None:
        if "camera" in self.ids:
            self.ids.camera.clear()
        super().clear()
