"""Enterprises and sources: who may manage them, the credit code check, and who sees what (404 otherwise)."""

from tests.inventory.helpers import API, add_contributor, assign, credit_code, enterprise, ok, source


def test_a_wrong_credit_code_is_refused_naming_the_position(park):
    headers = park.headers("coordinator")
    body = {"name": "错误代码企业", "credit_code": "91350100M000100Y44"}  # the check character should be 3
    response = park.client.post(f"{API}/enterprises", json=body, headers=headers)
    assert response.status_code == 422
    assert "第 18 位" in response.json()["message_zh"] and "Character 18" in response.json()["message_en"]
    body_o = body | {"credit_code": "91350100O000100Y43"}  # O is not in the code set
    response = park.client.post(f"{API}/enterprises", json=body_o, headers=headers)
    assert response.status_code == 422 and "第 9 位" in response.json()["message_zh"]
    created = ok(
        park.client.post(f"{API}/enterprises", json=body | {"credit_code": "91350100m000100y43"}, headers=headers), 201
    )
    assert created["credit_code"] == "91350100M000100Y43"  # typed in lower case, stored as the code
    again = park.client.post(f"{API}/enterprises", json=body | {"credit_code": "91350100M000100Y43"}, headers=headers)
    assert again.status_code == 409
    listed = ok(park.client.get(f"{API}/enterprises", headers=headers))
    assert [e["credit_code"] for e in listed] == ["91350100M000100Y43"]


def test_only_coordinators_manage_enterprises_and_sources(park):
    a = enterprise(park, "甲公司", 11)
    for role in ("approver", "auditor", "admin", "contributor", "top_management"):
        body = {"name": f"{role} 的企业", "credit_code": credit_code(12)}
        assert park.client.post(f"{API}/enterprises", json=body, headers=park.headers(role)).status_code in (403, 404)
    assign(park, "contributor", a["id"])
    body = {"name": "锅炉", "category": "fuel_combustion", "quantity": "烟煤", "unit": "t"}
    url = f"{API}/enterprises/{a['id']}/sources"
    assert park.client.post(url, json=body, headers=park.headers("contributor")).status_code == 403
    changed = ok(
        park.client.patch(
            f"{API}/enterprises/{a['id']}", json={"contact_name": "张三"}, headers=park.headers("coordinator")
        )
    )
    assert changed["contact_name"] == "张三"
    bad = park.client.patch(
        f"{API}/enterprises/{a['id']}", json={"credit_code": "123"}, headers=park.headers("coordinator")
    )
    assert bad.status_code == 422


def test_a_source_has_the_scope_of_its_category_and_a_known_unit(park):
    a = enterprise(park, "甲公司", 21)
    url, headers = f"{API}/enterprises/{a['id']}/sources", park.headers("coordinator")
    wrong_scope = {
        "name": "外购电",
        "category": "purchased_electricity",
        "scope": 1,
        "quantity": "华东电网",
        "unit": "MWh",
    }
    response = park.client.post(url, json=wrong_scope, headers=headers)
    assert response.status_code == 422 and "范围2" in response.json()["message_zh"]
    unknown_unit = wrong_scope | {"scope": 2, "unit": "度"}
    assert park.client.post(url, json=unknown_unit, headers=headers).status_code == 422
    no_quantity = wrong_scope | {"scope": None, "quantity": ""}
    assert park.client.post(url, json=no_quantity, headers=headers).status_code == 422
    created = source(park, a["id"], "外购电", "purchased_electricity", "华东电网", "MWh")
    assert created["scope"] == 2 and created["category_label"]["zh"] == "购入的电力"
    assert park.client.post(url, json=wrong_scope | {"scope": 2}, headers=headers).status_code == 409  # same name


def test_a_contributor_sees_only_its_enterprise(park):
    a = enterprise(park, "甲公司", 31)
    b = enterprise(park, "乙公司", 32)
    add_contributor(park, "contributor_b")
    assign(park, "contributor", a["id"])
    assign(park, "contributor_b", b["id"])
    sa = source(park, a["id"], "锅炉", "fuel_combustion", "烟煤", "t")
    sb = source(park, b["id"], "锅炉", "fuel_combustion", "烟煤", "t")
    headers = park.headers("contributor")
    assert [e["id"] for e in ok(park.client.get(f"{API}/enterprises", headers=headers))] == [a["id"]]
    assert park.client.get(f"{API}/enterprises/{a['id']}", headers=headers).status_code == 200
    assert park.client.get(f"{API}/enterprises/{b['id']}", headers=headers).status_code == 404
    assert park.client.get(f"{API}/enterprises/{b['id']}/sources", headers=headers).status_code == 404
    assert park.client.get(f"{API}/enterprises/{b['id']}/workbook?year=2025", headers=headers).status_code == 404
    assert park.client.patch(f"{API}/sources/{sb['id']}", json={"name": "x"}, headers=headers).status_code == 404
    ok(
        park.client.put(
            f"{API}/boundaries/2025", json={"source_ids": [sa["id"], sb["id"]]}, headers=park.headers("coordinator")
        )
    )
    view = ok(park.client.get(f"{API}/boundaries/2025", headers=headers))
    assert view["enterprise_ids"] == [a["id"]] and view["source_ids"] == [sa["id"]]
    assert park.client.get(f"{API}/years/2025", headers=headers).status_code == 403  # the park's totals
    body = {"enterprise_id": b["id"], "year": 2025, "rows": []}
    assert park.client.post(f"{API}/submissions", json=body, headers=headers).status_code == 404
    # unassigned, a contributor sees no enterprise at all
    assign(park, "contributor", None)
    assert ok(park.client.get(f"{API}/enterprises", headers=park.headers("contributor"))) == []


def test_another_parks_enterprise_is_not_found(park, other_park):
    a = enterprise(park, "甲公司", 41)
    sa = source(park, a["id"], "锅炉", "fuel_combustion", "烟煤", "t")
    other = other_park.headers("coordinator")
    assert other_park.client.get(f"{API}/enterprises/{a['id']}", headers=other).status_code == 404
    assert other_park.client.patch(f"{API}/enterprises/{a['id']}", json={"name": "x"}, headers=other).status_code == 404
    assert other_park.client.patch(f"{API}/sources/{sa['id']}", json={"name": "x"}, headers=other).status_code == 404
    response = other_park.client.put(f"{API}/boundaries/2025", json={"source_ids": [sa["id"]]}, headers=other)
    assert response.status_code == 422  # not one of its sources
    # the same credit code may be registered in another park
    body = {"name": "甲公司", "credit_code": a["credit_code"]}
    assert other_park.client.post(f"{API}/enterprises", json=body, headers=other).status_code == 201
    # and another park's contributor cannot be assigned
    url = f"{API}/users/{other_park.user_ids['contributor']}/enterprise"
    response = park.client.put(url, json={"enterprise_id": a["id"]}, headers=park.headers("coordinator"))
    assert response.status_code == 404


def test_only_a_contributor_is_assigned_an_enterprise_by_the_admin_or_a_coordinator(park):
    a = enterprise(park, "甲公司", 51)
    url = f"{API}/users/{park.user_ids['approver']}/enterprise"
    assert park.client.put(url, json={"enterprise_id": a["id"]}, headers=park.headers("admin")).status_code == 422
    url = f"{API}/users/{park.user_ids['contributor']}/enterprise"
    assert park.client.put(url, json={"enterprise_id": a["id"]}, headers=park.headers("approver")).status_code == 403
    assigned = ok(park.client.put(url, json={"enterprise_id": a["id"]}, headers=park.headers("admin")))
    assert assigned["enterprise_id"] == a["id"]
    deleted = park.client.delete(f"{API}/enterprises/{a['id']}", headers=park.headers("coordinator"))
    assert deleted.status_code == 409  # it has a contributor
    b = enterprise(park, "乙公司", 52)
    assert park.client.delete(f"{API}/enterprises/{b['id']}", headers=park.headers("coordinator")).status_code == 204
    assert park.client.get(f"{API}/enterprises/{b['id']}", headers=park.headers("coordinator")).status_code == 404
