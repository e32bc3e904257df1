"""Helpers for the register tests: enterprises and emission sources made directly (the inventory's API is another
stream's), and short calls of the register API."""

import uuid

from app.db import session_scope
from app.inventory.models import EmissionSource, Enterprise, SourceCategory
from app.users.models import User


def make_enterprise(park_id: int, name: str = "某新材料有限公司") -> int:
    with session_scope() as session:
        enterprise = Enterprise(park_id=park_id, name=name, credit_code=uuid.uuid4().hex[:18].upper())
        session.add(enterprise)
        session.flush()
        assert enterprise.id is not None
        return enterprise.id


def make_source(park_id: int, enterprise_id: int, name: str = "外购电力") -> int:
    with session_scope() as session:
        source = EmissionSource(
            park_id=park_id,
            enterprise_id=enterprise_id,
            name=name,
            category=SourceCategory.purchased_electricity,
            scope=2,
        )
        session.add(source)
        session.flush()
        assert source.id is not None
        return source.id


def assign_enterprise(user_id: int, enterprise_id: int | None) -> None:
    with session_scope() as session:
        user = session.get_one(User, user_id)
        user.enterprise_id = enterprise_id
        session.add(user)


def call(park, method: str, url: str, role: str = "coordinator", body=None, **kwargs):
    return park.client.request(method, url, json=body, headers=park.headers(role), **kwargs)
