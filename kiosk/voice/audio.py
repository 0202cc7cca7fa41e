"""Audio clips in memory: mono 16-bit PCM with its sample rate, WAV in and out, and the few
operations the voice needs (trim silence, normalise, resample for a timeline, scale for volume).

Mono because speech needs no more, and every clip the kiosk holds is then the same shape. Site
recordings may be stereo or any PCM width: :func:`decode_wav` downmixes and converts them once, at
load time. Only numpy: no audio library is needed to play, record or check prompts.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FULL_SCALE = 32767


class AudioFormatError(ValueError):
    """Bytes that are not a PCM WAV file the kiosk can play (the message says what is wrong)."""


@dataclass(frozen=True, eq=False)
class Clip:
    """Mono signed 16-bit samples at ``rate`` Hz."""

    samples: np.ndarray = field(repr=False)
    rate: int

    def __post_init__(self) -> None:
        if self.samples.dtype != np.int16 or self.samples.ndim != 1:
            raise AudioFormatError("a clip holds mono int16 samples")
        if not 4000 <= self.rate <= 192000:
            raise AudioFormatError(f"sample rate {self.rate} Hz is not a playable rate")

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    @property
    def peak(self) -> float:
        """Largest absolute sample as a fraction of full scale."""
        return float(np.abs(self.samples.astype(np.int32)).max(initial=0)) / FULL_SCALE

    def pcm(self, volume: float = 1.0) -> bytes:
        """Little-endian S16 bytes at ``volume`` (0..1), what an audio device is fed."""
        if volume >= 0.999:
            return self.samples.astype("<i2").tobytes()
        scaled = np.round(self.samples.astype(np.float32) * max(0.0, volume))
        return scaled.astype("<i2").tobytes()

    def leading_silence(self, threshold: float = 0.02) -> float:
        """Seconds before the first sample louder than ``threshold`` of full scale."""
        loud = np.flatnonzero(np.abs(self.samples.astype(np.int32)) > threshold * FULL_SCALE)
        return (loud[0] if len(loud) else len(self.samples)) / self.rate


def silence(seconds: float, rate: int) -> Clip:
    return Clip(np.zeros(round(seconds * rate), dtype=np.int16), rate)


# --------------------------------------------------------------------------------------------------
# WAV

def _chunks(data: bytes) -> dict[bytes, bytes]:
    """RIFF chunks by id; a ``data`` chunk whose size overruns the file (a WAV streamed to a pipe,
    as ``espeak-ng --stdout`` writes it) is taken to the end of the bytes."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError("not a RIFF/WAVE file")
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = data[offset + 8:offset + 8 + size]
        chunks.setdefault(chunk_id, body)
        if chunk_id == b"data":
            break
        offset += 8 + size + (size & 1)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise AudioFormatError("a WAV file needs a fmt and a data chunk")
    return chunks


def decode_wav(data: bytes) -> Clip:
    """PCM WAV bytes (8/16/24/32-bit integer, or 32-bit float; any channel count) -> mono clip."""
    chunks = _chunks(data)
    fmt = chunks[b"fmt "]
    if len(fmt) < 16:
        raise AudioFormatError("the fmt chunk is too short")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the sub-format's first field is the tag
        tag = struct.unpack_from("<H", fmt, 24)[0]
    if channels < 1:
        raise AudioFormatError("no channels")
    raw = chunks[b"data"]
    width = bits // 8
    frame = width * channels
    raw = raw[:len(raw) - len(raw) % frame] if frame else b""
    if tag == 1 and bits == 8:
        values = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    elif tag == 1 and bits == 16:
        values = np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    elif tag == 1 and bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        values = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float32) / 8388608
    elif tag == 1 and bits == 32:
        values = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648
    elif tag == 3 and bits == 32:
        values = np.frombuffer(raw, "<f4").astype(np.float32)
    else:
        raise AudioFormatError(f"unsupported WAV encoding (format {tag}, {bits} bits): use 16-bit PCM")
    mono = values.reshape(-1, channels).mean(axis=1) if channels > 1 else values
    samples = np.clip(np.round(mono * 32768), -32768, FULL_SCALE).astype(np.int16)  # 16-bit PCM is exact
    return Clip(samples, rate)


def read_wav(path: Path) -> Clip:
    try:
        return decode_wav(path.read_bytes())
    except AudioFormatError as exc:
        raise AudioFormatError(f"{path}: {exc}") from None


def encode_wav(clip: Clip) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(clip.rate)
        wav.writeframes(clip.pcm())
    return out.getvalue()


def write_wav(path: Path, clip: Clip) -> None:
    """Write atomically (a crash mid-write leaves no half file that a later start would play)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(encode_wav(clip))
    temporary.replace(path)


# --------------------------------------------------------------------------------------------------
# Processing

def trim(clip: Clip, threshold: float = 0.01, keep: float = 0.03) -> Clip:
    """Cut silence (below ``threshold`` of full scale) at both ends, keeping ``keep`` seconds, so
    that speech starts as soon as a prompt is played."""
    loud = np.flatnonzero(np.abs(clip.samples.astype(np.int32)) > threshold * FULL_SCALE)
    if not len(loud):
        return clip
    margin = round(keep * clip.rate)
    start, end = max(0, loud[0] - margin), min(len(clip.samples), loud[-1] + 1 + margin)
    return Clip(clip.samples[start:end].copy(), clip.rate)


def normalise(clip: Clip, peak: float = 0.7) -> Clip:
    """Scale so the loudest sample is ``peak`` of full scale (0.7 = -3 dBFS): every prompt is equally
    loud whatever made it, and none clips."""
    current = clip.peak
    if current == 0:
        return clip
    scaled = np.round(clip.samples.astype(np.float32) * (peak / current))
    return Clip(np.clip(scaled, -FULL_SCALE, FULL_SCALE).astype(np.int16), clip.rate)


def resample(clip: Clip, rate: int) -> Clip:
    """Linear interpolation to ``rate`` (for a mixed timeline; playback uses each clip's own rate)."""
    if clip.rate == rate or not len(clip.samples):
        return Clip(clip.samples, rate) if clip.rate == rate else Clip(clip.samples[:0], rate)
    count = max(1, round(len(clip.samples) * rate / clip.rate))
    positions = np.arange(count) * (clip.rate / rate)
    values = np.interp(positions, np.arange(len(clip.samples)), clip.samples.astype(np.float32))
    return Clip(np.round(values).astype(np.int16), rate)
