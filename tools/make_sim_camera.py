"""Regenerate assets/sim/camera/: the simulated camera's demo scene (a person walks up and settles).

Frames are derived from the public-domain astronaut portrait in scikit-image (a test-only
dependency) with the same scene builder the photo tests use (tests/kiosk/photo/astronaut.py):
far and off to one side, closer, closer but tilted, then several compliant frames with slight
sway and sensor noise, so that the demo's auto-capture succeeds. Each is a 480x360 JPEG of at most
40 KB (the simulator scales frames to the configured camera resolution). Run from the repository
root: ``.venv/bin/python tools/make_sim_camera.py``; it checks every frame with the analyser.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.photo.analysis import PhotoAnalyser  # noqa: E402
from tests.kiosk.photo.astronaut import Pose, compose  # noqa: E402

OUT = ROOT / "assets" / "sim" / "camera"
SIZE = (480, 360)
MAX_BYTES = 40 * 1000

SCENE = [  # (pose, expected first reason or None for compliant)
    (Pose(ied_share=0.14, centre=0.22, eye_height=0.42), "face_too_small"),
    (Pose(ied_share=0.19, centre=0.36, eye_height=0.46), "face_too_small"),
    (Pose(ied_share=0.25, centre=0.47, eye_height=0.49, angle=9), "tilted"),
    (Pose(ied_share=0.280, centre=0.500, eye_height=0.50, angle=0.5), None),
    (Pose(ied_share=0.282, centre=0.503, eye_height=0.50, angle=-0.5), None),
    (Pose(ied_share=0.279, centre=0.498, eye_height=0.50, angle=0.0), None),
    (Pose(ied_share=0.281, centre=0.501, eye_height=0.50, angle=0.8), None),
    (Pose(ied_share=0.280, centre=0.499, eye_height=0.50, angle=-0.3), None),
]


def encode(image: np.ndarray) -> bytes:
    for quality in range(92, 40, -2):
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok and len(data) <= MAX_BYTES:
            return data.tobytes()
    raise SystemExit("cannot fit a frame in 40 KB")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.jpg"):
        old.unlink()
    analyser = PhotoAnalyser()
    for n, (pose, expected) in enumerate(SCENE):
        data = encode(compose(pose, size=SIZE, seed=n).image)
        path = OUT / f"frame-{n:02d}.jpg"
        path.write_bytes(data)
        camera_view = cv2.resize(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), (640, 480),
                                 interpolation=cv2.INTER_LINEAR)
        verdict = analyser.analyse(camera_view)
        got = str(verdict.reasons[0]) if verdict.reasons else None
        print(f"{path.relative_to(ROOT)}: {len(data)} bytes, {got or 'compliant'}")
        if got != expected:
            print(f"  expected {expected or 'compliant'}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
