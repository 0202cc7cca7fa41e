"""The photo just taken: use it, or take it again. The image comes from the frame source by the
view's ``photo_ref`` (the session never holds image bytes); failing that, the last preview frame."""

from __future__ import annotations

from typing import Any

from kiosk.session import events as ev
from kiosk.ui.screens.base import KioskScreen


class PhotoConfirmScreen(KioskScreen):
    def refresh(self) -> None:
        image = self._image()
        if image is not None:
            self.ids.photo.show_still(image)

    def _image(self) -> Any:
        ref = self.v("photo_ref")
        source = self.app.frame_source
        if ref and source is not None and hasattr(source, "photo"):
            image = source.photo(ref)
            if image is not None:
                return image
        camera = self.app.screen("photo").ids.get("camera")
        return camera.last_image if camera is not None else None

    def accept(self) -> None:
        self.post(ev.PhotoAccepted())

    def retake(self) -> None:
        self.post(ev.PhotoRetake())

    def clear(self) -> None:
        self.ids.photo.clear()
        super().clear()
