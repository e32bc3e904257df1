"""Password hashing (argon2), session tokens and the signed browser cookie."""

import hashlib
import secrets
from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import get_settings

COOKIE_NAME = "carbonms_session"


@lru_cache
def _hasher() -> PasswordHash:
    settings = get_settings()
    return PasswordHash((Argon2Hasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib),))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher().verify(password, password_hash)
    except (UnknownHashError, ValueError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _cookie_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().resolved_secret_key(), salt="carbonms-session")


def sign_cookie(token: str) -> str:
    return _cookie_serializer().dumps(token)


def unsign_cookie(value: str) -> str | None:
    try:
        token = _cookie_serializer().loads(value)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


PASSWORD_MIN_LENGTH = 8


def password_problem(password: str) -> tuple[str, str] | None:
    """A reason (zh, en) why a new password is not acceptable, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return (
            f"密码至少需要 {PASSWORD_MIN_LENGTH} 个字符",
            f"The password needs at least {PASSWORD_MIN_LENGTH} characters",
        )
    if len(password) > 256:
        return ("密码过长（最多 256 个字符）", "The password is too long (at most 256 characters)")
    return None
