"""The batch file format against docs/outreach_batch_format.md, with an independent oracle: files
built here from the document alone (the primitives of ``cryptography``, none of the codec's code)
are read by the codec, and the codec's files are taken apart here by the document's layout. Then
every kind of damage, and the guarantee that a refused file yields nothing."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from wire.outreach_batch import BatchFileError, EntryInput, open_batch_file, seal_batch

STATION = Ed25519PrivateKey.generate()
CENTRAL = X25519PrivateKey.generate()


def raw(key) -> bytes:  # type: ignore[no-untyped-def]
    public = key.public_key() if hasattr(key, "public_key") else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key) -> str:  # type: ignore[no-untyped-def]
    return hashlib.sha256(raw(key)).hexdigest()[:16]


def canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def aad(part: bytes, header: bytes, index: int | None = None) -> bytes:
    return b"EEKB1 " + part + b"\x00" + hashlib.sha256(header).digest() + (b"" if index is None
                                                                             else struct.pack(">I", index))


def hand_built(entries: list[dict[str, object]], *, batch_id: str = "OUTR01-261128-01") -> bytes:
    """A batch file written by following the document, byte by byte."""
    header = canonical({"station_id": "OUTR01", "batch_id": batch_id, "sealed_at": "2026-11-28T18:00:00+00:00",
                        "entries": len(entries), "station_key": key_id(STATION), "central_key": key_id(CENTRAL),
                        "sig": "Ed25519", "kem": "X25519-HKDF-SHA256", "aead": "AES-256-GCM"})
    content_key = os.urandom(32)
    ephemeral = X25519PrivateKey.generate()
    kek = HKDF(hashes.SHA256(), 32, salt=raw(ephemeral) + raw(CENTRAL),
               info=b"EEKB1 content key wrap").derive(ephemeral.exchange(CENTRAL.public_key()))
    wrap_nonce = os.urandom(12)
    wrapped = AESGCM(kek).encrypt(wrap_nonce, content_key, aad(b"key", header))
    blocks = []
    listed = []
    for index, entry in enumerate(entries):
        nonce = os.urandom(12)
        block = nonce + AESGCM(content_key).encrypt(nonce, canonical(entry), aad(b"entry", header, index))
        blocks.append(block)
        listed.append({"index": index, "kind": entry["kind"], "sha256": hashlib.sha256(block).hexdigest(),
                       "size": len(block)})
    manifest = canonical({"format": 1, "station_id": "OUTR01", "batch_id": batch_id, "sealed_at": "x",
                          "batch": {"name": "hand-built"}, "entries": listed})
    nonce = os.urandom(12)
    manifest_block = nonce + AESGCM(content_key).encrypt(nonce, manifest, aad(b"manifest", header))
    signed = (b"EEKBATCH" + struct.pack(">H", 1) + struct.pack(">I", len(header)) + header + raw(ephemeral)
              + wrap_nonce + wrapped + struct.pack(">I", len(manifest_block)) + manifest_block)
    body = signed + STATION.sign(b"EEKB1 signature\x00" + signed)
    body += b"".join(struct.pack(">I", len(b)) + b for b in blocks)
    return body + b"EEKBEND\x00" + struct.pack(">Q", len(body) + 16)


def station_key(station_id: str):  # type: ignore[no-untyped-def]
    return STATION.public_key() if station_id == "OUTR01" else None


def test_a_file_built_from_the_document_is_read_by_the_codec() -> None:
    entries = [{"kind": "application", "body": {"n": i, "photo": "ÿ" * 100}} for i in range(3)]
    opened = open_batch_file(hand_built(entries), station_key, CENTRAL)
    assert [dict(p) for p in opened.payloads] == entries
    assert opened.opened.header.batch_id == "OUTR01-261128-01"
    assert opened.opened.manifest["batch"]["name"] == "hand-built"


def test_the_codec_writes_what_the_document_describes() -> None:
    data = seal_batch(station_id="OUTR01", batch_id="OUTR01-261128-02", sealed_at="2026-11-28T18:00:00+00:00",
                      batch={"name": "班"},
                      entries=[EntryInput({"kind": "refusal"}, {"kind": "refusal", "name": "甲"})],
                      signing_key=STATION, central_public=CENTRAL.public_key())
    assert data[:8] == b"EEKBATCH" and struct.unpack(">H", data[8:10]) == (1,)
    (h,) = struct.unpack(">I", data[10:14])
    header = data[14:14 + h]
    fields = json.loads(header)
    assert header == canonical(fields) and fields["entries"] == 1 and fields["station_key"] == key_id(STATION)
    pos = 14 + h
    ephemeral, wrap_nonce, wrapped = data[pos:pos + 32], data[pos + 32:pos + 44], data[pos + 44:pos + 92]
    (m,) = struct.unpack(">I", data[pos + 92:pos + 96])
    manifest_block = data[pos + 96:pos + 96 + m]
    signature_at = pos + 96 + m
    STATION.public_key().verify(data[signature_at:signature_at + 64], b"EEKB1 signature\x00" + data[:signature_at])
    kek = HKDF(hashes.SHA256(), 32, salt=ephemeral + raw(CENTRAL), info=b"EEKB1 content key wrap").derive(
        CENTRAL.exchange(X25519PublicKey.from_public_bytes(ephemeral)))
    content_key = AESGCM(kek).decrypt(wrap_nonce, wrapped, aad(b"key", header))
    manifest = json.loads(AESGCM(content_key).decrypt(manifest_block[:12], manifest_block[12:],
                                                      aad(b"manifest", header)))
    pos = signature_at + 64
    (b,) = struct.unpack(">I", data[pos:pos + 4])
    block = data[pos + 4:pos + 4 + b]
    assert manifest["entries"][0]["sha256"] == hashlib.sha256(block).hexdigest()
    assert json.loads(AESGCM(content_key).decrypt(block[:12], block[12:], aad(b"entry", header, 0))) == {
        "kind": "refusal", "name": "甲"}
    trailer = data[pos + 4 + b:]
    assert trailer[:8] == b"EEKBEND\x00" and struct.unpack(">Q", trailer[8:]) == (len(data),)


def _blocks(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """Where the envelope ends and each entry block starts and ends (by the document's layout)."""
    (h,) = struct.unpack(">I", data[10:14])
    (m,) = struct.unpack(">I", data[14 + h + 92:14 + h + 96])
    pos = 14 + h + 96 + m + 64
    end, spans = pos, []
    while data[pos:pos + 8] != b"EEKBEND\x00":
        (b,) = struct.unpack(">I", data[pos:pos + 4])
        spans.append((pos, pos + 4 + b))
        pos += 4 + b
    return end, spans


def _rebuilt(data: bytes, order: list[int]) -> bytes:
    end, spans = _blocks(data)
    body = data[:end] + b"".join(data[spans[i][0]:spans[i][1]] for i in order)
    return body + b"EEKBEND\x00" + struct.pack(">Q", len(body) + 16)


FILE = hand_built([{"kind": "application", "body": {"n": i}} for i in range(4)])

DAMAGES: dict[str, tuple[Callable[[bytes], bytes], str, str]] = {
    "second entry removed": (lambda d: _rebuilt(d, [0, 2, 3]), "entry_missing", "missing entry 1"),
    "entries swapped": (lambda d: _rebuilt(d, [1, 0, 2, 3]), "tampered", "reordered"),
    "an entry repeated": (lambda d: _rebuilt(d, [0, 1, 2, 3, 3]), "entry_added", "an entry was added"),
    "cut in the envelope": (lambda d: d[:100], "truncated", "truncated"),
    "cut in an entry": (lambda d: d[:_blocks(d)[1][2][0] + 10], "truncated", "truncated: it ends at byte"),
    "cut before the end marker": (lambda d: d[:-16], "truncated", "ends at byte"),
    "cut in the end marker": (lambda d: d[:-3], "truncated", "ends at byte"),
    "a byte appended": (lambda d: d + b"\x00", "tampered", "longer than its signed manifest says (extended)"),
    "not a batch file": (lambda d: b"PK\x03\x04" + d[4:], "not_a_batch", "not an outreach batch file"),
    "another version": (lambda d: d[:8] + b"\x00\x02" + d[10:], "unsupported", "version 2"),
}


@pytest.mark.parametrize("name", DAMAGES)
def test_damage_is_refused_with_a_message_that_says_what(name: str) -> None:
    damage, code, words = DAMAGES[name]
    with pytest.raises(BatchFileError) as refused:
        open_batch_file(damage(FILE), station_key, CENTRAL)
    assert refused.value.code == code and words in str(refused.value), str(refused.value)


def test_one_changed_byte_anywhere_is_refused() -> None:
    seen = set()
    for position in range(len(FILE)):
        damaged = bytearray(FILE)
        damaged[position] ^= 0x01
        with pytest.raises(BatchFileError) as refused:
            open_batch_file(bytes(damaged), station_key, CENTRAL)
        seen.add(refused.value.code)
    # "unknown_station": the byte changed the station id in the header to one that is not registered
    assert "tampered" in seen and seen <= {"tampered", "wrong_signer", "unknown_station", "not_a_batch",
                                           "unsupported", "truncated"}


def test_another_signer_or_another_central_key_is_named() -> None:
    impostor = Ed25519PrivateKey.generate()
    forged = seal_batch(station_id="OUTR01", batch_id="OUTR01-261128-01", sealed_at="x", batch={}, entries=[],
                        signing_key=impostor, central_public=CENTRAL.public_key())
    with pytest.raises(BatchFileError) as wrong:
        open_batch_file(forged, station_key, CENTRAL)
    assert wrong.value.code == "wrong_signer" and key_id(impostor) in str(wrong.value)
    with pytest.raises(BatchFileError) as unknown:
        open_batch_file(forged, lambda _sid: None, CENTRAL)
    assert unknown.value.code == "unknown_station"
    elsewhere = seal_batch(station_id="OUTR01", batch_id="OUTR01-261128-01", sealed_at="x", batch={}, entries=[],
                           signing_key=STATION, central_public=X25519PrivateKey.generate().public_key())
    with pytest.raises(BatchFileError) as other_key:
        open_batch_file(elsewhere, station_key, CENTRAL)
    assert other_key.value.code == "wrong_central_key"
