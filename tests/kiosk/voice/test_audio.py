"""WAV in and out (what sites drop in comes in many shapes), trimming, normalising, resampling."""

from __future__ import annotations

import io
import struct
import wave

import numpy as np
import pytest

from kiosk.voice.audio import (
    AudioFormatError,
    Clip,
    decode_wav,
    encode_wav,
    normalise,
    read_wav,
    resample,
    silence,
    trim,
    write_wav,
)
from tests.kiosk.voice.conftest import tone


def wav_bytes(frames: bytes, rate: int, channels: int, width: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def test_a_16_bit_mono_wav_round_trips(tmp_path) -> None:
    clip = tone(0.5, rate=22050)
    path = tmp_path / "a" / "b.wav"
    write_wav(path, clip)
    again = read_wav(path)
    assert again.rate == 22050 and np.array_equal(again.samples, clip.samples)
    assert not list(tmp_path.rglob("*.part"))


def test_stereo_8_24_32_bit_and_float_are_converted_to_mono_16_bit() -> None:
    left = np.array([0.5, -0.5, 0.25], dtype=np.float32)
    right = np.array([0.5, 0.5, 0.25], dtype=np.float32)
    stereo16 = np.stack([left, right], 1).reshape(-1)
    clip = decode_wav(wav_bytes((stereo16 * 32767).astype("<i2").tobytes(), 48000, 2, 2))
    assert clip.rate == 48000 and list(clip.samples) == pytest.approx([16383, 0, 8191], abs=2)
    eight = decode_wav(wav_bytes(bytes([128 + 64, 128 - 64, 128]), 8000, 1, 1))
    assert list(eight.samples) == pytest.approx([16383, -16383, 0], abs=2)
    values24 = [int(v * 8388607) for v in (0.5, -0.5)]
    raw24 = b"".join(struct.pack("<i", v)[:3] for v in values24)
    assert list(decode_wav(wav_bytes(raw24, 16000, 1, 3)).samples) == pytest.approx([16383, -16383], abs=2)
    raw32 = np.array([0.5, -0.25], dtype="<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, 16000, 64000, 4, 32)
    float_wav = (b"RIFF" + struct.pack("<I", 36 + len(raw32)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
                 + b"data" + struct.pack("<I", len(raw32)) + raw32)
    assert list(decode_wav(float_wav).samples) == pytest.approx([16384, -8192], abs=2)


def test_a_wav_streamed_to_a_pipe_is_read_to_its_end() -> None:
    """espeak-ng --stdout writes 0x7ffff000 as the data size: the real end is the end of the bytes."""
    data = bytearray(wav_bytes(tone(0.1, rate=22050).pcm(), 22050, 1, 2))
    data[40:44] = struct.pack("<I", 0x7FFFF000)
    assert len(decode_wav(bytes(data)).samples) == 2205


@pytest.mark.parametrize(("data", "message"), [
    (b"", "RIFF"), (b"RIFF\0\0\0\0WAVEjunk", "fmt"), (b"ID3\x03" + bytes(100), "RIFF"),
    (wav_bytes(b"", 22050, 1, 2).replace(b"data", b"date"), "data"),
])
def test_garbage_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(AudioFormatError, match=message):
        decode_wav(data)


def test_unsupported_encodings_and_rates_are_refused() -> None:
    fmt = struct.pack("<HHIIHH", 2, 1, 8000, 4000, 1, 4)  # ADPCM
    adpcm = b"RIFF" + struct.pack("<I", 40) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data\0\0\0\0"
    with pytest.raises(AudioFormatError, match="16-bit PCM"):
        decode_wav(adpcm)
    with pytest.raises(AudioFormatError, match="rate"):
        Clip(np.zeros(10, np.int16), 100)
    with pytest.raises(AudioFormatError, match="mono"):
        Clip(np.zeros((10, 2), np.int16), 8000)


def test_trim_keeps_a_little_silence_and_normalise_sets_the_peak() -> None:
    padded = Clip(np.concatenate([silence(0.5, 8000).samples, tone(0.2, level=0.2).samples,
                                  silence(0.5, 8000).samples]), 8000)
    trimmed = trim(padded, keep=0.03)
    assert trimmed.duration == pytest.approx(0.26, abs=0.002)
    assert trimmed.leading_silence() == pytest.approx(0.03, abs=0.002)
    assert normalise(trimmed).peak == pytest.approx(0.7, abs=0.001)
    assert normalise(silence(0.1, 8000)).peak == 0
    assert trim(silence(0.1, 8000)).duration == pytest.approx(0.1)


def test_resample_and_volume() -> None:
    clip = tone(1.0, rate=8000)
    assert len(resample(clip, 22050).samples) == 22050
    assert resample(clip, 8000) .samples is clip.samples
    half = np.frombuffer(clip.pcm(0.5), "<i2")
    assert np.abs(half).max() == pytest.approx(np.abs(clip.samples).max() / 2, abs=1)
    assert clip.pcm(1.0) == clip.samples.astype("<i2").tobytes()
    assert encode_wav(clip)[:4] == b"RIFF"
