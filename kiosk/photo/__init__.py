"""Document-photo compliance: analysis of numpy frames, auto-capture and the finished JPEG (no Kivy).

Public API (see docs/photo.md):

* :class:`PhotoAnalyser` ``.analyse(frame) -> PhotoVerdict`` (``compliant``, ``reasons``,
  ``measurements``, ``guidance(lang)``);
* :class:`Reason` codes and :func:`guidance` texts (zh_CN, en);
* :class:`AutoCapture` ``.feed(frame) -> CaptureStep`` and :class:`PhotoCaptureWorker` (thread);
* :func:`make_document_photo` -> :class:`DocumentPhoto` (raises :class:`PhotoRejected`);
* :class:`PhotoRules` (``from_config``) with every threshold.
"""

from __future__ import annotations

from kiosk.photo.analysis import Measurements, PhotoAnalyser, PhotoVerdict
from kiosk.photo.autocapture import AutoCapture, CaptureStep
from kiosk.photo.document import DocumentPhoto, PhotoRejected, make_document_photo
from kiosk.photo.focus import FocusMonitor
from kiosk.photo.reasons import GUIDANCE, Reason, guidance
from kiosk.photo.rules import DEFAULT_RULES, PhotoRules
from kiosk.photo.worker import CameraOutOfFocus, CameraSilent, PhotoCaptureWorker, PhotoGuidance, PhotoTaken

__all__ = [
    "DEFAULT_RULES",
    "GUIDANCE",
    "AutoCapture",
    "CameraOutOfFocus",
    "CameraSilent",
    "CaptureStep",
    "DocumentPhoto",
    "FocusMonitor",
    "Measurements",
    "PhotoAnalyser",
    "PhotoCaptureWorker",
    "PhotoGuidance",
    "PhotoRejected",
    "PhotoRules",
    "PhotoTaken",
    "PhotoVerdict",
    "Reason",
    "guidance",
    "make_document_photo",
]
