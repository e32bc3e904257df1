"""Indicators (7.4) through the API on both databases: validation, edits with their events, deactivation, who may
read and write (each refusal recorded), another park's ids."""

import pytest

from tests.factories import make_park
from tests.inventory.helpers import enterprise, ok
from tests.performance.calc_support import PERF, events, indicator, inventory, refused

__all__ = ["inventory"]


def _post(park, body: dict, role: str = "coordinator"):
    base = {"code": "X", "name": "参数", "level": "park", "formula": "total_emission"}
    return park.client.post(f"{PERF}/indicators", json=base | body, headers=park.headers(role))


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"code": "V1", "enterprise_id": 1}, 422, "园区级参数不关联企业或排放源"),
        ({"code": "V2", "level": "enterprise"}, 422, "请选择本园区的企业"),
        ({"code": "V3", "level": "process"}, 422, "需要选择本园区的排放源"),
        ({"code": "V4", "formula": "intensity_product", "unit": "tCO₂/t"}, 422, "该层级不能按此公式计算"),
        ({"code": "V5", "formula": "scope_emission"}, 422, "范围 1 或范围 2"),
        ({"code": "V6", "formula": "scope_emission", "scope": 3}, 422, "范围 1 或范围 2"),
        ({"code": "V7", "deviation_percent": "0"}, 422, "严重偏离阈值应大于 0%"),
        ({"code": "V8", "deviation_percent": "-5"}, 422, "严重偏离阈值"),
        ({"code": "V9", "deviation_percent": "abc"}, 422, "严重偏离阈值不是数字"),
        ({"code": "V10", "frequency": "monthly"}, 422, "按年度计算"),
        ({"code": "V11", "unit": "万tCO₂"}, 422, "该公式的计量单位为 tCO₂"),
        ({"code": "V12", "formula": "manual"}, 422, "请填写计量单位"),
        ({"code": "V13", "deviation_reference": "elsewhere"}, 422, ""),
    ],
)
def test_invalid_indicators_are_refused_with_a_message(inventory, body, status, words):
    response = _post(inventory.park, body)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]
    listed = ok(inventory.park.client.get(f"{PERF}/indicators", headers=inventory.park.headers("coordinator")))
    assert body["code"] not in {row["code"] for row in listed}  # nothing half-written


def test_an_enterprise_or_source_of_another_park_is_refused(inventory, app):
    other = make_park(inventory.park.client)
    foreign = enterprise(other, "外园区企业", 9)
    response = _post(inventory.park, {"code": "V-FOREIGN", "level": "enterprise", "enterprise_id": foreign["id"]})
    assert response.status_code == 422 and "请选择本园区的企业" in response.json()["message_zh"]


def test_create_defaults_the_unit_and_direction_and_records_the_event(inventory):
    park = inventory.park
    made = indicator(park, "I-RE", "renewable_share", deviation_percent="10", method="可再生能源消费量 ÷ 能源消费总量")
    assert (made["unit"], made["direction"], made["deviation_percent"]) == ("%", "higher", "10")
    assert made["formula_label"]["label_zh"] == "可再生能源占比"
    created = events(park.id, "indicator.create")
    assert created[-1]["entity_id"] == str(made["id"]) and created[-1]["after"]["code"] == "I-RE"
    duplicate = _post(park, {"code": "I-RE"})
    assert duplicate.status_code == 409 and "已存在" in duplicate.json()["message_zh"]


def test_edit_keeps_its_history_and_meaning_is_frozen_once_values_rest_on_it(inventory):
    park = inventory.park
    made = indicator(park, "I-EDIT", "manual", unit="%", frequency="quarterly")
    url = f"{PERF}/indicators/{made['id']}"
    changed = ok(
        park.client.patch(
            url, json={"name": "余热余压利用率", "deviation_percent": "5"}, headers=park.headers("coordinator")
        )
    )
    assert changed["name"] == "余热余压利用率" and changed["deviation_percent"] == "5"
    update = events(park.id, "indicator.update")[-1]
    assert update["before"]["name"] == "参数 I-EDIT" and update["after"]["name"] == "余热余压利用率"
    value = {"year": 2025, "period": 1, "value": "42.5", "evidence_note": "余热回收计量台账"}
    ok(park.client.post(f"{url}/manual-values", json=value, headers=park.headers("coordinator")), 201)
    frozen = park.client.patch(
        url, json={"formula": "total_emission", "unit": "", "frequency": "annual"}, headers=park.headers("coordinator")
    )
    assert frozen.status_code == 409 and "不能修改层级、对象、公式或范围" in frozen.json()["message_zh"]
    assert ok(park.client.get(url, headers=park.headers("coordinator")))["formula"] == "manual"


def test_a_null_in_an_edit_leaves_required_fields_unchanged_and_clears_the_rule(inventory):
    park = inventory.park
    made = indicator(park, "I-NULL", "total_emission", deviation_percent="8")
    url = f"{PERF}/indicators/{made['id']}"
    body = {"level": None, "formula": None, "code": None, "deviation_percent": None, "frequency": None}
    changed = ok(park.client.patch(url, json=body, headers=park.headers("coordinator")))
    assert (changed["level"], changed["formula"], changed["code"]) == ("park", "total_emission", "I-NULL")
    assert changed["deviation_percent"] is None
    # A new level does not inherit the old subject: enterprise → park needs no explicit clearing.
    manual = indicator(park, "I-LEVEL", "manual", "enterprise", enterprise_id=inventory.a, unit="%")
    moved = ok(
        park.client.patch(
            f"{PERF}/indicators/{manual['id']}", json={"level": "park"}, headers=park.headers("coordinator")
        )
    )
    assert (moved["level"], moved["enterprise_id"]) == ("park", None)


def test_deactivate_needs_a_reason_and_hides_the_indicator(inventory):
    park = inventory.park
    made = indicator(park, "I-OFF", "total_emission")
    url = f"{PERF}/indicators/{made['id']}"
    no_reason = park.client.post(f"{url}/deactivate", json={"reason": " "}, headers=park.headers("coordinator"))
    assert no_reason.status_code == 422
    off = ok(
        park.client.post(
            f"{url}/deactivate", json={"reason": "已由单位产值强度取代"}, headers=park.headers("coordinator")
        )
    )
    assert off["active"] is False
    assert events(park.id, "indicator.deactivate")[-1]["after"] == {"active": False, "reason": "已由单位产值强度取代"}
    listed = ok(park.client.get(f"{PERF}/indicators", headers=park.headers("coordinator")))
    assert made["id"] not in {row["id"] for row in listed}
    everything = ok(park.client.get(f"{PERF}/indicators?include_inactive=true", headers=park.headers("auditor")))
    assert made["id"] in {row["id"] for row in everything}
    again = park.client.post(f"{url}/deactivate", json={"reason": "再次"}, headers=park.headers("coordinator"))
    assert again.status_code == 409
    assert ok(park.client.post(f"{url}/activate", headers=park.headers("coordinator")))["active"] is True


@pytest.mark.parametrize("role", ["approver", "top_management", "auditor", "contributor", "admin"])
def test_only_the_coordinator_writes_and_every_refusal_is_recorded(inventory, role):
    park = inventory.park
    made = indicator(park, f"I-ROLE-{role}", "total_emission")
    refused_create = _post(park, {"code": f"R-{role}"}, role=role)
    assert refused_create.status_code == 403, refused_create.text
    last = events(park.id, "access.refused", "indicator")[-1]
    assert (last["actor_id"], last["entity_id"], last["after"]["rule"]) == (park.user_ids[role], "create", "role")
    if role == "contributor":
        return  # the park-level indicator is not theirs to see: covered below
    url = f"{PERF}/indicators/{made['id']}"
    assert park.client.patch(url, json={"name": "改名"}, headers=park.headers(role)).status_code == 403
    assert refused(park.id, "indicator", made["id"], "role")
    assert ok(park.client.get(url, headers=park.headers(role)))["name"] == f"参数 I-ROLE-{role}"


def test_a_contributor_sees_only_its_own_enterprise(inventory):
    park = inventory.park
    own = indicator(park, "I-OWN", "total_emission", "enterprise", enterprise_id=inventory.a)
    theirs = indicator(park, "I-THEIRS", "total_emission", "enterprise", enterprise_id=inventory.b)
    park_level = indicator(park, "I-PARK", "total_emission")
    listed = {row["id"] for row in ok(park.client.get(f"{PERF}/indicators", headers=park.headers("contributor")))}
    assert own["id"] in listed and theirs["id"] not in listed and park_level["id"] not in listed
    assert ok(park.client.get(f"{PERF}/indicators/{own['id']}", headers=park.headers("contributor")))["id"] == own["id"]
    hidden = park.client.get(
        f"{PERF}/indicators/{theirs['id']}/values?from_year=2024&to_year=2025", headers=park.headers("contributor")
    )
    assert hidden.status_code == 404 and refused(park.id, "indicator", theirs["id"], "assignment")
    year = ok(park.client.get(f"{PERF}/values?year=2025", headers=park.headers("contributor")))
    assert {row["indicator_id"] for row in year} == {own["id"]}


def test_another_parks_ids_are_not_found_and_the_probe_is_recorded(inventory):
    park = inventory.park
    made = indicator(park, "I-PROBE", "total_emission")
    other = make_park(park.client)
    for method, path, body in (
        ("get", f"{PERF}/indicators/{made['id']}", None),
        ("patch", f"{PERF}/indicators/{made['id']}", {"name": "改名"}),
        ("post", f"{PERF}/indicators/{made['id']}/deactivate", {"reason": "探测"}),
    ):
        response = park.client.request(method, path, json=body, headers=other.headers("coordinator"))
        assert response.status_code == 404 and response.json()["message_zh"] == "绩效参数不存在"
    assert refused(other.id, "indicator", made["id"], "other_park")
    assert ok(park.client.get(f"{PERF}/indicators/{made['id']}", headers=park.headers("coordinator")))["active"]


def test_bad_years_are_a_clear_422(inventory):
    park = inventory.park
    made = indicator(park, "I-YEARS", "total_emission")
    url = f"{PERF}/indicators/{made['id']}/values"
    backwards = park.client.get(f"{url}?from_year=2025&to_year=2024", headers=park.headers("coordinator"))
    assert backwards.status_code == 422 and "年度范围" in backwards.json()["message_zh"]
    assert park.client.get(f"{url}?from_year=1800&to_year=2024", headers=park.headers("coordinator")).status_code == 422
