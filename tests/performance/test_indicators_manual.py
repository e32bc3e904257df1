"""Manual indicator values on both databases: entered per period with evidence, corrected as a new version with a
reason (the history kept), and every refusal."""

from decimal import Decimal as D

from tests.factories import make_park, publish_new_document
from tests.inventory.helpers import ok
from tests.performance.calc_support import PERF, events, indicator, inventory, refused, values

__all__ = ["inventory"]


def _enter(park, indicator_id: int, role: str = "coordinator", **body):
    payload = {"year": 2025, "period": 0, "value": "42.5", "evidence_note": "余热回收计量台账 2025"} | body
    return park.client.post(f"{PERF}/indicators/{indicator_id}/manual-values", json=payload, headers=park.headers(role))


def test_a_value_is_entered_with_evidence_and_a_correction_keeps_the_history(inventory):
    park = inventory.park
    heat = indicator(park, "M-HEAT", "manual", unit="%", direction="higher", frequency="quarterly")
    document, _ = publish_new_document(park, "CARBON_POLICY", title="余热利用台账")
    first = ok(_enter(park, heat["id"], evidence_document_id=document["id"], evidence_note=""), 201)
    assert (first["value"], first["evidence_document_id"]) == ("42.5", document["id"])
    quarter = ok(_enter(park, heat["id"], period=2, value="40"), 201)
    found = values(park, heat["id"])
    assert D(found[(2025, 0)]["value"]) == D("42.5") and D(found[(2025, 2)]["value"]) == D("40")
    assert found[(2025, 0)]["trail_url"] == f"/api/performance/manual-values/{first['id']}"
    assert found[(2024, 0)]["value"] is None and found[(2024, 0)]["missing"] == "no_manual_value"

    again = _enter(park, heat["id"], value="43")
    assert again.status_code == 409 and "请提交更正" in again.json()["message_zh"]
    url = f"{PERF}/manual-values/{first['id']}/correct"
    corrected = ok(
        park.client.post(url, json={"value": "41.8", "reason": "台账复核后更正"}, headers=park.headers("coordinator")),
        201,
    )
    # The evidence carries over when none is given; the old row stays.
    assert (corrected["supersedes_id"], corrected["evidence_document_id"]) == (first["id"], document["id"])
    assert D(values(park, heat["id"])[(2025, 0)]["value"]) == D("41.8")
    history = ok(park.client.get(f"{PERF}/indicators/{heat['id']}/manual-values", headers=park.headers("auditor")))
    assert [(row["value"], row["current"]) for row in history] == [("42.5", False), ("41.8", True), ("40", True)]
    assert quarter["id"] == history[-1]["id"]
    correction = events(park.id, "manual_value.correct")[-1]
    assert (correction["before"]["value"], correction["after"]["value"]) == ("42.5", "41.8")
    assert correction["after"]["change_reason"] == "台账复核后更正"
    stale = park.client.post(url, json={"value": "40", "reason": "再改"}, headers=park.headers("coordinator"))
    assert stale.status_code == 409 and "更正最新的数值" in stale.json()["message_zh"]


def test_what_cannot_be_entered(inventory):
    park = inventory.park
    computed = indicator(park, "M-COMPUTED", "total_emission")
    response = _enter(park, computed["id"])
    assert response.status_code == 409 and "由碳排放清单计算" in response.json()["message_zh"]
    annual = indicator(park, "M-ANNUAL", "manual", unit="%")
    for body, words in (
        ({"period": 3}, "期间不符合该参数的频次"),
        ({"year": 2100}, "未来年度"),
        ({"evidence_note": "  "}, "请提供证据文件或说明数据来源"),
        ({"value": "abc"}, "数值不是数字"),
        ({"value": "NaN"}, "数值不是数字"),
    ):
        refused_value = _enter(park, annual["id"], **body)
        assert refused_value.status_code == 422 and words in refused_value.json()["message_zh"], body
    assert ok(park.client.get(f"{PERF}/indicators/{annual['id']}/manual-values", headers=park.headers("auditor"))) == []
    other = make_park(park.client)
    foreign, _ = publish_new_document(other, "CARBON_POLICY")
    assert _enter(park, annual["id"], evidence_document_id=foreign["id"]).status_code == 404
    inactive = indicator(park, "M-INACTIVE", "manual", unit="%")
    park.client.post(
        f"{PERF}/indicators/{inactive['id']}/deactivate", json={"reason": "停用"}, headers=park.headers("coordinator")
    )
    assert _enter(park, inactive["id"]).status_code == 409


def test_only_the_coordinator_enters_or_corrects(inventory):
    park = inventory.park
    manual = indicator(park, "M-ROLES", "manual", unit="%", level="enterprise", enterprise_id=inventory.a)
    entered = ok(_enter(park, manual["id"]), 201)
    for role in ("approver", "top_management", "auditor", "contributor"):
        assert _enter(park, manual["id"], role=role, year=2024).status_code == 403
        assert refused(park.id, "indicator", manual["id"], "role")
        url = f"{PERF}/manual-values/{entered['id']}/correct"
        body = {"value": "1", "reason": "越权"}
        assert park.client.post(url, json=body, headers=park.headers(role)).status_code == 403
    assert refused(park.id, "manual_value", entered["id"], "role")
    # The contributor of enterprise A reads A's value; the other contributor and another park do not.
    own = ok(park.client.get(f"{PERF}/manual-values/{entered['id']}", headers=park.headers("contributor")))
    assert own["value"] == "42.5"
    hidden = park.client.get(f"{PERF}/manual-values/{entered['id']}", headers=park.headers("contributor_b"))
    assert hidden.status_code == 404 and refused(park.id, "indicator", manual["id"], "assignment")
    other = make_park(park.client)
    probe = park.client.get(f"{PERF}/manual-values/{entered['id']}", headers=other.headers("coordinator"))
    assert probe.status_code == 404 and refused(other.id, "manual_value", entered["id"], "other_park")
    assert (
        len(ok(park.client.get(f"{PERF}/indicators/{manual['id']}/manual-values", headers=park.headers("coordinator"))))
        == 1
    )
