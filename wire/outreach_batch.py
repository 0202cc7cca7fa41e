"""The sealed batch file: the codec (bytes in, bytes out; no files, no clock). Format: docs/outreach_batch_format.md.

A batch file carries one outreach batch from the station's laptop to the central service, on a USB
stick or over the network in pieces. Shared by the station (which writes it) and the central
service (which reads it), like the progress code: the format is one contract.

Layout (all integers big-endian)::

    envelope   "EEKBATCH" | u16 version=1 | u32 H | header (H bytes, canonical JSON)
               | 32 ephemeral X25519 public key | 12 nonce | 48 wrapped content key
               | u32 M | manifest block (M bytes: 12 nonce | AES-GCM ciphertext and tag)
               | 64 Ed25519 signature
    entries    N times: u32 B | entry block (B bytes: 12 nonce | AES-GCM ciphertext and tag)
    trailer    "EEKBEND\\0" | u64 total length of the file

* **Encryption**: a fresh 256-bit content key per batch encrypts the manifest and every entry with
  AES-256-GCM (a random 96-bit nonce per block). The content key is wrapped for the central
  service's X25519 public key: an ephemeral X25519 key pair, HKDF-SHA256 over the shared secret
  (salt: both public keys), AES-256-GCM over the content key. The associated data of every block
  names its part (``key``, ``manifest``, ``entry`` and its index) and the SHA-256 of the header, so a
  block moved to another place or another batch does not open.
* **Signature**: Ed25519 by the station's key over the envelope up to the signature. The manifest
  lists every entry's SHA-256 and size, so the signature covers the whole content while each entry
  can still be checked on its own when it arrives alone over the network. The signature is over
  ciphertext: the service checks who sealed a file before it decrypts anything.
* **Truncation, removal, tampering**: the header says how many entries follow and the trailer
  repeats the file's length. A file that ends early, has an entry missing, changed or added, or a
  byte changed anywhere is refused with a :class:`BatchFileError` whose ``code`` says which.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wire.outreach_keys import key_id, public_bytes

MAGIC = b"EEKBATCH"
VERSION = 1
TRAILER_MAGIC = b"EEKBEND\x00"
TRAILER_BYTES = 16
SIGNATURE_BYTES = 64
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BLOCK_BYTES = 32 + NONCE_BYTES + 32 + TAG_BYTES  # ephemeral public key, nonce, wrapped key
MAX_HEADER_BYTES = 4096
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_ENTRY_BYTES = 1_000_000  # a block travels alone in one signed HTTP request (2 MB cap, base64)
MAX_ENTRIES = 9999
ALGORITHMS = {"sig": "Ed25519", "kem": "X25519-HKDF-SHA256", "aead": "AES-256-GCM"}
_SIGNATURE_TAG = b"EEKB1 signature\x00"
_KDF_INFO = b"EEKB1 content key wrap"


class BatchFileError(ValueError):
    """A batch file (or a piece of one) that must not be imported. ``code`` is one of
    ``not_a_batch``, ``unsupported``, ``truncated``, ``tampered``, ``wrong_signer``,
    ``unknown_station``, ``wrong_central_key``, ``entry_missing``, ``entry_added``, ``too_large``;
    the message says what was found, for the person importing it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class BatchHeader:
    """The clear part of a batch file: who sealed it, which batch, how many entries, which keys."""

    station_id: str
    batch_id: str
    sealed_at: str
    entries: int
    station_key: str  # key_id() of the station's Ed25519 public key
    central_key: str  # key_id() of the central service's X25519 public key
    algorithms: Mapping[str, str] = field(default_factory=lambda: dict(ALGORITHMS))

    def to_bytes(self) -> bytes:
        return canonical_json({"station_id": self.station_id, "batch_id": self.batch_id,
                               "sealed_at": self.sealed_at, "entries": self.entries,
                               "station_key": self.station_key, "central_key": self.central_key,
                               **self.algorithms})

    @classmethod
    def from_bytes(cls, raw: bytes) -> BatchHeader:
        """Read the header; whether it is the sealed one (and its algorithms ours) is checked with
        the signature (:meth:`check`), so a changed header is reported as tampering."""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BatchFileError("tampered", "the batch file's header is not readable JSON (damaged)") from None
        if not isinstance(data, dict):
            raise BatchFileError("tampered", "the batch file's header is not a JSON object (damaged)")
        try:
            header = cls(str(data["station_id"]), str(data["batch_id"]), str(data["sealed_at"]), int(data["entries"]),
                         str(data["station_key"]), str(data["central_key"]),
                         {name: str(data.get(name)) for name in ALGORITHMS})
        except (KeyError, TypeError, ValueError):
            raise BatchFileError("tampered", "the batch file's header lacks a field (damaged)") from None
        if not 0 <= header.entries <= MAX_ENTRIES:
            raise BatchFileError("tampered", f"the header announces {header.entries} entries (damaged)")
        return header

    def check(self, raw: bytes) -> None:
        """After the signature verified: the algorithms are ours and the header is canonical."""
        for name, expected in ALGORITHMS.items():
            if self.algorithms.get(name) != expected:
                raise BatchFileError("unsupported", f"the batch file uses {name} {self.algorithms.get(name)!r}; "
                                     f"this service reads {expected} only")
        if self.to_bytes() != raw:
            raise BatchFileError("tampered", "the batch file's header is not in canonical form")

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.to_bytes()).digest()


@dataclass(frozen=True)
class EntryInput:
    """One entry to seal: ``descriptor`` goes into the manifest (no personal data: kind, number,
    idempotency key, officer, fee), ``payload`` into the encrypted entry block."""

    descriptor: Mapping[str, Any]
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Envelope:
    """The envelope's parts, as found in the bytes (nothing verified yet)."""

    raw: bytes  # the whole envelope, signature included (what the network sync sends first)
    header: BatchHeader
    header_bytes: bytes
    ephemeral_public: bytes
    wrap_nonce: bytes
    wrapped_key: bytes
    manifest_block: bytes
    signature: bytes

    @property
    def signed_bytes(self) -> bytes:
        return self.raw[:-SIGNATURE_BYTES]


@dataclass(frozen=True)
class OpenedEnvelope:
    """A verified, decrypted envelope: the manifest, and the content key to open entries with."""

    envelope: Envelope
    manifest: Mapping[str, Any]
    content_key: bytes = field(repr=False)

    @property
    def header(self) -> BatchHeader:
        return self.envelope.header

    @property
    def entries(self) -> list[Mapping[str, Any]]:
        return list(self.manifest["entries"])


@dataclass(frozen=True)
class OpenedBatch:
    """A whole batch file, verified: envelope and every entry opened, in order."""

    opened: OpenedEnvelope
    blocks: tuple[bytes, ...]
    payloads: tuple[Mapping[str, Any], ...] = field(repr=False)


# --------------------------------------------------------------------------------------------------
# Writing

def _aad(part: bytes, header: BatchHeader, index: int | None = None) -> bytes:
    suffix = b"" if index is None else struct.pack(">I", index)
    return b"EEKB1 " + part + b"\x00" + header.digest + suffix


def _kek(shared: bytes, ephemeral_public: bytes, central_public: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + central_public,
                info=_KDF_INFO).derive(shared)


def _block(aead: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + aead.encrypt(nonce, plaintext, aad)


def seal_batch(*, station_id: str, batch_id: str, sealed_at: str, batch: Mapping[str, Any],
               entries: Sequence[EntryInput], signing_key: Ed25519PrivateKey,
               central_public: X25519PublicKey) -> bytes:
    """The complete batch file for ``batch`` (the manifest's batch details, no personal data in
    clear anyway since everything but the header is encrypted) and its ``entries``."""
    if len(entries) > MAX_ENTRIES:
        raise ValueError(f"a batch file holds at most {MAX_ENTRIES} entries")
    central_bytes = public_bytes(central_public)
    header = BatchHeader(station_id, batch_id, sealed_at, len(entries), key_id(public_bytes(signing_key)),
                         key_id(central_bytes))
    content_key = AESGCM.generate_key(bit_length=256)
    aead = AESGCM(content_key)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_bytes = public_bytes(ephemeral)
    kek = _kek(ephemeral.exchange(central_public), ephemeral_bytes, central_bytes)
    wrap_nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(wrap_nonce, content_key, _aad(b"key", header))

    blocks = []
    listed = []
    for index, entry in enumerate(entries):
        block = _block(aead, canonical_json(entry.payload), _aad(b"entry", header, index))
        if len(block) > MAX_ENTRY_BYTES:
            raise ValueError(f"entry {index} is {len(block)} bytes, more than {MAX_ENTRY_BYTES}")
        blocks.append(block)
        listed.append({**entry.descriptor, "index": index, "sha256": hashlib.sha256(block).hexdigest(),
                       "size": len(block)})
    manifest = {"format": VERSION, "station_id": station_id, "batch_id": batch_id, "sealed_at": sealed_at,
                "batch": dict(batch), "entries": listed}
    manifest_block = _block(aead, canonical_json(manifest), _aad(b"manifest", header))
    header_bytes = header.to_bytes()
    signed = b"".join([MAGIC, struct.pack(">HI", VERSION, len(header_bytes)), header_bytes, ephemeral_bytes,
                       wrap_nonce, wrapped, struct.pack(">I", len(manifest_block)), manifest_block])
    envelope = signed + signing_key.sign(_SIGNATURE_TAG + signed)
    body = envelope + b"".join(struct.pack(">I", len(b)) + b for b in blocks)
    return body + TRAILER_MAGIC + struct.pack(">Q", len(body) + TRAILER_BYTES)


# --------------------------------------------------------------------------------------------------
# Reading

class _Reader:
    def __init__(self, data: bytes, what: str) -> None:
        self.data = data
        self.pos = 0
        self.what = what

    def take(self, n: int, part: str) -> bytes:
        if self.pos + n > len(self.data):
            raise BatchFileError("truncated", f"the {self.what} is truncated: it ends at byte {len(self.data)} "
                                 f"inside the {part} (bytes {self.pos}-{self.pos + n} expected)")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u32(self, part: str) -> int:
        return int(struct.unpack(">I", self.take(4, part))[0])


def parse_envelope(data: bytes, what: str = "batch file") -> tuple[Envelope, int]:
    """The envelope at the start of ``data`` and where it ends (structure only, nothing verified)."""
    reader = _Reader(data, what)
    if data[:len(MAGIC)] != MAGIC:
        if len(data) < len(MAGIC) and MAGIC.startswith(data):
            raise BatchFileError("truncated", f"the {what} is truncated: {len(data)} bytes")
        raise BatchFileError("not_a_batch", f"not an outreach batch file (it does not start with {MAGIC.decode()})")
    reader.take(len(MAGIC), "magic")
    version, header_length = struct.unpack(">HI", reader.take(6, "version and header length"))
    if version != VERSION:
        raise BatchFileError("unsupported", f"batch file format version {version}; this service reads {VERSION}")
    if not 2 <= header_length <= MAX_HEADER_BYTES:
        raise BatchFileError("tampered", f"the header length {header_length} is impossible (damaged)")
    header_bytes = reader.take(header_length, "header")
    header = BatchHeader.from_bytes(header_bytes)
    ephemeral = reader.take(32, "key block")
    nonce = reader.take(NONCE_BYTES, "key block")
    wrapped = reader.take(32 + TAG_BYTES, "key block")
    manifest_length = reader.u32("manifest length")
    if not NONCE_BYTES + TAG_BYTES <= manifest_length <= MAX_MANIFEST_BYTES:
        raise BatchFileError("tampered", f"the manifest length {manifest_length} is impossible (damaged)")
    manifest_block = reader.take(manifest_length, "manifest")
    signature = reader.take(SIGNATURE_BYTES, "signature")
    envelope = Envelope(data[:reader.pos], header, header_bytes, ephemeral, nonce, wrapped, manifest_block, signature)
    return envelope, reader.pos


def split_batch_file(data: bytes) -> tuple[Envelope, list[bytes]]:
    """The envelope and the entry blocks of a whole file, with the file's own structure checked:
    every entry the header announces is present, nothing follows, the trailer's length is right."""
    envelope, pos = parse_envelope(data)
    reader = _Reader(data, "batch file")
    reader.pos = pos
    announced = envelope.header.entries
    blocks: list[bytes] = []
    while data[reader.pos:reader.pos + len(TRAILER_MAGIC)] != TRAILER_MAGIC:
        rest = data[reader.pos:]
        if len(blocks) == announced and (not rest or TRAILER_MAGIC.startswith(rest)):
            raise BatchFileError("truncated", f"the batch file is truncated: it ends at byte {len(data)}, "
                                 f"after entry {len(blocks) - 1}, before its end marker")
        if len(blocks) == announced and len(rest) == TRAILER_BYTES:
            raise BatchFileError("tampered", "the batch file's end marker is damaged")
        if len(blocks) == announced:
            raise BatchFileError("entry_added", f"the file holds more than the {announced} entries its signed "
                                 "header announces (an entry was added)")
        length = reader.u32(f"length of entry {len(blocks)}")
        if not NONCE_BYTES + TAG_BYTES <= length <= MAX_ENTRY_BYTES:
            raise BatchFileError("tampered", f"entry {len(blocks)} has an impossible length {length} (damaged)")
        blocks.append(reader.take(length, f"entry {len(blocks)}"))
    remaining = len(data) - reader.pos
    if remaining < TRAILER_BYTES:
        raise BatchFileError("truncated", f"the batch file is truncated: it ends at byte {len(data)} inside its "
                             "end marker")
    if remaining > TRAILER_BYTES:
        raise BatchFileError("tampered", f"{remaining - TRAILER_BYTES} bytes follow the end marker (extended)")
    if len(blocks) < announced:
        raise BatchFileError("entry_missing", f"the file holds {len(blocks)} entries, its signed header "
                             f"announces {announced} (an entry was removed)")
    total = int(struct.unpack(">Q", data[reader.pos + len(TRAILER_MAGIC):])[0])
    if total != len(data):
        raise BatchFileError("tampered", f"the end marker says the file is {total} bytes, it is {len(data)}")
    return envelope, blocks


def open_envelope(envelope: Envelope, station_key: Ed25519PublicKey | None,
                  central_private: X25519PrivateKey) -> OpenedEnvelope:
    """Verify the signature against the station's registered key, then unwrap the content key and
    decrypt the manifest. ``station_key`` None: the station is not registered here."""
    header = envelope.header
    if station_key is None:
        raise BatchFileError("unknown_station", f"station {header.station_id} is not registered as an outreach "
                             "station here (kiosk-central add-station)")
    registered = key_id(public_bytes(station_key))
    try:
        station_key.verify(envelope.signature, _SIGNATURE_TAG + envelope.signed_bytes)
    except InvalidSignature:
        if header.station_key != registered:
            raise BatchFileError("wrong_signer", f"the file was signed by key {header.station_key}, not by station "
                                 f"{header.station_id}'s registered key {registered}") from None
        raise BatchFileError("tampered", f"the signature does not verify with station {header.station_id}'s key: "
                             "the file was changed after it was sealed") from None
    header.check(envelope.header_bytes)
    central_bytes = public_bytes(central_private)
    if header.central_key != key_id(central_bytes):
        raise BatchFileError("wrong_central_key", f"the file is encrypted for central key {header.central_key}; "
                             f"this service's key is {key_id(central_bytes)}")
    try:
        kek = _kek(central_private.exchange(X25519PublicKey.from_public_bytes(envelope.ephemeral_public)),
                   envelope.ephemeral_public, central_bytes)
        content_key = AESGCM(kek).decrypt(envelope.wrap_nonce, envelope.wrapped_key, _aad(b"key", header))
        plain = AESGCM(content_key).decrypt(envelope.manifest_block[:NONCE_BYTES],
                                            envelope.manifest_block[NONCE_BYTES:], _aad(b"manifest", header))
    except (InvalidTag, ValueError):
        raise BatchFileError("tampered", "the signed content does not decrypt (a station bug or a wrong key)") from None
    manifest = json.loads(plain)
    if (manifest.get("station_id"), manifest.get("batch_id")) != (header.station_id, header.batch_id) \
            or len(manifest.get("entries", ())) != header.entries:
        raise BatchFileError("tampered", "the manifest does not agree with the header")
    return OpenedEnvelope(envelope, manifest, content_key)


def open_entry(opened: OpenedEnvelope, index: int, block: bytes) -> Mapping[str, Any]:
    """Check one entry block against the signed manifest and decrypt it."""
    entries = opened.entries
    if not 0 <= index < len(entries):
        raise BatchFileError("entry_added", f"batch {opened.header.batch_id} has no entry {index} "
                             f"(its manifest lists {len(entries)})")
    listed = entries[index]
    if hashlib.sha256(block).hexdigest() != listed["sha256"] or len(block) != listed["size"]:
        raise BatchFileError("tampered", f"entry {index}{_naming(listed)} does not match the signed manifest "
                             "(changed after sealing)")
    try:
        plain = AESGCM(opened.content_key).decrypt(block[:NONCE_BYTES], block[NONCE_BYTES:],
                                                   _aad(b"entry", opened.header, index))
    except InvalidTag:
        raise BatchFileError("tampered", f"entry {index} does not decrypt (changed after sealing)") from None
    return json.loads(plain)


def _naming(listed: Mapping[str, Any]) -> str:
    number = listed.get("application_no")
    return f" (application {number})" if number else f" ({listed.get('kind', 'entry')})"


def open_batch_file(data: bytes, station_key_for: Callable[[str], Ed25519PublicKey | None],
                    central_private: X25519PrivateKey) -> OpenedBatch:
    """Verify and open a whole batch file (every entry checked before anything is returned)."""
    envelope, _ = parse_envelope(data)
    # The signature first: a changed byte in the envelope is "tampered", whatever else is wrong.
    opened = open_envelope(envelope, station_key_for(envelope.header.station_id), central_private)
    blocks = _entry_blocks(opened, data)
    payloads = tuple(open_entry(opened, index, block) for index, block in enumerate(blocks))
    return OpenedBatch(opened, tuple(blocks), payloads)


def _entry_blocks(opened: OpenedEnvelope, data: bytes) -> list[bytes]:
    """The entry blocks where the signed manifest says they are. Knowing every block's size from
    the manifest, the file's length alone tells a removed entry, an added one and a cut-off file
    apart; then every length field, block and the trailer must be exactly as sealed."""
    start = len(opened.envelope.raw)
    sizes = [int(entry["size"]) for entry in opened.entries]
    expected = start + sum(4 + size for size in sizes) + TRAILER_BYTES
    has_trailer = (data[-TRAILER_BYTES:-8] == TRAILER_MAGIC
                   and int(struct.unpack(">Q", data[-8:])[0]) == len(data)) if len(data) >= TRAILER_BYTES else False
    if len(data) < expected:
        if has_trailer:
            raise BatchFileError("entry_missing", f"the file is {expected - len(data)} bytes shorter than its signed "
                                 f"manifest says, with its end marker intact (an entry was removed): "
                                 f"{_missing(opened, data)}")
        raise BatchFileError("truncated", f"the batch file is truncated: it ends at byte {len(data)} of "
                             f"{expected}")
    if len(data) > expected:
        if has_trailer:
            raise BatchFileError("entry_added", f"the file is {len(data) - expected} bytes longer than its signed "
                                 "manifest says (an entry was added)")
        raise BatchFileError("tampered", f"the file is {len(data) - expected} bytes longer than its signed "
                             "manifest says (extended)")
    blocks = []
    pos = start
    hashes = {entry["sha256"]: entry["index"] for entry in opened.entries}
    for index, size in enumerate(sizes):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        if length != size:
            raise BatchFileError("tampered", f"entry {index}'s length field says {length} bytes, the signed "
                                 f"manifest {size} (changed after sealing)")
        block = data[pos + 4:pos + 4 + size]
        other = hashes.get(hashlib.sha256(block).hexdigest())
        if other is not None and other != index:
            raise BatchFileError("tampered", f"entry {other} is in the place of entry {index}: the entries were "
                                 "reordered after sealing")
        blocks.append(block)
        pos += 4 + size
    if data[pos:pos + len(TRAILER_MAGIC)] != TRAILER_MAGIC or not has_trailer:
        raise BatchFileError("tampered", "the batch file's end marker is damaged")
    return blocks


def _missing(opened: OpenedEnvelope, data: bytes) -> str:
    """Which listed entries are not in the file (for the message), found by their hashes."""
    present = set()
    pos = len(opened.envelope.raw)
    while pos + 4 <= len(data) and data[pos:pos + len(TRAILER_MAGIC)] != TRAILER_MAGIC:
        length = int(struct.unpack(">I", data[pos:pos + 4])[0])
        present.add(hashlib.sha256(data[pos + 4:pos + 4 + length]).hexdigest())
        pos += 4 + length
    gone = [entry for entry in opened.entries if entry["sha256"] not in present]
    if not gone:
        return "the entries were reordered or changed"
    names = ", ".join(f"entry {e['index']}{_naming(e)}" for e in gone[:5])
    return f"missing {names}{' and more' if len(gone) > 5 else ''}"
