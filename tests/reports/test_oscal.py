"""OSCAL: the clause map as a catalog and readiness as assessment results, in the shape GRC tools read."""

import re
import uuid

from tests.factories import publish_new_document

TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")  # OSCAL token: starts with a letter or underscore


def _walk_controls(controls):
    for control in controls:
        yield control
        yield from _walk_controls(control.get("controls", []))


def _walk_parts(parts):
    for part in parts:
        yield part
        yield from _walk_parts(part.get("parts", []))


def _ids(catalog: dict) -> set[str]:
    ids = set()
    for group in catalog["catalog"]["groups"]:
        ids.add(group["id"])
        for control in _walk_controls(group["controls"]):
            ids.add(control["id"])
            ids.update(part["id"] for part in _walk_parts(control.get("parts", [])))
    return ids


def test_catalog_shape(park):
    response = park.client.get("/api/exports/oscal/catalog.json", headers=park.headers("auditor"))
    assert response.status_code == 200
    body = response.json()
    catalog = body["catalog"]
    uuid.UUID(catalog["uuid"])
    assert {"title", "last-modified", "version", "oscal-version"} <= catalog["metadata"].keys()
    assert catalog["metadata"]["oscal-version"].startswith("1.1")
    groups = catalog["groups"]
    assert [group["id"] for group in groups] == [f"ch{n}" for n in range(4, 12)]
    controls = {control["id"]: control for group in groups for control in _walk_controls(group["controls"])}
    assert all(TOKEN.match(cid) for cid in controls)
    assert "c7.3.2" in controls and "c7.3.2" in {c["id"] for c in controls["c7.3"]["controls"]}
    policy = controls["c6.2"]
    statement = next(part for part in policy["parts"] if part["name"] == "statement")
    prose = [part["prose"] for part in statement["parts"]]
    assert prose[:2] == ["最高管理者应制定碳排放管理方针，碳排放管理方针应：", "与国家和地方碳达峰碳中和政策相一致；"]
    assert statement["parts"][0]["class"] == "paragraph" and len(prose) == 8
    # 7.1: each lead-in directly before its own list, the closing paragraph between the second and third lists
    objectives = [(p.get("class"), p["prose"][:6]) for p in _statement(controls["c7.1"])["parts"]]
    assert [kind for kind, _ in objectives] == ["paragraph"] + [None] * 5 + ["paragraph"] + [None] * 4 + [
        "paragraph",
        "paragraph",
    ] + [None] * 7
    # sub-items nest under their lettered item; the standard's defects carry an editorial note
    review = _statement(controls["c10.3"])["parts"]
    trends = next(p for p in review if p["prose"].startswith("碳排放管理体系绩效方面的信息"))
    assert [sub["prose"] for sub in trends["parts"]] == [
        "不符合和纠正措施；",
        "监视和测量结果；",
        "审核结果；",
        "合规性评价结果。",
    ]
    outer = next(p for p in review if "外部 and 内部因素" in p["prose"])
    assert any(prop["name"] == "editorial-note" for prop in outer["props"])
    objective = next(part for part in policy["parts"] if part["name"] == "assessment-objective")
    assert [part["id"] for part in objective["parts"]] == ["c6.2_obj.carbon_policy"]
    ids = _ids(body)
    assert all(TOKEN.match(i) for i in ids)
    assert len(ids) == len(set(ids))
    # stable: the same request gives the same uuid
    again = park.client.get("/api/exports/oscal/catalog.json", headers=park.headers("coordinator")).json()
    assert again["catalog"]["uuid"] == catalog["uuid"]


def _statement(control: dict) -> dict:
    return next(part for part in control["parts"] if part["name"] == "statement")


def test_assessment_results_shape_and_targets(park):
    publish_new_document(park, "CARBON_POLICY")
    catalog = park.client.get("/api/exports/oscal/catalog.json", headers=park.headers("auditor")).json()
    response = park.client.get("/api/exports/oscal/assessment-results.json", headers=park.headers("auditor"))
    assert response.status_code == 200
    results = response.json()["assessment-results"]
    uuid.UUID(results["uuid"])
    assert {"title", "last-modified", "version", "oscal-version"} <= results["metadata"].keys()
    assert "href" in results["import-ap"]
    assert len(results["results"]) == 1
    result = results["results"][0]
    assert {"uuid", "title", "description", "start", "findings", "reviewed-controls"} <= result.keys()
    props = {prop["name"]: prop["value"] for prop in result["props"]}
    assert {"coverage", "progress", "readiness-status", "chapter-6-coverage"} <= props.keys()
    float(props["coverage"])
    ids = _ids(catalog)
    findings = result["findings"]
    assert findings
    for finding in findings:
        uuid.UUID(finding["uuid"])
        assert finding["title"] and finding["description"]
        target = finding["target"]
        assert target["type"] == "objective-id"
        assert target["target-id"] in ids, target["target-id"]
        assert target["status"]["state"] in ("satisfied", "not-satisfied")
    by_target = {finding["target"]["target-id"]: finding for finding in findings}
    assert by_target["c6.2_obj.carbon_policy"]["target"]["status"]["state"] == "satisfied"
    assert by_target["c6.2_obj"]["target"]["status"]["state"] == "satisfied"
    assert by_target["c5.3_obj"]["target"]["status"]["state"] == "not-satisfied"
    clause_props = {prop["name"]: prop["value"] for prop in by_target["c6.2_obj"]["props"]}
    assert clause_props["coverage"] == "100.0"
    assert len({finding["uuid"] for finding in findings}) == len(findings)
    again = park.client.get("/api/exports/oscal/assessment-results.json", headers=park.headers("auditor")).json()
    assert again["assessment-results"]["uuid"] == results["uuid"]
    assert [f["uuid"] for f in again["assessment-results"]["results"][0]["findings"]] == [f["uuid"] for f in findings]


def test_oscal_access(park, other_park):
    publish_new_document(park, "CARBON_POLICY")
    for role in ("contributor", "admin"):
        assert (
            park.client.get("/api/exports/oscal/assessment-results.json", headers=park.headers(role)).status_code == 403
        )
    other = other_park.client.get("/api/exports/oscal/assessment-results.json", headers=other_park.headers("auditor"))
    states = {
        f["target"]["target-id"]: f["target"]["status"]["state"]
        for f in other.json()["assessment-results"]["results"][0]["findings"]
    }
    assert states["c6.2_obj.carbon_policy"] == "not-satisfied"  # the other park's policy does not count here
