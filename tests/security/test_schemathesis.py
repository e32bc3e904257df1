"""Schemathesis over the app's own OpenAPI schema: every operation, signed in as every role.

Checks: no 5xx (not_a_server_error) and every documented response matches its schema
(response_schema_conformance). Failures are collected, not shrunk, and reported together at the end.

Each role gets a park of its own, so what one role's generated calls change (an admin's PATCH of a user, a
password change) cannot sign another role out. /api/auth/logout revokes the token it is called with: each of its
cases signs in afresh, so nothing is excluded. All six roles run on both databases (about 1.5 minutes each).
"""

import random
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.users.models import Role
from tests.factories import PASSWORD, make_park

# The totals test reads what the run test collected in this process: one xdist worker for the whole module.
pytestmark = pytest.mark.slow

MAX_EXAMPLES = 8
ALL_ROLES = tuple(r.value for r in Role)
FRESH_TOKEN_PATHS = {"/api/auth/logout"}
# A wrong (generated) password is a 401 on sign-in and where the user must give theirs again (password change,
# electronic signatures); anywhere else a 401 would mean the role's token stopped working mid-run.
PASSWORD_PATHS = {
    "/api/auth/token",
    "/api/users/me/password",
    "/api/revisions/{revision_id}/review",
    "/api/revisions/{revision_id}/approve",
    "/api/records/{record_id}/approve",
    "/api/reviews/{review_id}/close",
    "/api/inventory/submissions/{submission_id}/confirm",
    "/api/declarations",  # a "no occurrence" declaration is signed with the password
    "/api/retention/batches/{batch_id}/approve",  # the disposition's approval is an electronic signature
}


def _database(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _run_operation(operation, headers_for, record) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case) -> None:
        headers = headers_for()
        record["cases"] += 1
        # Hypothesis seeds the global `random` identically for every example; Whoosh names new index segments with
        # it, so without this two examples' segments collide and indexing fails (an artefact of the harness).
        random.seed(f"schemathesis-case-{record['cases']}")
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # an exception escaping the app is a server error
            record["server_errors"] += 1
            record.failures.append(f"{case.method} {case.formatted_path}: {exc!r}")
            return
        if response.status_code >= 500:
            record["server_errors"] += 1
        if response.status_code == 401 and case.path not in PASSWORD_PATHS:
            record.failures.append(f"{case.method} {case.formatted_path} -> 401: the signed-in token was refused")
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance], headers=headers)
        except (Exception, FailureGroup) as exc:  # collected, reported below
            if response.status_code < 500:
                record["schema_violations"] += 1
            record.failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {str(exc)[:600]}")

    run()


class Record(Counter):
    def __init__(self) -> None:
        super().__init__()
        self.failures: list[str] = []


def test_schemathesis_all_operations(app, app_env, client, figure) -> None:
    database = _database(app_env)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # The app documents its own 422 envelope (app/main.py), so the bodies are checked against what it sends.
    assert "message_zh" in schema.raw_schema["components"]["schemas"]["HTTPValidationError"]["properties"]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50, "the schema lost its operations"
    record = Record()
    record["operations"] = len(operations)
    for role in ALL_ROLES:
        park = make_park(client)
        token = park.token(role)

        def fresh_token(park=park, role=role) -> dict[str, str]:
            response = client.post("/api/auth/token", data={"username": park.usernames[role], "password": PASSWORD})
            assert response.status_code == 200, response.text
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        def same_token(token=token) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        for operation in operations:
            _run_operation(operation, fresh_token if operation.path in FRESH_TOKEN_PATHS else same_token, record)
    figure(
        f"schemathesis [{database}]: {record['operations']} operations × {len(ALL_ROLES)} roles, "
        f"{record['cases']} cases, {record['server_errors']} server errors, "
        f"{record['schema_violations']} schema violations"
    )
    assert not record.failures, f"{len(record.failures)} failures:\n" + "\n\n".join(record.failures[:40])
    assert record["server_errors"] == 0
    assert record["schema_violations"] == 0
