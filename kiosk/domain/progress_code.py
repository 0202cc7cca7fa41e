"""Application numbers and the receipt's progress code, as the kiosk's domain names them.

The format is shared with the central service, so it is defined once in ``wire/progress_code.py``
(which both import) and re-exported here for the kiosk.
"""

from wire.progress_code import (
    APPLICATION_NO_PATTERN,
    FILED_ON_SITE,
    MAX_SEQUENCE,
    PROGRESS_CODE_PREFIX,
    TOKEN_BYTES,
    TOKEN_CHARS,
    ApplicationNumber,
    InvalidApplicationNumber,
    InvalidProgressCode,
    ProgressCode,
    access_token_hash,
    decode_access_token,
    encode_access_token,
    format_access_code,
    format_application_no,
    is_application_no,
    make_progress_payload,
    new_access_token,
    parse_application_no,
    parse_progress_payload,
    parse_typed_access_code,
)

__all__ = [
    "APPLICATION_NO_PATTERN",
    "FILED_ON_SITE",
    "MAX_SEQUENCE",
    "PROGRESS_CODE_PREFIX",
    "TOKEN_BYTES",
    "TOKEN_CHARS",
    "ApplicationNumber",
    "InvalidApplicationNumber",
    "InvalidProgressCode",
    "ProgressCode",
    "access_token_hash",
    "decode_access_token",
    "encode_access_token",
    "format_access_code",
    "format_application_no",
    "is_application_no",
    "make_progress_payload",
    "new_access_token",
    "parse_application_no",
    "parse_progress_payload",
    "parse_typed_access_code",
]
