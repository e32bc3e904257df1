"""A generated access matrix: every /api route × every role of the owning park and of another park, plus no sign-in.

Path parameters are real ids of park A's entities (document, revision, record, user, clause, audit and audit line,
nonconformity and its action, management review), so another park's calls reach the lookup instead of a 422.

    no sign-in                 → 401 (POST /api/auth/token excepted: it is how one signs in)
    a role of park B, a route that names one of park A's entities
                               → 403, 404 or 422, never 2xx, and no park A marker in the body; a 403 or 404 leaves
                                 an access.refused event in park B's trail naming that user
    a role of park B, any other route (lists, exports, clauses, own account)
                               → never 5xx, and no park A marker in the body (zip exports are unpacked)
    a role of park A           → never 5xx

Cells run in a fixed order: no sign-in, then park B (after which park A's entities must be unchanged), then
park A, whose calls may move its entities on (they are meant to: the test only asks that nothing is a 5xx).
"""

import io
import json
import re
import zipfile
from dataclasses import dataclass

import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select

from app.common import utcnow
from app.db import session_scope
from app.events.models import Event
from app.users.models import Role
from tests.audits.helpers import post, raise_nc, started_audit
from tests.factories import DOCX_MEDIA, PASSWORD, TestPark, docx_bytes, make_park, publish_new_document, record_upload
from tests.performance.calc_support import seed_performance
from tests.performance.targets_helpers import MATRIX_BODIES as PERFORMANCE_TARGET_BODIES
from tests.performance.targets_helpers import seed_targets as seed_performance_targets
from tests.retention.helpers import seed_retention

pytestmark = pytest.mark.slow

ROLES = tuple(r.value for r in Role)
CLAUSE_ID = "7.3.2"
# the standard's clauses are the same for every park; a register's kind and a requirement's action are words
GLOBAL_PARAMS = {"clause_id", "kind", "action", "year", "code"}
PUBLIC = {("POST", "/api/auth/token")}
SIGN = {"password": PASSWORD, "comment": "访问矩阵"}
ACTION = {"description": "访问矩阵措施", "due_date": "2030-04-01"}


def api_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every /api route, however deeply its router is included."""
    cells = set()
    for context in iter_route_contexts(app.router.routes):
        path = context.path or ""
        if path.startswith("/api"):
            cells.update((method, path) for method in (context.methods or ()) if method != "HEAD")
    return sorted(cells, key=lambda cell: (cell[1], cell[0]))


@dataclass
class Seed:
    park: TestPark
    ids: dict[str, object]
    markers: list[str]
    snapshot_paths: list[str]


def seed_park(client) -> Seed:
    park = make_park(client)
    document, revision = publish_new_document(park, title=f"访问矩阵受控方针{park.code}")
    record = record_upload(park)
    assert record.status_code == 201, record.text
    audit = started_audit(park)
    nc = raise_nc(park)
    assert nc.status_code == 201, nc.text
    nc_id = nc.json()["id"]
    analysed = post(
        park,
        f"/api/nonconformities/{nc_id}/analyse",
        "coordinator",
        {"cause_analysis": "访问矩阵", "similar_elsewhere": False},
    )
    assert analysed.status_code == 200, analysed.text
    planned = post(
        park,
        f"/api/nonconformities/{nc_id}/plan",
        "coordinator",
        {"actions": [{**ACTION, "owner_id": park.user_ids["approver"]}]},
    )
    assert planned.status_code == 200, planned.text
    review = post(park, "/api/reviews", "coordinator", {"review_date": "2030-01-15"})
    assert review.status_code == 201, review.text
    registers = seed_registers(park)
    inventory = seed_inventory(park)
    performance = seed_performance(park)
    performance_targets = seed_performance_targets(park)
    from tests.performance.monitor_helpers import seed_deviation

    deviation = seed_deviation(park)
    ids = {
        "document_id": document["id"],
        "revision_id": revision["id"],
        "record_id": record.json()["id"],
        "user_id": park.user_ids["contributor"],
        "clause_id": CLAUSE_ID,
        "audit_id": audit["id"],
        "line_id": audit["lines"][0]["id"],
        "nc_id": nc_id,
        "action_id": planned.json()["actions"][0]["id"],
        "review_id": review.json()["id"],
        **registers,
        **inventory,
        **performance,
        **performance_targets,
        **deviation,
        "job_id": seed_job(park),
        **seed_retention(park),
        "check_id": seed_archival_check(park),
        "page": 1,  # a preview page number (/api/revisions/{revision_id}/previews/{page}.png)
    }
    markers = [
        park.code,
        park.code.lower(),
        document["control_no"],
        document["title"],
        record.json().get("control_no") or park.code,
        *park.usernames.values(),
    ]
    snapshot_paths = [
        f"/api/documents/{ids['document_id']}",
        f"/api/revisions/{ids['revision_id']}",
        f"/api/records/{ids['record_id']}",
        f"/api/audits/{ids['audit_id']}",
        f"/api/nonconformities/{ids['nc_id']}",
        f"/api/actions/{ids['action_id']}",
        f"/api/reviews/{ids['review_id']}",
        f"/api/registers/equipment/{ids['row_id']}",
        f"/api/registers/compliance/rounds/{ids['round_id']}",
        f"/api/performance/indicators/{ids['indicator_id']}",
        f"/api/performance/baselines/{ids['baseline_id']}",
        f"/api/performance/targets/{ids['target_id']}",
        f"/api/performance/measures/{ids['measure_id']}",
    ]
    return Seed(park=park, ids=ids, markers=[m for m in markers if m], snapshot_paths=snapshot_paths)


def seed_archival_check(park: TestPark) -> int:
    """An archival check (四性检测) run of park A."""
    response = park.client.post("/api/archival/checks", json={"kind": "park"}, headers=park.headers("coordinator"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def seed_job(park: TestPark) -> int:
    """A failed background job of park A (its kind has no handler: it fails at once, and again when requeued)."""
    from app.jobs import service as jobs

    with session_scope() as session:
        job = jobs.enqueue(session, "access_matrix_job", f"matrix-{park.code}", park_id=park.id, max_attempts=1)
        assert job.id is not None
        return job.id


def seed_inventory(park: TestPark) -> dict[str, object]:
    """An enterprise with a source in the year's boundary, a factor, a prepared submission and a leadership group
    member of park A."""
    from tests.inventory import helpers as inventory

    enterprise = inventory.enterprise(park, f"访问矩阵企业{park.code}", 7)
    source = inventory.source(park, enterprise["id"], "锅炉燃煤", "fuel_combustion", "烟煤", "t")
    inventory.boundary(park, 2025, [source["id"]])
    data_set = inventory.data_set(park)
    factor = inventory.factor(
        park,
        data_set["id"],
        code="coal",
        kind="fuel",
        quantity="烟煤",
        activity_unit="t",
        ncv="20",
        carbon_content="0.025",
        oxidation_rate="0.9",
    )
    inventory.assign(park, "contributor", enterprise["id"])
    body = {
        "enterprise_id": enterprise["id"],
        "year": 2025,
        "rows": [{"source_id": source["id"], "quantity": "10", "unit": "t", "quality": "metered"}],
    }
    submission = inventory.ok(
        park.client.post("/api/inventory/submissions", json=body, headers=park.headers("contributor")), 201
    )
    member = post(park, "/api/park/organisation", "coordinator", {"name": "矩阵组长", "group_role": "组长"})
    assert member.status_code == 201, member.text
    return {
        "year": 2025,
        "enterprise_id": enterprise["id"],
        "source_id": source["id"],
        "data_set_id": data_set["id"],
        "factor_id": factor["id"],
        "submission_id": submission["id"],
        "member_id": member.json()["id"],
    }


def seed_registers(park: TestPark) -> dict[str, object]:
    """A row of several registers, a compliance round and a published equipment snapshot of park A."""
    legal = park.client.get("/api/registers/legal", headers=park.headers("coordinator")).json()["rows"][0]
    assert post(park, f"/api/registers/legal/{legal['id']}/confirm", "coordinator", {}).status_code == 200
    risk = post(
        park,
        "/api/registers/risks",
        "coordinator",
        {"category": "financial", "title": "访问矩阵风险", "likelihood": 2, "consequence": 2},
    )
    meter = post(
        park, "/api/registers/equipment", "coordinator", {"name": f"访问矩阵电表{park.code}", "interval_months": 12}
    )
    year = utcnow().year - 1
    round_ = post(
        park,
        "/api/registers/compliance/rounds",
        "coordinator",
        {"title": "访问矩阵评价", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"},
    )
    snapshot = post(park, "/api/registers/equipment/publish", "coordinator", {})
    for response in (risk, meter, round_, snapshot):
        assert response.status_code == 201, response.text
    return {
        "kind": "equipment",
        "action": "reopen",
        "row_id": meter.json()["id"],
        "equipment_id": meter.json()["id"],
        "requirement_id": legal["id"],
        "risk_id": risk.json()["id"],
        "round_id": round_.json()["id"],
        "snapshot_id": snapshot.json()["id"],
    }


def request_kwargs(method: str, path: str, ids: dict[str, object]) -> dict:
    """A small body that passes validation where one is easy to give, so the call reaches the lookup."""
    if method == "GET":
        # the comparison's query names park A's revision, so another park's call reaches the lookup
        compares = ("/api/documents/{document_id}/compare", "/api/documents/{document_id}/compare/docx")
        return {"params": {"from": ids["revision_id"], "to": ids["revision_id"]}} if path in compares else {}
    upload = {"files": {"file": ("矩阵.docx", docx_bytes("访问矩阵"), DOCX_MEDIA)}}
    known = {
        "/api/auth/token": {"data": {}},
        "/api/documents/{document_id}/revisions": {**upload, "data": {"change_reason": "访问矩阵"}},
        "/api/records": {**upload, "data": {"type": "EMISSION_REVIEW_RECORD", "period": "2024"}},
        "/api/registers/{kind}/import": upload,
        "/api/revisions/{revision_id}/review": {"json": SIGN},
        "/api/revisions/{revision_id}/approve": {"json": SIGN},
        "/api/revisions/{revision_id}/reject": {"json": SIGN},
        "/api/records/{record_id}/approve": {"json": SIGN},
        "/api/records/{record_id}/reject": {"json": SIGN},
        "/api/reviews/{review_id}/close": {"json": SIGN},
        "/api/retention/batches/{batch_id}/approve": {"json": SIGN},
        "/api/users/{user_id}": {"json": {"full_name": "访问矩阵"}},
        "/api/clauses/{clause_id}/applicability": {"json": {"applicable": True, "reason": "访问矩阵"}},
        "/api/audits/{audit_id}/lines/{line_id}": {"json": {"result": "conforming", "notes": "访问矩阵"}},
        "/api/audits/{audit_id}/findings": {"json": {"kind": "observation", "description": "访问矩阵"}},
        "/api/nonconformities/{nc_id}/actions": {"json": {**ACTION, "owner_id": ids["user_id"]}},
        "/api/reviews/{review_id}/inputs": {"json": {"key": "a", "text": "访问矩阵"}},
        "/api/reviews/{review_id}/decisions": {"json": {"output_item": "a", "decision": "访问矩阵"}},
        **PERFORMANCE_TARGET_BODIES,
        "/api/documents/{document_id}/distribution": {"json": {"entries": [{"kind": "role", "target": "auditor"}]}},
        "/api/documents/{document_id}/distribution/confirm": {"json": {"revision_id": ids["revision_id"]}},
    }
    return known.get(path, {"json": {}})


def body_text(response) -> str:
    """The body as text, zip members (xlsx, docx, evidence packs) unpacked."""
    content = response.content
    parts = [content.decode("utf-8", "replace")]
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts += [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
    return "\n".join(parts)


def snapshot(seed: Seed) -> dict[str, object]:
    out = {}
    for path in seed.snapshot_paths:
        response = seed.park.client.get(path, headers=seed.park.headers("coordinator"))
        assert response.status_code == 200, (path, response.text)
        # Whole, history included: another park's refused calls are recorded in that park's trail, never in the
        # owner's (an access.refused event in park A's history would show up as a change).
        out[path] = response.json()
    return out


def _differences(old: object, new: object, where: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            d
            for key in sorted(set(old) | set(new), key=str)
            for d in _differences(old.get(key), new.get(key), f"{where}.{key}")
        ]
    if isinstance(old, list) and isinstance(new, list) and len(old) < len(new) and new[: len(old)] == old:
        return [f"{where}: + {json.dumps(new[len(old) :], ensure_ascii=False)[:600]}"]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True)) for d in _differences(a, b, f"{where}[{i}]")]
    return (
        []
        if old == new
        else [f"{where}: {json.dumps(old, ensure_ascii=False)[:120]} → {json.dumps(new, ensure_ascii=False)[:120]}"]
    )


def fresh_headers(park: TestPark, role: str) -> dict[str, str]:
    response = park.client.post("/api/auth/token", data={"username": park.usernames[role], "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def last_seq() -> int:
    with session_scope(write=False) as session:
        return session.execute(select(func.coalesce(func.max(Event.seq), 0))).scalar_one()


def refused_since(seq: int, park: TestPark, role: str) -> bool:
    """Whether an access.refused event after `seq` names `role`'s user of `park`, in `park`'s trail."""
    with session_scope(write=False) as session:
        return (
            session.execute(
                select(Event.id).where(
                    Event.seq > seq,
                    Event.action == "access.refused",
                    Event.park_id == park.id,
                    Event.actor_id == park.user_ids[role],
                )
            ).first()
            is not None
        )


def test_access_matrix(app, client, figure) -> None:
    routes = api_routes(app)
    assert len(routes) > 50, "the route walk found too few /api routes"
    seed = seed_park(client)
    other = make_park(client)
    problems: list[str] = []
    cells = 0

    def call(method: str, template: str, headers: dict[str, str]):
        template = re.sub(r"\{(\w+):\w+\}", r"{\1}", template)  # path converters: {page:int} -> {page}
        path = template.format(**{k: v for k, v in seed.ids.items() if "{" + k + "}" in template})
        return client.request(method, path, headers=headers, **request_kwargs(method, template, seed.ids))

    def headers_for(park: TestPark, role: str, template: str) -> dict[str, str]:
        # logout revokes the token it is called with: give it a token of its own
        return fresh_headers(park, role) if template == "/api/auth/logout" else park.headers(role)

    # 1. no sign-in
    for method, template in routes:
        cells += 1
        response = call(method, template, {})
        if (method, template) in PUBLIC:
            if response.status_code < 300 or response.status_code >= 500:
                problems.append(f"anonymous {method} {template}: {response.status_code}")
        elif response.status_code != 401:
            problems.append(f"anonymous {method} {template}: {response.status_code}, expected 401")

    # 2. every role of another park
    before = snapshot(seed)
    for role in ROLES:
        for method, template in routes:
            cells += 1
            seen = last_seq()
            response = call(method, template, headers_for(other, role, template))
            names_entity = any("{" + name + "}" in template for name in seed.ids if name not in GLOBAL_PARAMS)
            where = f"park B {role} {method} {template}"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code} {response.text[:200]}")
            elif names_entity and response.status_code not in (403, 404, 422):
                problems.append(f"{where}: {response.status_code}, expected 403/404/422 {response.text[:200]}")
            elif names_entity and response.status_code in (403, 404) and not refused_since(seen, other, role):
                problems.append(f"{where}: {response.status_code} left no access.refused event in park B")
            text = body_text(response)
            leaked = [marker for marker in seed.markers if marker in text]
            if leaked:
                problems.append(f"{where}: {response.status_code} shows park A's {leaked}")
    after = snapshot(seed)
    for path, value in before.items():
        if after[path] != value:
            changed = _differences(value, after[path])
            problems.append(f"park B's calls changed park A's {path}: {changed[:10]}")

    # 3. every role of the owning park
    for role in ROLES:
        for method, template in routes:
            cells += 1
            response = call(method, template, headers_for(seed.park, role, template))
            if response.status_code >= 500:
                problems.append(f"park A {role} {method} {template}: {response.status_code} {response.text[:200]}")

    assert cells == len(routes) * (1 + 2 * len(ROLES))
    figure(
        f"access matrix: {cells} cells ({len(routes)} routes × (no sign-in + {len(ROLES)} roles × 2 parks)),"
        f" {len(problems)} problems"
    )
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:80])
