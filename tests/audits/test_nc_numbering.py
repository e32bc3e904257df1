"""Nonconformity codes count per park and year (NC-2026-001), never across parks, and racing raisers never share one."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from app.common import utcnow
from tests.audits.helpers import raise_nc


def test_each_park_numbers_its_nonconformities_from_one_each_year(park, other_park):
    year = utcnow().year
    first = raise_nc(park).json()
    foreign_first = raise_nc(other_park).json()
    second = raise_nc(park, severity="minor").json()
    assert [first["code"], second["code"]] == [f"NC-{year}-001", f"NC-{year}-002"]
    assert foreign_first["code"] == f"NC-{year}-001"
    listed = park.client.get("/api/nonconformities", headers=park.headers("coordinator")).json()
    assert sorted(item["code"] for item in listed) == [f"NC-{year}-001", f"NC-{year}-002"]


def test_racing_raisers_of_one_park_get_distinct_consecutive_numbers(park):
    raise_nc(park)  # signs in (outside the race) and takes number 1
    barrier = Barrier(4)

    def race(_: int) -> dict:
        barrier.wait()
        response = raise_nc(park)
        assert response.status_code == 201, response.text
        return response.json()

    with ThreadPoolExecutor(4) as pool:
        raised = list(pool.map(race, range(4)))
    year = utcnow().year
    assert sorted(nc["code"] for nc in raised) == [f"NC-{year}-{n:03d}" for n in range(2, 6)]
