"""Live camera picture with the guidance overlay: the head outline to fill, the detected face, and
the countdown before the automatic shot.

Display follows the measured cheapest path (specs/kivy_headless.md 4): one texture per frame size,
``colorfmt='bgr'`` so OpenCV frames upload as they are, ``flip_vertical()`` once at creation, and
``blit_buffer`` of each new frame (about 0.6 ms for 640x480); no numpy flip and no new texture per
frame. The picture is mirrored horizontally on screen, as people expect from a camera facing them;
overlay coordinates are mirrored the same way.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget


class CameraView(Widget):
    guidance = StringProperty("")
    countdown = ObjectProperty(None, allownone=True)
    has_frame = BooleanProperty(False)
    frames_drawn = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._texture: Texture | None = None
        self._seq: int | None = None
        self._frame_size = (0, 0)
        self._face: Any = None
        self._target: Any = None
        self.last_image: Any = None
        self.bind(pos=self._redraw, size=self._redraw)

    def show(self, frame: Any) -> bool:
        """Draw ``frame`` (a PreviewFrame-like object) if it is new; returns True if drawn."""
        if frame is None or frame.seq == self._seq:
            return False
        image = frame.image
        height, width = image.shape[:2]
        if self._texture is None or self._frame_size != (width, height):
            self._texture = Texture.create(size=(width, height), colorfmt="bgr")
            self._texture.flip_vertical()
            self._frame_size = (width, height)
        self._texture.blit_buffer(image.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        self._seq = frame.seq
        self._face = frame.face_box
        self._target = frame.target
        self.last_image = image
        self.guidance = frame.guidance or ""
        self.countdown = frame.countdown
        self.has_frame = True
        self.frames_drawn += 1
        self._redraw()
        return True

    def show_still(self, image: Any) -> None:
        """Show one image (the captured photo) without overlay."""
        from types import SimpleNamespace

        self.show(SimpleNamespace(seq=-1 - self.frames_drawn, image=image, face_box=None, target=None,
                                  guidance="", countdown=None))

    def clear(self) -> None:
        self._texture = None
        self._seq = None
        self.last_image = None
        self.has_frame = False
        self.canvas.before.clear()

    # -- drawing -----------------------------------------------------------------------------------

    def _fit(self) -> tuple[float, float, float, float, float]:
        """Picture rectangle (x, y, w, h) inside the widget keeping the aspect, and the scale."""
        fw, fh = self._frame_size
        if not fw or not fh:
            return self.x, self.y, self.width, self.height, 1.0
        scale = min(self.width / fw, self.height / fh)
        w, h = fw * scale, fh * scale
        return self.center_x - w / 2, self.center_y - h / 2, w, h, scale

    def _to_widget(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x, y, w, h, scale = self._fit()
        x1, y1, x2, y2 = box
        # mirror horizontally; image y grows downwards, Kivy's upwards
        left = x + w - x2 * scale
        bottom = y + h - y2 * scale
        return left, bottom, (x2 - x1) * scale, (y2 - y1) * scale

    def _redraw(self, *_: Any) -> None:
        self.canvas.before.clear()
        if self._texture is None:
            return
        x, y, w, h, _scale = self._fit()
        ok = self.guidance in ("ok", "hold_still")
        with self.canvas.before:
            Color(1, 1, 1, 1)
            # mirrored: texture coordinates swapped left/right
            Rectangle(texture=self._texture, pos=(x, y), size=(w, h),
                      tex_coords=(1, 1, 0, 1, 0, 0, 1, 0))
            if self._target is not None:
                tx, ty, tw, th = self._to_widget(self._target)
                Color(*((0.3, 0.85, 0.4, 0.95) if ok else (1, 1, 1, 0.9)))
                Line(ellipse=(tx, ty, tw, th), width=3)
            if self._face is not None:
                fx, fy, fw, fh = self._to_widget(self._face)
                Color(*((0.3, 0.85, 0.4, 1) if ok else (1, 0.75, 0.2, 1)))
                Line(rectangle=(fx, fy, fw, fh), width=2)
