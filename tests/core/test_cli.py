"""The carbonms command line, run in-process against the test database."""

import json
import uuid

from typer.testing import CliRunner

from app.cli import app as cli

runner = CliRunner()


def test_create_park_and_user_reads_password_from_stdin(app_env, client):
    code = f"C{uuid.uuid4().hex[:6].upper()}"
    created = runner.invoke(cli, ["create-park", code, "命令行园区"])
    assert created.exit_code == 0, created.output
    assert runner.invoke(cli, ["create-park", code, "again"]).exit_code == 1
    username = f"cli_{code.lower()}"
    user = runner.invoke(
        cli,
        ["create-user", username, "--role", "coordinator", "--park", code, "--name", "张三"],
        input="Cli-Passw0rd!\n",
    )
    assert user.exit_code == 0, user.output
    token = client.post("/api/auth/token", data={"username": username, "password": "Cli-Passw0rd!"})
    assert token.status_code == 200
    assert (
        runner.invoke(
            cli, ["create-user", "x" + username, "--role", "king", "--park", code], input="Cli-Passw0rd!\n"
        ).exit_code
        == 1
    )
    short = runner.invoke(cli, ["create-user", "y" + username, "--role", "auditor", "--park", code], input="short\n")
    assert short.exit_code == 1 and "8" in short.output


def test_readiness_table_and_json(park):
    as_json = runner.invoke(cli, ["readiness", "--park", park.code, "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert {"overall", "chapters", "clauses"} <= data.keys()
    assert data["overall"]["coverage"] == 0
    table = runner.invoke(cli, ["readiness", "--park", park.code])
    assert table.exit_code == 0 and "6.2" in table.output
    assert runner.invoke(cli, ["readiness", "--park", "NO-SUCH-PARK"]).exit_code == 1


def test_verify_audit_log(app_env):
    result = runner.invoke(cli, ["verify-audit-log"])
    assert result.exit_code == 0 and "intact" in result.output


def test_reset_password_ends_the_sessions_and_is_recorded(park, client):
    from sqlalchemy import select

    from app.db import session_scope
    from app.events.models import Event

    username = park.usernames["approver"]
    old_token = park.token("approver")
    assert client.get("/api/users/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 200
    reset = runner.invoke(cli, ["reset-password", username, "--park", park.code], input="Reset-Passw0rd!\n")
    assert reset.exit_code == 0, reset.output
    assert "密码已重置" in reset.output
    assert client.get("/api/users/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 401
    assert client.post("/api/auth/token", data={"username": username, "password": "Reset-Passw0rd!"}).status_code == 200
    with session_scope(write=False) as session:
        actions = (
            session.execute(
                select(Event.action).where(Event.park_id == park.id, Event.entity_id == str(park.user_ids["approver"]))
            )
            .scalars()
            .all()
        )
    assert "user.password_reset" in actions
    # Refusals: a short password, an unknown user, an unknown park; nothing changes.
    short = runner.invoke(cli, ["reset-password", username, "--park", park.code], input="short\n")
    assert short.exit_code == 1 and "8" in short.output
    unknown = runner.invoke(cli, ["reset-password", "nobody", "--park", park.code], input="Reset-Passw0rd!\n")
    assert unknown.exit_code == 1 and "没有用户" in unknown.output
    no_park = runner.invoke(cli, ["reset-password", username, "--park", "NO-SUCH"], input="Other-Passw0rd!\n")
    assert no_park.exit_code == 1
    assert client.post("/api/auth/token", data={"username": username, "password": "Reset-Passw0rd!"}).status_code == 200
