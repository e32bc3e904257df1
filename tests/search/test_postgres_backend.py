"""What only the PostgreSQL backend has: refused on SQLite, the Whoosh tokens as a tsvector, phrases past the
positions PostgreSQL keeps, a bounded count that says so, check and reindex of its table."""

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from app.config import get_settings
from app.db import get_engine, session_scope
from app.documents.models import Revision
from app.search import index, pg_analysis, pg_rebuild, postgres, service
from app.search.query import parse_query
from tests.factories import docx_bytes, register, upload
from tests.search.conftest import backend_pairs, postgres_only

on_postgres = pytest.mark.parametrize(
    ("app_env", "backend_name"),
    [(*p.values, "postgres") for p in postgres_only()],
    indirect=["app_env"],
    scope="session",
)


def _search(park, q, role="coordinator", **params):
    response = park.client.get("/api/search", params={"q": q, **params}, headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def _draft(park, *paragraphs: str) -> dict:
    document = register(park, "DATA_MANAGEMENT_RULES", title="检索测试文件")
    revision = upload(park, document["id"], docx_bytes(*paragraphs))
    assert revision.status_code == 201, revision.text
    return document


@pytest.mark.parametrize("app_env", ["sqlite"], indirect=True, scope="session")
def test_the_postgres_backend_is_refused_on_sqlite(park, monkeypatch):
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "search_backend", "postgres")
    response = park.client.get("/api/search", params={"q": "碳排放"}, headers=park.headers("coordinator"))
    assert response.status_code == 503
    assert response.json()["message_zh"].startswith("搜索后端 postgres 需要 PostgreSQL 数据库")
    assert "CARBONMS_SEARCH_BACKEND=whoosh" in response.json()["message_en"]


def test_the_tsvector_holds_the_whoosh_tokens_at_their_positions():
    analysed = pg_analysis.analyse("碳排放 碳 ISO14064 P1-POL-001 碳排")
    assert analysed.tsvector == "'碳排':1,8 '排放':2 '碳':3 'iso14064':4 'p1-pol-001':5 'p1':5 'pol':6 '001':7"
    assert analysed.length == 9 and analysed.exact_positions is True
    assert pg_analysis.tsqueries(parse_query('碳资产 ISO "三项不符合" 碳')) == (
        "('碳资' & '资产') & ('iso':*) & ('三项' & '项不' & '不符' & '符合') & ('碳':*)",
        "('三项' <-> '项不' <-> '不符' <-> '符合')",
    )
    sample = "园区碳排放管理体系 P1-CARBON_POLICY-001 第4.1条 ISO14064-1标准 a-a-a 碳。\n碳排放" * 3
    expected: dict[str, list[int]] = {}
    for token in index.CJKBigramTokenizer()(sample, positions=True):
        kept = expected.setdefault(token.text, [])
        if not kept or kept[-1] != token.pos + 1:
            kept.append(token.pos + 1)
    assert pg_analysis._positions(sample) == (expected, len(list(index.CJKBigramTokenizer()(sample))))
    long = pg_analysis.analyse("".join(chr(0x4E00 + i % 3000) for i in range(17_000)))
    assert long.exact_positions is False and long.length == 16_999


@on_postgres
def test_a_phrase_past_the_positions_postgres_keeps_is_still_found(park, backend):
    filler = "".join(chr(0x4E00 + i % 3000) for i in range(17_000))  # past position 16,383
    late = _draft(park, filler + "园区余热回收利用方案")
    shuffled = _draft(park, "余热回收。" + filler[:100] + "回收利用方案。")  # every pair, never the phrase
    with get_engine().connect() as connection:
        exact = dict(connection.execute(text("SELECT document_id, exact_positions FROM search.search_entry")).all())
    assert exact[late["id"]] is False and exact[shuffled["id"]] is True
    assert {item["document_id"] for item in _search(park, "余热回收利用")["items"]} == {late["id"], shuffled["id"]}
    page = _search(park, '"余热回收利用"')
    assert [item["document_id"] for item in page["items"]] == [late["id"]] and page["total"] == 1


@on_postgres
def test_a_count_past_the_limit_is_a_flagged_lower_bound(park, backend, monkeypatch):
    ids = {_draft(park, "园区光伏电站发电量统计。" * times)["id"] for times in (1, 2, 3, 4)}
    page = _search(park, "光伏电站", limit=1)
    assert (page["total"], page["estimated"]) == (4, False)
    monkeypatch.setattr(postgres, "RANK_CANDIDATES", 2)
    monkeypatch.setattr(postgres, "COUNT_LIMIT", 2)
    page = _search(park, "光伏电站", limit=1)
    assert (page["total"], page["estimated"], len(page["items"])) == (2, True, 1)
    assert page["items"][0]["document_id"] in ids


@on_postgres
def test_check_and_reindex_of_the_postgres_entries(park, backend):
    from app.cli import app as cli

    first, second = _draft(park, "储能电站运行记录。"), _draft(park, "储能电站巡检记录。")
    runner = CliRunner()
    assert runner.invoke(cli, ["reindex"]).exit_code == 0  # entries written under the other backend's tests
    assert runner.invoke(cli, ["reindex", "--check"]).exit_code == 0
    with session_scope() as session:
        revisions = dict(
            session.execute(
                select(Revision.document_id, Revision.id).where(Revision.document_id.in_([first["id"], second["id"]]))
            ).all()
        )
        session.execute(text("DELETE FROM search.search_entry WHERE revision_id = :id"), {"id": revisions[first["id"]]})
        session.execute(
            update(Revision).where(Revision.id == revisions[second["id"]]).values(version=Revision.version + 5)
        )
    result = runner.invoke(cli, ["reindex", "--check"])
    assert result.exit_code == 1
    assert "missing: 1" in result.output and str(revisions[first["id"]]) in result.output
    assert "stale: 1" in result.output and str(revisions[second["id"]]) in result.output
    assert pg_rebuild.rebuild(key=postgres.WRITER_LOCK, chunk=50, workers=2) >= 2  # analysis in two processes
    assert runner.invoke(cli, ["reindex", "--check"]).exit_code == 0
    assert _search(park, "储能电站")["total"] == 2


@on_postgres
def test_a_failed_write_stays_queued_and_is_retried(park, backend, monkeypatch):
    from app.search.models import SearchQueue

    def broken(*_args, **_kwargs):
        raise OSError("connection lost")

    monkeypatch.setattr(postgres, "_write", broken)
    document = _draft(park, "能源计量器具配备清单。")
    with session_scope(write=False) as session:
        queued = (
            session.execute(
                select(SearchQueue)
                .join(Revision, Revision.id == SearchQueue.revision_id)
                .where(Revision.document_id == document["id"])
            )
            .scalars()
            .all()
        )
    assert len(queued) == 1 and queued[0].attempts == 1 and "connection lost" in queued[0].last_error
    assert _search(park, "能源计量器具")["total"] == 0
    monkeypatch.undo()
    monkeypatch.setattr(get_settings(), "search_backend", "postgres")
    service.process_queue()
    assert [item["document_id"] for item in _search(park, "能源计量器具")["items"]] == [document["id"]]


@pytest.mark.parametrize("app_env", [p.values[0] for p in backend_pairs() if p.values[1] == "whoosh"], indirect=True)
def test_the_migration_makes_the_entries_table_on_postgresql_only(app_env):
    with get_engine().connect() as connection:
        if connection.dialect.name == "sqlite":
            names = connection.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'search%'")).scalars()
            assert sorted(names) == ["search_queue"]
        else:
            indexes = connection.execute(
                text("SELECT indexname FROM pg_indexes WHERE schemaname = 'search' ORDER BY indexname")
            ).scalars()
            assert list(indexes) == ["ix_search_entry_park_tsv", "search_entry_pkey", "search_meta_pkey"]
