"""Building an inventory through the API: enterprises, sources, a boundary, factors, submissions."""

from typing import Any

from app.db import session_scope
from app.inventory.credit_code import check_character
from app.users import service as users
from app.users.models import Park, Role
from tests.factories import PASSWORD, TestPark

API = "/api/inventory"


def credit_code(serial: int) -> str:
    """A valid code (GB 32100 check character) for test enterprise number `serial`."""
    first17 = f"91320500MA{serial:07d}"
    return first17 + check_character(first17)


def ok(response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def add_contributor(park: TestPark, name: str) -> int:
    with session_scope() as session:
        user = users.create_user(
            session,
            park=session.get_one(Park, park.id),
            username=f"{name}_{park.code.lower()}",
            password=PASSWORD,
            role=Role.contributor,
        )
        park.usernames[name], park.user_ids[name] = user.username, user.id
        return user.id or 0


def enterprise(park: TestPark, name: str, serial: int, **extra: Any) -> dict:
    body = {
        "name": name,
        "credit_code": credit_code(serial),
        "industry_code": "C2614",
        "industry_name": "有机化学原料制造",
    }
    return ok(park.client.post(f"{API}/enterprises", json=body | extra, headers=park.headers("coordinator")), 201)


def source(park: TestPark, enterprise_id: int, name: str, category: str, quantity: str, unit: str, **extra) -> dict:
    body = {"name": name, "category": category, "quantity": quantity, "unit": unit} | extra
    url = f"{API}/enterprises/{enterprise_id}/sources"
    return ok(park.client.post(url, json=body, headers=park.headers("coordinator")), 201)


def assign(park: TestPark, role: str, enterprise_id: int | None) -> None:
    url = f"{API}/users/{park.user_ids[role]}/enterprise"
    ok(park.client.put(url, json={"enterprise_id": enterprise_id}, headers=park.headers("coordinator")))


def boundary(park: TestPark, year: int, source_ids: list[int]) -> dict:
    url = f"{API}/boundaries/{year}"
    return ok(park.client.put(url, json={"source_ids": source_ids}, headers=park.headers("coordinator")))


def data_set(park: TestPark, code: str = "PARK") -> dict:
    body = {"code": code, "name": "测试因子集（测试输入值，非发布值）", "source_document": "测试用例"}
    return ok(park.client.post(f"{API}/factor-sets", json=body, headers=park.headers("coordinator")), 201)


def factor(park: TestPark, data_set_id: int, **values: Any) -> dict:
    body = {
        "origin": "published",
        "source_document": "测试文件（测试输入值）",
        "source_table": "表 1",
        "source_row": "第 1 行",
    } | values
    url = f"{API}/factor-sets/{data_set_id}/factors"
    return ok(park.client.post(url, json=body, headers=park.headers("coordinator")), 201)


def submit_rows(park: TestPark, role: str, enterprise_id: int, year: int, rows: list[dict], **extra) -> dict:
    body = {"enterprise_id": enterprise_id, "year": year, "rows": rows} | extra
    created = ok(park.client.post(f"{API}/submissions", json=body, headers=park.headers(role)), 201)
    return ok(park.client.post(f"{API}/submissions/{created['id']}/submit", headers=park.headers(role)))


def confirm(park: TestPark, submission_id: int) -> dict:
    url = f"{API}/submissions/{submission_id}/confirm"
    return ok(park.client.post(url, json={"password": PASSWORD}, headers=park.headers("coordinator")))
