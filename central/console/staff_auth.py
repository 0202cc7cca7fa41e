"""Staff accounts and console sessions.

Passwords are scrypt hashes (``central.passwords``). A session is a random 256-bit token in an
HttpOnly, SameSite=Strict cookie; the database keeps only its SHA-256, so a database copy does not
hand out live sessions. Each session has its own CSRF token, embedded in every form and checked on
every POST (SameSite alone does not cover older browsers or same-site sub-domains). Five wrong
passwords lock an account for fifteen minutes, and an unknown user name costs the same scrypt
time as a wrong password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from central.db import Database
from central.models import StaffSession, StaffUser
from central.passwords import DUMMY_HASH, hash_password, verify_password

SESSION_LIFETIME = timedelta(hours=8)
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class StaffExists(Exception):
    pass


@dataclass(frozen=True)
class StaffContext:
    staff_id: int
    username: str
    display_name: str
    csrf_token: str

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class StaffAuth:
    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._clock = clock

    def create_staff(self, username: str, password: str, display_name: str = "", *, replace: bool = False) -> None:
        if not username or len(username) > 64 or not username.isprintable():
            raise ValueError("a user name is 1 to 64 printable characters")
        if len(password) < 8:
            raise ValueError("a password has at least 8 characters")
        hashed = hash_password(password)
        try:
            with self._db.write() as session:
                user = session.scalar(select(StaffUser).where(StaffUser.username == username))
                if user is not None and not replace:
                    raise StaffExists(username)
                if user is None:
                    user = StaffUser(username=username, created_at=self._clock())
                    session.add(user)
                user.password_hash = hashed
                user.display_name = display_name or user.display_name or username
                user.active = True
                user.failed_logins = 0
                user.locked_until = None
        except IntegrityError:
            raise StaffExists(username) from None

    def sign_in(self, username: str, password: str) -> tuple[str, StaffContext] | None:
        """A new session (cookie token and context) for correct credentials; None otherwise."""
        now = self._clock()
        with self._db.read() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user is None or not user.active:
            verify_password(password, DUMMY_HASH)
            return None
        if user.locked_until is not None and user.locked_until > now:
            verify_password(password, DUMMY_HASH)
            return None
        if not verify_password(password, user.password_hash):
            with self._db.write() as session:
                row = session.get(StaffUser, user.id)
                if row is not None:
                    row.failed_logins += 1
                    if row.failed_logins >= MAX_FAILED_LOGINS:
                        row.locked_until = now + LOCKOUT
                        row.failed_logins = 0
            return None
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self._db.write() as session:
            row = session.get(StaffUser, user.id)
            if row is not None:
                row.failed_logins = 0
                row.locked_until = None
            session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
            session.add(StaffSession(token_hash=_token_hash(token), staff_id=user.id, csrf_token=csrf,
                                     created_at=now, expires_at=now + SESSION_LIFETIME))
        return token, StaffContext(user.id, user.username, user.display_name, csrf)

    def session(self, token: str | None) -> StaffContext | None:
        if not token or len(token) > 100:
            return None
        with self._db.read() as session:
            row = session.get(StaffSession, _token_hash(token))
            if row is None or row.expires_at <= self._clock():
                return None
            user = session.get(StaffUser, row.staff_id)
            if user is None or not user.active:
                return None
            return StaffContext(user.id, user.username, user.display_name, row.csrf_token)

    def sign_out(self, token: str | None) -> None:
        if token:
            with self._db.write() as session:
                session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))


def csrf_ok(expected: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(expected.encode(), (presented or "").encode())
