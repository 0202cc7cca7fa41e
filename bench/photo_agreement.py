"""How often the photo analysis agrees with the truth and with an independent ISO/IEC 29794-5 style
reference, rule by rule, on a labelled set of generated photos; and its false-refusal rate.

The set (``--per-fault``, ``--compliant``, ``--seed``) is built from the public-domain astronaut
portrait (tests/kiosk/photo/astronaut.py, edits.py): compliant photos with random nuisances (any of
the three backgrounds, position, size and roll inside the rules, a little softness, exposure gain,
sensor noise, a slight turn, clear glasses, darker or lighter complexion, ears showing), and for
every rule photos that break it alone, with a random strength past the rule's bound and the same
nuisances. Each photo's label (the rules it breaks) is known by construction.

The reference measures follow the quality components of ISO/IEC 29794-5 as OFIQ implements them,
but computed here with different methods from the analysis and on the face's *true* position (the
generator knows the eyes), so they share neither our detector nor our landmark models:

=================  ==============================================================================
size, position,    the true eye positions: inter-eye distance, eye line, centre (29794-5 geometric
roll               components; thresholds from the national guide, as in kiosk/photo/rules.py)
yaw, pitch         the generator's angles (OFIQ estimates them with 3DDFA; ISO 19794-5's 5 degrees)
sharpness          high-frequency share of the face's power spectrum (OFIQ uses a Laplacian /
                   Sobel feature forest), at a fixed face scale
exposure           OFIQ's under/over-exposure prevention: share of face pixels with luma < 50 /
                   > 247
uniform light      OFIQ's illumination uniformity: intersection of the left and right face halves'
                   luma histograms; top/bottom the same between the upper and lower face
eyes open          OpenCV's Haar eye cascade (independent of the mesh) finds each eye
mouth closed       no teeth: share of bright, colourless pixels in the mouth box
covering           fixed YCrCb skin-colour box (Chai and Ngan 1999) over the brow band and the
                   lower face (the analysis uses the applicant's own cheeks instead)
glasses            eye-box luma against the cheeks (tint); blown-out pixels in the eye box (glare)
red eye            strongly red pixels round the true pupils
background         L*a*b* spread and colour of the window's top corners and top edge
=================  ==============================================================================

Run: ``.venv/bin/python bench/photo_agreement.py [--per-fault 4] [--compliant 60] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.photo.analysis import PhotoAnalyser  # noqa: E402
from kiosk.photo.reasons import Reason  # noqa: E402
from kiosk.photo.rules import DEFAULT_RULES  # noqa: E402
from tests.kiosk.photo import edits  # noqa: E402
from tests.kiosk.photo.astronaut import (  # noqa: E402
    LIGHT_BLUE,
    LIGHT_GREY,
    RED,
    WHITE,
    Pose,
    Scene,
    astronaut,
    blur,
    compose,
    gain,
    motion_blur,
    neutral_portrait,
    window,
)

# The rules compared. Each maps to the reason codes that mean it was refused for that rule.
RULES: dict[str, tuple[Reason, ...]] = {
    "one person": (Reason.MULTIPLE_FACES,),
    "size": (Reason.FACE_TOO_SMALL, Reason.FACE_TOO_LARGE),
    "position": (Reason.OFF_CENTRE,),
    "roll": (Reason.TILTED,),
    "yaw": (Reason.NOT_FRONTAL,),
    "pitch": (Reason.LOOKING_UP_OR_DOWN,),
    "sharpness": (Reason.BLURRED,),
    "exposure": (Reason.TOO_DARK, Reason.TOO_BRIGHT),
    "light left/right": (Reason.UNEVEN_LIGHT,),
    "shadow top/bottom": (Reason.FACE_SHADOW,),
    "eyes open": (Reason.EYES_CLOSED,),
    "mouth closed": (Reason.MOUTH_OPEN,),
    "brows uncovered": (Reason.EYEBROWS_COVERED,),
    "face uncovered": (Reason.FACE_COVERED,),
    "no tinted lenses": (Reason.TINTED_GLASSES,),
    "no glare": (Reason.GLASSES_GLARE,),
    "no red eye": (Reason.RED_EYE,),
    "background": (Reason.BACKGROUND,),
}


@dataclass
class Item:
    name: str
    image: np.ndarray
    eyes: tuple[tuple[float, float], tuple[float, float]]
    faults: frozenset[str]  # the rules this photo breaks, by construction
    yaw: float = 0.0
    pitch: float = 0.0
    people: int = 1
    extra: dict[str, float] = field(default_factory=dict)


# -- the labelled set --------------------------------------------------------------------------------

def _nuisance(rng: np.random.Generator) -> dict:
    """Random variation that keeps a photo compliant."""
    ied = float(rng.uniform(0.25, 0.31))
    # The hair's top is about 2 eye distances above the eyes: keep it inside the picture's margin.
    lowest_eyes = max(0.46, 0.03 + 1.5 * ied)
    return {
        "background": [WHITE, LIGHT_GREY, LIGHT_BLUE][rng.integers(3)],
        "pose": Pose(ied_share=ied, centre=float(rng.uniform(0.47, 0.53)),
                     eye_height=float(rng.uniform(lowest_eyes, 0.53)), angle=float(rng.uniform(-3, 3))),
        "soft": float(rng.uniform(0.0, 1.2)),
        "gain": float(rng.uniform(0.95, 1.1)),  # darker turns the light grey backdrop under the guide's L* 80
        "noise": float(rng.uniform(1.0, 4.0)),
        "yaw": float(rng.uniform(-4, 4)),
        "glasses": bool(rng.random() < 0.25),
        "ears": bool(rng.random() < 0.25),
        "complexion": float(rng.uniform(0.7, 1.05)),
        "seed": int(rng.integers(1 << 30)),
    }


def _portrait(n: dict, edit: Callable[[np.ndarray], np.ndarray] | None = None, base: np.ndarray | None = None
              ) -> np.ndarray:
    p = (neutral_portrait() if base is None else base).copy()
    if n["complexion"] != 1.0:  # the person darker or lighter (skin and hair alike), not the backdrop
        p = gain(p, n["complexion"])
    if n["ears"]:
        p = edits.ears(p)
    if n["glasses"]:
        p = edits.glasses(p)
    if edit is not None:
        p = edit(p)
    if abs(n["yaw"]) > 0.5:
        p = edits.turned(p, yaw_deg=n["yaw"])
    return p


def _scene(n: dict, portrait: np.ndarray, *poses: Pose, background=None, side_light: float = 0.0) -> Scene:
    scene = compose(*(poses or (n["pose"],)), background=n["background"] if background is None else background,
                    side_light=side_light, noise=n["noise"], seed=n["seed"], portrait=portrait)
    image = gain(scene.image, n["gain"])
    if n["soft"] > 0.3:
        image = blur(image, n["soft"])
    return Scene(image=image, eyes=scene.eyes)


def build_set(per_fault: int, compliant: int, seed: int) -> list[Item]:
    rng = np.random.default_rng(seed)
    items: list[Item] = []

    def add(name: str, faults: set[str], scene: Scene, applicant: int = 0, **kw) -> None:
        items.append(Item(name, scene.image, scene.eyes[applicant], frozenset(faults), **kw))

    for i in range(compliant):
        n = _nuisance(rng)
        add(f"compliant_{i}", set(), _scene(n, _portrait(n)), yaw=n["yaw"])
    for i in range(per_fault):
        n = _nuisance(rng)
        u = float(rng.random())
        p = n["pose"]

        def pose(_p: Pose = p, **changes: float) -> Pose:
            return replace(_p, **changes)

        behind = pose(ied_share=0.12 + 0.1 * u, centre=0.12, eye_height=0.2)  # drawn first: the applicant is in front
        add(f"two_people_{i}", {"one person"}, _scene(n, _portrait(n), behind, pose(centre=0.5)), applicant=1,
            people=2)
        add(f"small_{i}", {"size"}, _scene(n, _portrait(n), pose(ied_share=0.13 + 0.08 * u)))
        add(f"large_{i}", {"size"}, _scene(n, _portrait(n), pose(ied_share=0.36 + 0.06 * u)))
        add(f"off_centre_{i}", {"position"},
            _scene(n, _portrait(n), pose(centre=0.5 + (1 if u > 0.5 else -1) * (0.1 + 0.1 * u))))
        add(f"rolled_{i}", {"roll"}, _scene(n, _portrait(n), pose(angle=(1 if u > 0.5 else -1) * (8 + 10 * u))))
        yaw = (1 if u > 0.5 else -1) * (13 + 10 * u)
        add(f"turned_{i}", {"yaw"}, _scene(n, _portrait({**n, "yaw": yaw})), yaw=yaw)
        pitch = (1 if u > 0.5 else -1) * (14 + 8 * u)
        add(f"pitched_{i}", {"pitch"}, _scene(n, _portrait(n, lambda q, a=pitch: edits.turned(q, pitch_deg=a))),
            pitch=pitch)
        s = _scene(n, _portrait(n))
        add(f"defocus_{i}", {"sharpness"}, Scene(blur(s.image, 3.5 + 3 * u), s.eyes))
        lit = _scene(n, _portrait({**n, "complexion": 1.0}))  # a darker complexion would offset the gain
        add(f"motion_{i}", {"sharpness"}, Scene(motion_blur(s.image, int(15 + 20 * u), float(rng.uniform(0, 180))),
                                                s.eyes))
        add(f"dark_{i}", {"exposure"}, Scene(gain(lit.image, 0.3 + 0.12 * u), lit.eyes))
        add(f"bright_{i}", {"exposure"}, Scene(gain(lit.image, 1.45 + 0.4 * u), lit.eyes))
        add(f"side_light_{i}", {"light left/right"}, _scene(n, _portrait(n), side_light=-(0.45 + 0.25 * u)))
        add(f"top_shadow_{i}", {"shadow top/bottom"},
            _scene(n, _portrait(n, lambda q, d=0.4 + 0.2 * u: edits.top_shadow(q, d))))
        add(f"eyes_closed_{i}", {"eyes open"}, _scene(n, _portrait(n, edits.closed_eyes)))
        add(f"teeth_{i}", {"mouth closed"}, _scene(n, _portrait(n, base=astronaut())))
        add(f"fringe_{i}", {"brows uncovered"}, _scene(n, _portrait(n, edits.fringe)))
        add(f"cap_{i}", {"brows uncovered"}, _scene(n, _portrait(n, edits.hat)))
        add(f"mask_{i}", {"face uncovered"}, _scene(n, _portrait(n, edits.face_mask)))
        n_clear = {**n, "glasses": False}
        add(f"tinted_{i}", {"no tinted lenses"},
            _scene(n, _portrait(n_clear, lambda q, t=0.55 + 0.35 * u: edits.glasses(q, tint=t))))
        add(f"glare_{i}", {"no glare"}, _scene(n, _portrait(n_clear, lambda q: edits.glasses(q, glare=True))))
        add(f"red_eye_{i}", {"no red eye"}, _scene(n, _portrait(n, edits.red_eye)))
        bg = [RED, (90, 90, 90), "poster", "gradient"][i % 4]
        if bg == "poster":
            s = _scene(n, _portrait(n))
            cv2.rectangle(s.image, (150, 5), (230, 70), (60, 90, 160), -1)
            add(f"background_{i}", {"background"}, s)
        elif bg == "gradient":
            grad = np.zeros((480, 640, 3), np.uint8)
            grad[:] = np.linspace(250, 165, 640).astype(np.uint8)[None, :, None]
            add(f"background_{i}", {"background"}, _scene(n, _portrait(n), background=grad))
        else:
            add(f"background_{i}", {"background"}, _scene(n, _portrait(n), background=bg))
    return items


# -- the reference measures -----------------------------------------------------------------------

_EYE_CASCADE = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye_tree_eyeglasses.xml")
CANON = 40.0  # eye distance of the upright face copy the reference measures work on


def _upright(image: np.ndarray, eyes) -> np.ndarray:
    """The face, eye line level, eyes CANON apart, eyes at (60, 60) and (100, 60) of a 160x180 copy."""
    (lx, ly), (rx, ry) = eyes
    ied = math.dist((lx, ly), (rx, ry))
    m = cv2.getRotationMatrix2D(((lx + rx) / 2, (ly + ry) / 2), math.degrees(math.atan2(ry - ly, rx - lx)), CANON / ied)
    m[0, 2] += 80 - (lx + rx) / 2
    m[1, 2] += 60 - (ly + ry) / 2
    return cv2.warpAffine(image, m, (160, 180), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def _hf_share(gray: np.ndarray) -> float:
    f = np.abs(np.fft.fftshift(np.fft.fft2(gray - gray.mean()))) ** 2
    h, w = gray.shape
    fy = np.fft.fftshift(np.fft.fftfreq(h))[:, None]
    fx = np.fft.fftshift(np.fft.fftfreq(w))[None, :]
    r = np.hypot(fy, fx)
    return float(f[r > 0.18].sum() / max(f[r > 0.02].sum(), 1e-9))


def _hist_intersection(a: np.ndarray, b: np.ndarray) -> float:
    ha = np.histogram(a, bins=32, range=(0, 256))[0].astype(float)
    hb = np.histogram(b, bins=32, range=(0, 256))[0].astype(float)
    return float(np.minimum(ha / ha.sum(), hb / hb.sum()).sum())


def _skin_share(bgr: np.ndarray) -> float:
    ycc = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb).reshape(-1, 3)
    cr, cb = ycc[:, 1], ycc[:, 2]
    return float(np.mean((cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127)))


def reference(item: Item) -> set[str]:
    """The rules the reference measures say the photo breaks."""
    out: set[str] = set()
    wx, wy, ww, wh = window((item.image.shape[1], item.image.shape[0]))
    if item.people > 1:
        out.add("one person")
    (lx, ly), (rx, ry) = item.eyes
    ied = math.dist((lx, ly), (rx, ry)) / ww
    if not DEFAULT_RULES.eye_distance_min <= ied <= DEFAULT_RULES.eye_distance_max:
        out.add("size")
    if abs(((lx + rx) / 2 - wx) / ww - 0.5) > DEFAULT_RULES.centre_offset_max:
        out.add("position")
    if abs(math.degrees(math.atan2(ry - ly, rx - lx))) > DEFAULT_RULES.roll_max_deg:
        out.add("roll")
    if abs(item.yaw) > 10:
        out.add("yaw")
    if abs(item.pitch) > 10:
        out.add("pitch")
    face = _upright(item.image, item.eyes)
    gray = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY).astype(np.float32)
    inner = gray[45:110, 45:115]  # brows to under the mouth, cheek to cheek
    if _hf_share(inner) < 0.04:
        out.add("sharpness")
    if np.mean(inner < 50) > 0.3 or np.mean(inner > 247) > 0.08:
        out.add("exposure")
    if _hist_intersection(inner[:, :30], inner[:, 40:]) < 0.45:
        out.add("light left/right")
    upper, lower = np.median(gray[38:58, 50:110]), np.median(gray[80:100, 48:112])
    if upper / max(lower, 1.0) < 0.7:
        out.add("shadow top/bottom")
    small = cv2.equalizeHist(cv2.cvtColor(face, cv2.COLOR_BGR2GRAY))
    for ex in (60, 100):
        roi = small[40:80, ex - 20:ex + 20]
        if not len(_EYE_CASCADE.detectMultiScale(roi, 1.05, 3, minSize=(12, 12))):
            out.add("eyes open")
    mouth = face[88:104, 62:98].astype(np.float32)
    lab = cv2.cvtColor(mouth / 255.0, cv2.COLOR_BGR2Lab)
    if np.mean((lab[..., 0] > 78) & (np.hypot(lab[..., 1], lab[..., 2]) < 14)) > 0.06:
        out.add("mouth closed")
    if _skin_share(face[38:54, 44:116]) < 0.35:
        out.add("brows uncovered")
    if _skin_share(face[85:120, 50:110]) < 0.4:
        out.add("face uncovered")
    eye_box = np.concatenate([gray[50:70, 45:75].ravel(), gray[50:70, 85:115].ravel()])
    cheeks = np.median(np.concatenate([gray[78:90, 45:65].ravel(), gray[78:90, 95:115].ravel()]))
    if np.median(eye_box) / max(cheeks, 1.0) < 0.45:
        out.add("no tinted lenses")
    if np.mean(eye_box >= 250) > 0.03:
        out.add("no glare")
    for ex in (60, 100):
        px = face[57:64, ex - 3:ex + 4].reshape(-1, 3).astype(np.float32)
        if np.mean((px[:, 2] > 90) & (px[:, 2] > 2 * (px[:, 0] + px[:, 1]) / 2)) > 0.3:
            out.add("no red eye")
    win = cv2.cvtColor(item.image[wy:wy + wh, wx:wx + ww].astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
    strips = [win[:int(0.05 * wh), int(0.3 * ww):int(0.7 * ww)], win[:int(0.15 * wh), :int(0.12 * ww)],
              win[:int(0.15 * wh), -int(0.12 * ww):]]  # the top edge's middle and the two top corners
    px = np.concatenate([s.reshape(-1, 3) for s in strips])
    means = np.array([s.reshape(-1, 3).mean(axis=0) for s in strips])
    light, chroma = float(np.median(px[:, 0])), float(np.hypot(*np.median(px[:, 1:], axis=0)))
    hue = math.degrees(math.atan2(*np.median(px[:, 1:], axis=0)[::-1])) % 360
    colour_ok = (light >= 80 and chroma <= 10) or (light >= 60 and 225 <= hue <= 300)
    if not colour_ok or np.ptp(means[:, 0]) > 10 or px[:, 0].std() > 8:
        out.add("background")
    return out


def ours(analyser: PhotoAnalyser, item: Item) -> set[str]:
    reasons = set(analyser.analyse(item.image).reasons)
    return {rule for rule, codes in RULES.items() if reasons & set(codes)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-fault", type=int, default=4, help="photos per faulty family")
    parser.add_argument("--compliant", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--list", action="store_true", help="print each disagreement")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    items = build_set(args.per_fault, args.compliant, args.seed)
    analyser = PhotoAnalyser()
    got = [(item, ours(analyser, item), reference(item)) for item in items]
    print(f"{len(items)} labelled photos (seed {args.seed}): {args.compliant} compliant, "
          f"{len(items) - args.compliant} breaking one rule each; {time.perf_counter() - started:.0f} s\n")
    print("| rule | photos breaking it | ours = truth | reference = truth | ours = reference |"
          " ours: missed / false refusals |")
    print("|---|---|---|---|---|---|")
    for rule in RULES:
        truth = [rule in i.faults for i, _, _ in got]
        mine = [rule in o for _, o, _ in got]
        ref = [rule in r for _, _, r in got]
        n = len(got)
        missed = sum(t and not m for t, m in zip(truth, mine, strict=True))
        false = sum(m and not t for t, m in zip(truth, mine, strict=True))
        print(f"| {rule} | {sum(truth)} | {sum(t == m for t, m in zip(truth, mine, strict=True)) / n:.1%} "
              f"| {sum(t == r for t, r in zip(truth, ref, strict=True)) / n:.1%} "
              f"| {sum(m == r for m, r in zip(mine, ref, strict=True)) / n:.1%} | {missed} / {false} |")
        if args.list:
            for (item, o, r), t, m in zip(got, truth, mine, strict=True):
                if t != m:
                    print(f"    {item.name}: truth {sorted(item.faults)} ours {sorted(o)} reference {sorted(r)}")
    compliant = [(i, o, r) for i, o, r in got if not i.faults]
    refused = [(i, o) for i, o, _ in compliant if o]
    ref_refused = [i for i, _, r in compliant if r]
    faulty = [(i, o) for i, o, _ in got if i.faults]
    caught = sum(bool(o & i.faults) for i, o in faulty)
    exact = sum(o == i.faults for i, o in faulty)
    print(f"\nfalse refusals (compliant photo refused): ours {len(refused)}/{len(compliant)} "
          f"= {len(refused) / max(1, len(compliant)):.1%}; reference {len(ref_refused)}/{len(compliant)} "
          f"= {len(ref_refused) / max(1, len(compliant)):.1%}")
    for item, o in refused:
        print(f"    {item.name}: refused for {sorted(o)}")
    print(f"faulty photos refused for their fault: {caught}/{len(faulty)} = {caught / max(1, len(faulty)):.1%}; "
          f"for exactly that fault alone: {exact}/{len(faulty)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
