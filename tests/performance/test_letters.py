"""The 《产业园区碳排放管理目标和指标责任书》 (7.1): generated per responsible unit from its targets, a revision of the
unit's OBJECTIVES_RESPONSIBILITY_LETTER document signed through the lifecycle (approved by top management); on
SQLite and PostgreSQL."""

import json

from tests.factories import sign
from tests.performance.targets_helpers import (
    API,
    docx_cells,
    docx_paragraphs,
    events_of,
    indicator,
    objective,
    ok,
    refused,
    target,
)


def test_the_letter_is_generated_from_the_units_targets_and_signed_through_the_lifecycle(park):
    coordinator = park.headers("coordinator")
    total = indicator(park)
    goal = objective(park, title="园区碳排放总量下降")
    mine = target(
        park,
        goal["id"],
        total,
        title="甲企业总量控制",
        target_value="30.5",
        responsible_unit="甲化工有限公司",
        responsible_person="张三",
        considerations={"production_plan": "2026 年扩产 10 %"},
    )
    target(park, goal["id"], total, title="乙企业总量控制", responsible_unit="乙热电有限公司")
    letter = ok(
        park.client.post(
            f"{API}/letters", json={"responsible_unit": "甲化工有限公司", "year": 2026}, headers=coordinator
        ),
        201,
    )
    assert letter["revision_state"] == "in_review"  # submitted into the lifecycle in the same step
    assert [row["target_id"] for row in letter["targets"]] == [mine["id"]]  # only the unit's targets
    document = ok(park.client.get(f"/api/documents/{letter['document_id']}", headers=coordinator))
    assert document["doc_type"] == "OBJECTIVES_RESPONSIBILITY_LETTER"
    assert document["title"].endswith("碳排放管理目标和指标责任书（甲化工有限公司）")

    content = park.client.get(f"/api/revisions/{letter['revision_id']}/file", headers=park.headers("auditor")).content
    cells = docx_cells(content)
    assert {"园区碳排放总量下降", "甲企业总量控制", "园区碳排放总量（tCO₂）", "30.50", "张三"} <= set(cells)
    assert "自身的生产计划：2026 年扩产 10 %" in cells and "乙企业总量控制" not in cells
    assert "责任单位：甲化工有限公司" in docx_paragraphs(content)

    again = park.client.post(
        f"{API}/letters", json={"responsible_unit": "甲化工有限公司", "year": 2026}, headers=coordinator
    )
    assert again.status_code == 409  # one open revision at a time

    revision_id = letter["revision_id"]
    assert sign(park, revision_id, "review", "approver").status_code == 200
    # the clause map reserves this approval to top management
    assert sign(park, revision_id, "approve", "approver").status_code == 403
    assert sign(park, revision_id, "approve", "top_management").status_code == 200
    published = park.client.post(f"/api/revisions/{revision_id}/publish", headers=coordinator)
    assert published.status_code == 200, published.text
    shown = ok(park.client.get(f"{API}/letters/{letter['id']}", headers=park.headers("top_management")))
    assert shown["revision_state"] == "effective"

    # next year's letter is a new revision of the same document; the first stays as it was signed
    ok(park.client.patch(f"{API}/targets/{mine['id']}", json={"target_value": "29"}, headers=coordinator))
    second = ok(
        park.client.post(
            f"{API}/letters", json={"responsible_unit": "甲化工有限公司", "year": 2027}, headers=coordinator
        ),
        201,
    )
    assert second["document_id"] == letter["document_id"] and second["revision_id"] != revision_id
    assert second["targets"][0]["target_value"] == "29"
    assert (
        ok(park.client.get(f"{API}/letters/{letter['id']}", headers=coordinator))["targets"][0]["target_value"]
        == "30.5"
    )
    generated = events_of(park, "responsibility_letter.generate")
    assert [json.loads(e.after_json)["year"] for e in generated] == [2026, 2027]


def test_letter_refusals(park, other_park):
    total = indicator(park)
    target(park, objective(park)["id"], total, responsible_unit="甲化工有限公司")
    body = {"responsible_unit": "甲化工有限公司", "year": 2026}
    for role in ("approver", "top_management", "auditor", "contributor"):
        response = park.client.post(f"{API}/letters", json=body, headers=park.headers(role))
        assert response.status_code == 403 and refused(park, role, "responsibility_letter", "role")
    empty = park.client.post(
        f"{API}/letters", json={"responsible_unit": "丙公司", "year": 2026}, headers=park.headers("coordinator")
    )
    assert empty.status_code == 422 and "没有未撤销的指标" in empty.json()["message_zh"]
    letter = ok(park.client.post(f"{API}/letters", json=body, headers=park.headers("coordinator")), 201)
    contributor = park.client.get(f"{API}/letters/{letter['id']}", headers=park.headers("contributor"))
    assert contributor.status_code == 403 and refused(park, "contributor", "responsibility_letter", "role")
    probe = park.client.get(f"{API}/letters/{letter['id']}", headers=other_park.headers("coordinator"))
    assert probe.status_code == 404 and refused(other_park, "coordinator", "responsibility_letter", "other_park")
    assert ok(park.client.get(f"{API}/letters", headers=other_park.headers("coordinator"))) == []


def test_after_the_units_letter_was_made_obsolete_the_next_starts_a_new_document(park):
    coordinator = park.headers("coordinator")
    target(park, objective(park)["id"], indicator(park), responsible_unit="甲化工有限公司")
    body = {"responsible_unit": "甲化工有限公司", "year": 2026}
    first = ok(park.client.post(f"{API}/letters", json=body, headers=coordinator), 201)
    revision_id = first["revision_id"]
    assert sign(park, revision_id, "review", "approver").status_code == 200
    assert sign(park, revision_id, "approve", "top_management").status_code == 200
    ok(park.client.post(f"/api/revisions/{revision_id}/publish", headers=coordinator))
    url = f"/api/documents/{first['document_id']}/obsolete"
    ok(park.client.post(url, json={"reason": "责任单位改组"}, headers=coordinator))
    second = ok(park.client.post(f"{API}/letters", json=body | {"year": 2027}, headers=coordinator), 201)
    assert second["document_id"] != first["document_id"] and second["revision_state"] == "in_review"
