"""`carbonms serve` behind a load balancer: X-Forwarded-For is trusted from the addresses given, from nobody else."""

import uvicorn
from typer.testing import CliRunner

from app.cli import app as cli


def _serve(monkeypatch, *options: str) -> dict:
    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *_args, **kwargs: calls.append(kwargs))
    result = CliRunner().invoke(cli, ["serve", *options])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    return calls[0]


def test_serve_trusts_forwarded_headers_only_from_the_balancers_named(monkeypatch) -> None:
    behind = _serve(monkeypatch, "--forwarded-allow-ips", "10.0.0.5,10.0.0.6")
    assert (behind["proxy_headers"], behind["forwarded_allow_ips"]) == (True, "10.0.0.5,10.0.0.6")


def test_serve_ignores_forwarded_headers_by_default(monkeypatch) -> None:
    direct = _serve(monkeypatch)
    assert (direct["proxy_headers"], direct["forwarded_allow_ips"]) == (False, None)
