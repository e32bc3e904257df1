"""Parks, users, sign-in with throttling, sessions and the re-authentication of an e-signature."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from app.common import utcnow
from app.config import get_settings
from app.db import session_scope
from app.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.users import throttle
from app.users.models import AuthSession, Park, Role, User
from app.users.security import hash_password, new_token, password_problem, token_digest, verify_password
from app.users.throttle import FailureKind

# A real hash to verify against when the user is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH: list[str] = []


def get_park_by_code(session: Session, code: str) -> Park:
    park = session.execute(select(Park).where(col(Park.code) == code)).scalars().first()
    if park is None:
        raise NotFound(f"园区 {code} 不存在", f"Park {code} does not exist")
    return park


def create_park(session: Session, *, code: str, name: str, actor: User | None = None) -> Park:
    code = code.strip()
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum() or not code.isascii():
        raise Invalid(
            "园区编码只能包含字母、数字、- 和 _（最多 32 个字符）",
            "A park code may only contain letters, digits, - and _ (at most 32 characters)",
        )
    if not name.strip():
        raise Invalid("园区名称不能为空", "The park name is required")
    if session.execute(select(col(Park.id)).where(col(Park.code) == code)).first():
        raise Conflict(f"园区编码 {code} 已存在", f"Park code {code} already exists")
    park = Park(code=code, name=name.strip())
    session.add(park)
    session.flush()
    events.record(
        session,
        action="park.create",
        entity_type="park",
        entity_id=park.id,
        park_id=park.id,
        actor=actor,
        after={"code": park.code, "name": park.name},
    )
    return park


def create_user(
    session: Session,
    *,
    park: Park,
    username: str,
    password: str,
    role: Role,
    full_name: str | None = None,
    unit: str | None = None,
    assigned_doc_types: list[str] | None = None,
    actor: User | None = None,
) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise Invalid(
            "用户名不能为空、不能含空格，且最多 64 个字符",
            "A username must be non-empty, without spaces, at most 64 characters",
        )
    problem = password_problem(password)
    if problem:
        raise Invalid(*problem)
    if session.execute(select(col(User.id)).where(col(User.username) == username)).first():
        # Usernames are unique across parks (sign-in names no park): one answer whoever holds it, so an admin
        # learns nothing about other parks' users beyond the name being unavailable.
        raise Conflict(
            f"用户名 {username} 不可用，请换一个", f"The username {username} is not available; choose another"
        )
    assert park.id is not None  # a stored park
    user = User(
        park_id=park.id,
        username=username,
        full_name=(full_name or username).strip()[:100],
        role=role,
        unit=unit,
        password_hash=hash_password(password),
        assigned_doc_types=",".join(sorted(set(assigned_doc_types or []))),
    )
    session.add(user)
    session.flush()
    events.record(
        session,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        park_id=park.id,
        actor=actor,
        after={"username": username, "role": str(role), "full_name": user.full_name},
    )
    return user


def get_user(session: Session, *, user_id: int, park_id: int, actor: User | None = None) -> User:
    """A user of the park; another park's is not found, and `actor`'s attempt is on record."""
    user = session.get(User, user_id)
    if user is None or user.park_id != park_id:
        audit = refusal(actor, Rule.other_park, "user", user_id) if user is not None and actor is not None else None
        raise NotFound("用户不存在", "User not found", audit=audit)
    return user


def list_users(session: Session, *, park_id: int) -> list[User]:
    return list(session.execute(select(User).where(col(User.park_id) == park_id).order_by(col(User.id))).scalars())


def _dummy_hash() -> str:
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password("not-a-real-password"))
    return _DUMMY_HASH[0]


def check_password(
    session: Session,
    *,
    username: str,
    password: str | None,
    password_hash: str | None,
    kind: str,
    client_address: str,
    wrong: tuple[str, str],
    audit: dict[str, Any],
) -> None:
    """The one password check of sign-in, every electronic signature and the password change.

    Throttled first (429 with Retry-After, recorded), before any state or permission check of the caller, so the
    answer to a wrong password never depends on anything but the password. A wrong one is counted with every other
    wrong password (`throttle`) and recorded as `audit`; a right one clears its (user name, address) failures.
    `password_hash` None (an unknown user name) verifies a dummy hash: the time taken does not tell.
    """
    where = {"kind": kind, "client_address": client_address}
    wait = throttle.wait_for(username, client_address)
    if wait.seconds > 0:
        raise TooManyRequests(
            f"密码错误次数过多，请 {wait.retry_after} 秒后再试",
            f"Too many wrong passwords; try again in {wait.retry_after} seconds",
            audit={
                **audit,
                "action": _THROTTLED_ACTIONS[kind],
                "after": {**where, "throttled_by": wait.key, "retry_after_seconds": int(wait.retry_after)},
            },
            headers={"Retry-After": wait.retry_after},
        )
    if password and verify_password(password, password_hash or _dummy_hash()) and password_hash is not None:
        throttle.clear_failures(session, username=username, client_address=client_address)
        return
    if password:  # an empty password is no guess: refused and recorded, not counted
        throttle.record_failure(session, username=username, client_address=client_address, kind=kind)
    raise Unauthorized(*wrong, audit={**audit, "after": {**(audit.get("after") or {}), **where}})


_THROTTLED_ACTIONS = {
    FailureKind.sign_in: "auth.login_throttled",
    FailureKind.signature: "signature.throttled",
    FailureKind.password_change: "user.password_change_throttled",
}


def authenticate(
    session: Session, *, username: str, password: str, via: str = "api", client_address: str = ""
) -> tuple[User, str]:
    """Check the password and open a session; returns the user and the new raw token."""
    settings = get_settings()
    username = username.strip()[:64]
    failure_audit: dict[str, Any] = {
        "action": "auth.login_failed",
        "entity_type": "login",
        "entity_id": username,
        "park_id": None,
        "actor_name": username,
        "after": {"via": via},
    }
    # A short read of its own: the request's writing transaction (SQLite's write lock) starts after the slow
    # password check, and a refused sign-in never takes it.
    with session_scope(write=False) as lookup:
        user = lookup.execute(select(User).where(col(User.username) == username)).scalars().first()
    if user is not None:
        failure_audit["park_id"] = user.park_id
        failure_audit["actor_id"] = user.id
    check_password(
        session,
        username=username,
        password=password,
        password_hash=user.password_hash if user is not None else None,
        kind=FailureKind.sign_in,
        client_address=client_address,
        wrong=("用户名或密码错误", "Wrong username or password"),
        audit=failure_audit,
    )
    assert user is not None  # check_password refuses unknown user names
    if not user.is_active:
        raise Unauthorized(
            "该账号已停用",
            "This account is disabled",
            audit={**failure_audit, "after": {"via": via, "reason": "disabled", "client_address": client_address}},
        )
    token = new_token()
    auth_session = AuthSession(
        user_id=user.id, token_hash=token_digest(token), expires_at=utcnow() + timedelta(hours=settings.session_hours)
    )
    session.add(auth_session)
    session.flush()
    events.record(
        session,
        action="auth.login",
        entity_type="login",
        entity_id=username,
        park_id=user.park_id,
        actor=user,
        after={"via": via, "session_id": auth_session.id},
    )
    return user, token


def logout(session: Session, *, user: User, auth_session_id: int | None) -> None:
    if auth_session_id is None:
        return
    session.execute(update(AuthSession).where(col(AuthSession.id) == auth_session_id).values(revoked_at=utcnow()))
    events.record(
        session, action="auth.logout", entity_type="login", entity_id=user.username, park_id=user.park_id, actor=user
    )


def revoke_sessions(session: Session, user: User) -> None:
    session.execute(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


def update_user(
    session: Session,
    *,
    actor: User,
    user_id: int,
    role: Role | None = None,
    is_active: bool | None = None,
    full_name: str | None = None,
    unit: str | None = None,
    assigned_doc_types: list[str] | None = None,
) -> User:
    user = get_user(session, user_id=user_id, park_id=actor.park_id, actor=actor)
    before = {
        "role": str(user.role),
        "is_active": user.is_active,
        "full_name": user.full_name,
        "unit": user.unit,
        "assigned_doc_types": user.assigned_doc_types,
    }
    if user.id == actor.id and (is_active is False or (role is not None and role != user.role)):
        raise Conflict("不能停用自己或修改自己的角色", "You cannot disable yourself or change your own role")
    if role is not None:
        user.role = role
    if full_name is not None:
        user.full_name = full_name.strip()[:100] or user.full_name
    if unit is not None:
        user.unit = unit.strip() or None
    if assigned_doc_types is not None:
        user.assigned_doc_types = ",".join(sorted(set(assigned_doc_types)))
    if is_active is not None:
        user.is_active = is_active
    if is_active is False or role is not None:
        revoke_sessions(session, user)  # a disabled user or a changed role signs in again
    session.add(user)
    after = {
        "role": str(user.role),
        "is_active": user.is_active,
        "full_name": user.full_name,
        "unit": user.unit,
        "assigned_doc_types": user.assigned_doc_types,
    }
    events.record(
        session,
        action="user.update",
        entity_type="user",
        entity_id=user.id,
        park_id=user.park_id,
        actor=actor,
        before=before,
        after=after,
    )
    return user


def change_password(
    session: Session, *, user: User, old_password: str, new_password: str, client_address: str = ""
) -> None:
    check_password(
        session,
        username=user.username,
        password=old_password,
        password_hash=user.password_hash,
        kind=FailureKind.password_change,
        client_address=client_address,
        wrong=("原密码错误", "The current password is wrong"),
        audit={
            "action": "user.password_change_refused",
            "entity_type": "user",
            "entity_id": user.id,
            "park_id": user.park_id,
            "actor_id": user.id,
            "actor_name": user.username,
        },
    )
    problem = password_problem(new_password)
    if problem:
        raise Invalid(*problem)
    user.password_hash = hash_password(new_password)
    session.add(user)
    revoke_sessions(session, user)
    events.record(
        session, action="user.password_change", entity_type="user", entity_id=user.id, park_id=user.park_id, actor=user
    )


def reset_password(session: Session, *, park_code: str, username: str, new_password: str) -> User:
    """The operator's reset (carbonms reset-password): a new password, every session of the user ended, recorded.

    For whoever runs the server (a forgotten demo password); there is no signed-in actor, the event says so.
    """
    park = get_park_by_code(session, park_code)
    user = (
        session.execute(select(User).where(col(User.park_id) == park.id, col(User.username) == username))
        .scalars()
        .first()
    )
    if user is None:
        raise NotFound(f"园区 {park.code} 没有用户 {username}", f"Park {park.code} has no user {username}")
    problem = password_problem(new_password)
    if problem:
        raise Invalid(*problem)
    user.password_hash = hash_password(new_password)
    session.add(user)
    revoke_sessions(session, user)
    events.record(
        session,
        action="user.password_reset",
        entity_type="user",
        entity_id=user.id,
        park_id=user.park_id,
        actor_name="命令行 / command line",
        after={"via": "cli"},
    )
    return user


def require_signature(
    session: Session,
    user: User,
    password: str | None,
    *,
    entity_type: str,
    entity_id: object,
    client_address: str = "",
) -> None:
    """An electronic signature needs the signer's password again (21 CFR 11-style re-authentication).

    Call it before looking at the entity's state or the signer's authority: a wrong password then gets the same
    answer (401, or 429 once throttled) whatever the entity's state, so no other answer confirms a right password.
    """
    check_password(
        session,
        username=user.username,
        password=password,
        password_hash=user.password_hash,
        kind=FailureKind.signature,
        client_address=client_address,
        wrong=("电子签名需要再次输入您的密码，密码不正确或为空", "An electronic signature needs your password again"),
        audit={
            "action": "signature.refused",
            "entity_type": entity_type,
            "entity_id": entity_id,
            "park_id": user.park_id,
            "actor_id": user.id,
            "actor_name": user.username,
        },
    )
