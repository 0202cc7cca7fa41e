"""Errors of the central service client, split by what the caller should do about them.

:class:`TransientError`: try again later (network down, timeout, 5xx, 429, a reply that makes no
sense, a refused signature because the clock or secret is wrong). The outbox keeps the row and
backs off. :class:`PermanentError`: the server understood and refused this request (4xx); sending
it again will not help, so the outbox marks the row failed for maintenance to look at.
"""

from __future__ import annotations


class ApiError(Exception):
    """Any failure to get a usable answer from the central service."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientError(ApiError):
    """Worth retrying later. ``retry_after`` (seconds) is the server's Retry-After, if it sent one."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class NetworkError(TransientError):
    """No answer at all: refused connection, DNS failure, timeout, TLS failure."""


class BadResponse(TransientError):
    """An answer that is not what the contract promises (not JSON, wrong shape)."""


class AuthenticationError(TransientError):
    """401: the service did not accept the kiosk's signature. Usually the kiosk's clock is more than
    five minutes off or its secret is wrong; the application itself is fine, so it is retried."""


class PermanentError(ApiError):
    """The service refused this request for good (a 4xx other than 401, 408 and 429)."""

    def __init__(self, message: str, *, status: int | None = None, detail: str = "") -> None:
        super().__init__(message, status=status)
        self.detail = detail


class ConflictError(PermanentError):
    """409: an idempotency key reused with a different body, an application number already filed,
    a full appointment slot."""


class NotFound(PermanentError):
    """404 where the caller expected something to exist."""


class CredentialsError(PermanentError):
    """The kiosk has no usable secret file for signing requests."""
