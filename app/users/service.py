"""Parks, users, sign-in with throttling, sessions and the re-authentication of an e-signature."""

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session

from app.common import utcnow
from app.config import get_settings
from app.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from app.events import service as events
from app.events.models import Event
from app.events.refusals import Rule, refusal
from app.users.models import AuthSession, Park, Role, User
from app.users.security import hash_password, new_token, password_problem, token_digest, verify_password

# A real hash to verify against when the user is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH: list[str] = []


def get_park_by_code(session: Session, code: str) -> Park:
    park = session.execute(select(Park).where(Park.code == code)).scalars().first()
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
    if session.execute(select(Park.id).where(Park.code == code)).first():
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
    if session.execute(select(User.id).where(User.username == username)).first():
        # Usernames are unique across parks (sign-in names no park): one answer whoever holds it, so an admin
        # learns nothing about other parks' users beyond the name being unavailable.
        raise Conflict(
            f"用户名 {username} 不可用，请换一个", f"The username {username} is not available; choose another"
        )
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
    return list(session.execute(select(User).where(User.park_id == park_id).order_by(User.id)).scalars())


def _recent_failures(session: Session, username: str) -> int:
    settings = get_settings()
    since = utcnow() - timedelta(minutes=settings.login_window_minutes)
    return session.execute(
        select(func.count())
        .select_from(Event)
        .where(Event.action == "auth.login_failed", Event.entity_id == username[:64], Event.occurred_at >= since)
    ).scalar_one()


def authenticate(session: Session, *, username: str, password: str, via: str = "api") -> tuple[User, str]:
    """Check the password and open a session; returns the user and the new raw token."""
    settings = get_settings()
    username = username.strip()[:64]
    failure_audit = {
        "action": "auth.login_failed",
        "entity_type": "login",
        "entity_id": username,
        "park_id": None,
        "actor_name": username,
        "after": {"via": via},
    }
    user = session.execute(select(User).where(User.username == username)).scalars().first()
    if user is not None:
        failure_audit["park_id"] = user.park_id
        failure_audit["actor_id"] = user.id
    if _recent_failures(session, username) >= settings.login_max_failures:
        raise TooManyRequests(
            f"登录失败次数过多，请 {settings.login_window_minutes} 分钟后再试",
            f"Too many failed sign-ins; try again in {settings.login_window_minutes} minutes",
            audit={**failure_audit, "action": "auth.login_throttled"},
            headers={"Retry-After": str(settings.login_window_minutes * 60)},
        )
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password("not-a-real-password"))
        verify_password(password, _DUMMY_HASH[0])
        raise Unauthorized("用户名或密码错误", "Wrong username or password", audit=failure_audit)
    if not verify_password(password, user.password_hash):
        raise Unauthorized("用户名或密码错误", "Wrong username or password", audit=failure_audit)
    if not user.is_active:
        raise Unauthorized(
            "该账号已停用",
            "This account is disabled",
            audit={**failure_audit, "after": {"via": via, "reason": "disabled"}},
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
    session.execute(update(AuthSession).where(AuthSession.id == auth_session_id).values(revoked_at=utcnow()))
    events.record(
        session, action="auth.logout", entity_type="login", entity_id=user.username, park_id=user.park_id, actor=user
    )


def revoke_sessions(session: Session, user: User) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
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


def change_password(session: Session, *, user: User, old_password: str, new_password: str) -> None:
    if not verify_password(old_password, user.password_hash):
        raise Unauthorized("原密码错误", "The current password is wrong")
    problem = password_problem(new_password)
    if problem:
        raise Invalid(*problem)
    user.password_hash = hash_password(new_password)
    session.add(user)
    revoke_sessions(session, user)
    events.record(
        session, action="user.password_change", entity_type="user", entity_id=user.id, park_id=user.park_id, actor=user
    )


def require_signature(user: User, password: str | None, *, entity_type: str, entity_id: object) -> None:
    """An electronic signature needs the signer's password again (21 CFR 11-style re-authentication)."""
    if not password or not verify_password(password, user.password_hash):
        raise Unauthorized(
            "电子签名需要再次输入您的密码，密码不正确或为空",
            "An electronic signature needs your password again",
            audit={
                "action": "signature.refused",
                "entity_type": entity_type,
                "entity_id": entity_id,
                "park_id": user.park_id,
                "actor_id": user.id,
                "actor_name": user.username,
            },
        )
