"""An open major nonconformity caps its clause at `partial` and says why; closing it restores the clause."""

from app.common import utcnow
from app.db import session_scope
from app.readiness.nonconformities import open_major_nonconformities
from tests.audits.helpers import post, raise_nc, run_nc_to_actions_done
from tests.factories import publish_new_document


def _clause(park, clause_id: str, **params: str) -> dict:
    result = park.client.get("/api/readiness", params=params or None, headers=park.headers("coordinator"))
    assert result.status_code == 200, result.text
    return next(c for c in result.json()["clauses"] if c["id"] == clause_id)


def test_open_major_nonconformity_downgrades_met_to_partial_until_closed(park):
    publish_new_document(park, "CARBON_POLICY")  # 6.2's only required type
    clause = _clause(park, "6.2")
    assert clause["status"] == "met" and clause["nonconformities"] == []

    minor = raise_nc(park, clause_id="6.2", severity="minor").json()
    assert _clause(park, "6.2")["status"] == "met"  # minor ones do not cap
    major = raise_nc(park, clause_id="6.2", severity="major").json()
    clause = _clause(park, "6.2")
    assert clause["status"] == "partial"
    assert [nc["id"] for nc in clause["nonconformities"]] == [major["id"]]
    reason = clause["nonconformities"][0]
    assert major["code"] in reason["reason_zh"] and "严重不符合项" in reason["reason_zh"]
    assert "major nonconformity" in reason["reason_en"]
    assert clause["coverage"] == 1.0  # the items themselves are still met
    # the clause detail sees it too, and other clauses are untouched
    assert _clause(park, "5.3")["nonconformities"] == []

    run_nc_to_actions_done(park, major["id"])
    url = f"/api/nonconformities/{major['id']}"
    assert _clause(park, "6.2")["status"] == "partial"  # still open while not verified and closed
    post(park, f"{url}/verify", "auditor", {"verification": "有效"})
    assert post(park, f"{url}/close", "coordinator").status_code == 200
    clause = _clause(park, "6.2")
    assert clause["status"] == "met" and clause["nonconformities"] == []
    # closed ones leave the history
    listed = park.client.get("/api/nonconformities", params={"clause": "6.2"}, headers=park.headers("auditor"))
    assert {n["id"]: n["state"] for n in listed.json()} == {minor["id"]: "open", major["id"]: "closed"}


def test_as_of_counts_what_was_open_then(park):
    major = raise_nc(park, clause_id="6.2").json()
    today = utcnow().date()
    with session_scope(write=False) as session:
        assert [n["id"] for n in open_major_nonconformities(session, park.id, today)["6.2"]] == [major["id"]]
        assert open_major_nonconformities(session, park.id, today.replace(year=today.year - 1)) == {}
    post(park, f"/api/nonconformities/{major['id']}/cancel", "coordinator", {"reason": "重复开具"})
    with session_scope(write=False) as session:
        assert open_major_nonconformities(session, park.id, today) == {}
