"""Who may run and read archival checks (四性检测): the one rule the API's role gate and the page both read."""

from app.users.models import Role, User

CHECKERS = frozenset({Role.coordinator, Role.auditor})


def may_check(user: User) -> bool:
    return user.role in CHECKERS
