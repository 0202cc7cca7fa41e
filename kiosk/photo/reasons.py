"""Why a frame is not yet a compliant document photo: stable reason codes and what to tell the applicant.

The codes are part of the kiosk's contract (UI, logs, tests, the ``check`` command's JSON), so they
never change meaning (codes are added, never redefined). :data:`Reason` is ordered by priority: the
analysis lists failed rules in this order and the live guidance shows the first one, because fixing
it usually fixes later ones (coming closer changes the head size, the eye line and the background
area at once).
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    CAMERA_OUT_OF_FOCUS = "camera_out_of_focus"  # device fault: only from a run of frames (AutoCapture)
    NO_FACE = "no_face"
    MULTIPLE_FACES = "multiple_faces"
    LOW_RESOLUTION = "low_resolution"
    FACE_TOO_SMALL = "face_too_small"
    FACE_TOO_LARGE = "face_too_large"
    OFF_CENTRE = "off_centre"
    TILTED = "tilted"
    NOT_FRONTAL = "not_frontal"
    LOOKING_UP_OR_DOWN = "looking_up_or_down"
    TOO_DARK = "too_dark"
    TOO_BRIGHT = "too_bright"
    UNEVEN_LIGHT = "uneven_light"
    BLURRED = "blurred"
    EYEBROWS_COVERED = "eyebrows_covered"
    FACE_COVERED = "face_covered"
    TINTED_GLASSES = "tinted_glasses"
    GLASSES_GLARE = "glasses_glare"
    EYES_CLOSED = "eyes_closed"
    RED_EYE = "red_eye"
    MOUTH_OPEN = "mouth_open"
    EARS_COVERED = "ears_covered"
    FACE_SHADOW = "face_shadow"
    BACKGROUND = "background"


PRIORITY: tuple[Reason, ...] = tuple(Reason)

# Keys are the kiosk's language codes ([kiosk] languages).
GUIDANCE: dict[Reason, dict[str, str]] = {
    Reason.CAMERA_OUT_OF_FOCUS: {
        "zh_CN": "相机无法对焦，请联系工作人员",
        "en": "The camera cannot focus. Please ask staff for help.",
    },
    Reason.NO_FACE: {
        "zh_CN": "请正对镜头，坐到取景框内",
        "en": "Please sit in the frame and face the camera.",
    },
    Reason.MULTIPLE_FACES: {
        "zh_CN": "取景框内只能有申请人一人，请其他人离开",
        "en": "Only the applicant may be in the frame. Please ask others to step away.",
    },
    Reason.LOW_RESOLUTION: {
        "zh_CN": "照片像素不足，请重新拍摄",
        "en": "The picture has too few pixels. Please take it again.",
    },
    Reason.FACE_TOO_SMALL: {
        "zh_CN": "请靠近一点",
        "en": "Please come a little closer.",
    },
    Reason.FACE_TOO_LARGE: {
        "zh_CN": "请离远一点",
        "en": "Please move back a little.",
    },
    Reason.OFF_CENTRE: {
        "zh_CN": "请移到取景框中央，双眼对准标线",
        "en": "Please move to the middle of the frame, with your eyes on the guide line.",
    },
    Reason.TILTED: {
        "zh_CN": "请摆正头部，不要歪头",
        "en": "Please hold your head straight, not tilted.",
    },
    Reason.NOT_FRONTAL: {
        "zh_CN": "请正视镜头，不要转头",
        "en": "Please look straight at the camera without turning your head.",
    },
    Reason.TOO_DARK: {
        "zh_CN": "光线太暗，请正对灯光或联系工作人员",
        "en": "The light is too dark. Please face the light or ask staff for help.",
    },
    Reason.TOO_BRIGHT: {
        "zh_CN": "光线太亮，请避开强光",
        "en": "The light is too bright. Please move out of the strong light.",
    },
    Reason.UNEVEN_LIGHT: {
        "zh_CN": "脸部光线不均匀，请避开侧面光源",
        "en": "The light on your face is uneven. Please avoid light from one side.",
    },
    Reason.BLURRED: {
        "zh_CN": "请保持不动",
        "en": "Please hold still.",
    },
    Reason.LOOKING_UP_OR_DOWN: {
        "zh_CN": "请平视镜头，不要抬头或低头",
        "en": "Please look straight ahead, with your chin neither up nor down.",
    },
    Reason.EYEBROWS_COVERED: {
        "zh_CN": "请摘下帽子或头饰，把头发拨开，露出眉毛",
        "en": "Please take off your hat and move your hair away from your eyebrows.",
    },
    Reason.FACE_COVERED: {
        "zh_CN": "请摘下口罩，不要遮挡面部",
        "en": "Please take off your mask and keep your face uncovered.",
    },
    Reason.TINTED_GLASSES: {
        "zh_CN": "请摘下有色眼镜",
        "en": "Please take off tinted glasses.",
    },
    Reason.GLASSES_GLARE: {
        "zh_CN": "眼镜反光，请摘下眼镜或稍微低头",
        "en": "Your glasses reflect the light. Please take them off or lower your chin slightly.",
    },
    Reason.EYES_CLOSED: {
        "zh_CN": "请自然睁开双眼",
        "en": "Please keep your eyes open.",
    },
    Reason.RED_EYE: {
        "zh_CN": "照片出现红眼，请重新拍摄",
        "en": "The photo shows red eyes. Please take it again.",
    },
    Reason.MOUTH_OPEN: {
        "zh_CN": "请自然闭嘴，保持表情自然，不要露齿",
        "en": "Please close your mouth and keep a neutral expression, without showing your teeth.",
    },
    Reason.EARS_COVERED: {
        "zh_CN": "请把头发拨到耳后，露出双耳",
        "en": "Please move your hair behind your ears so that both ears show.",
    },
    Reason.FACE_SHADOW: {
        "zh_CN": "脸上有阴影，请摘下帽子并正对灯光",
        "en": "There is a shadow across your face. Please take off anything shading it and face the light.",
    },
    Reason.BACKGROUND: {
        "zh_CN": "背景须为白色、浅灰色或浅蓝色纯色，身后不能有其他人或物品",
        "en": "The background must be plain white, light grey or light blue, with nobody and nothing behind you.",
    },
}


def guidance(reason: Reason | str, language: str = "zh_CN") -> str:
    """The sentence to show for ``reason`` in ``language`` (``zh_CN`` or ``en``; others fall back to zh_CN)."""
    texts = GUIDANCE[Reason(reason)]
    return texts.get(language) or texts.get(language.split("_", maxsplit=1)[0]) or texts["zh_CN"]
