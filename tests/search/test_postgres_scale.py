"""The PostgreSQL backend at scale: park and live flag inside the GIN index, the count read from the index, a
bounded candidate set ranked, the database consulted for the page only, and a rebuild equal to incremental writes."""

import json

from sqlalchemy import text, update

from app.db import get_engine, session_scope
from app.documents.models import Document
from app.search import pg_rebuild, postgres
from app.search.backend import get_backend
from app.search.query import SearchFilters, parse_query
from app.users.models import User
from tests.factories import docx_bytes, register, upload
from tests.search.test_postgres_backend import _search, on_postgres


def _draft(park, *paragraphs: str, **body) -> dict:
    document = register(park, "DATA_MANAGEMENT_RULES", title=body.pop("title", "检索测试文件"), **body)
    revision = upload(park, document["id"], docx_bytes(*paragraphs))
    assert revision.status_code == 201, revision.text
    return {**document, "revision_id": revision.json()["id"]}


def _user(park, role="coordinator") -> User:
    with session_scope(write=False) as session:
        user = session.get(User, park.user_ids[role])
        assert user is not None
        session.expunge(user)
    return user


def _entries(revision_ids: list[int]) -> dict[int, tuple]:
    with get_engine().connect() as connection:
        rows = connection.execute(
            text(
                "SELECT revision_id, park_id, document_id, access, creator_id, doc_type, kind, clauses, state, live, "
                "owner_unit, day, stamp, length, exact_positions, tsv::text FROM search.search_entry "
                "WHERE revision_id = ANY(:ids)"
            ),
            {"ids": revision_ids},
        ).all()
    return {row[0]: tuple(row) for row in rows}


@on_postgres
def test_the_index_never_matches_another_parks_entries(park, other_park, backend):
    mine = _draft(park, "园区分布式光伏并网验收记录。")
    theirs = _draft(other_park, "园区分布式光伏并网验收记录。")
    parsed = parse_query("光伏并网")
    with session_scope(write=False) as session:
        matched = get_backend().all_matches(session, _user(park), parsed, SearchFilters())  # type: ignore[attr-defined]
    assert matched == [mine["revision_id"]]  # the index query itself, before any database re-check
    assert [item["document_id"] for item in _search(park, "光伏并网")["items"]] == [mine["id"]]
    assert [item["document_id"] for item in _search(other_park, "光伏并网")["items"]] == [theirs["id"]]


@on_postgres
def test_park_live_flag_and_words_are_one_gin_scan(park, backend):
    _draft(park, "园区储能系统充放电记录。")
    where, match, params = postgres._match(_user(park), parse_query("储能系统"), SearchFilters())
    with session_scope(write=False) as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = session.execute(
            text(
                f"EXPLAIN (FORMAT JSON) SELECT count(*) FROM (SELECT FROM {postgres.TABLE} e "
                f"WHERE {where} AND {match} LIMIT 10) m"
            ),
            params,
        ).scalar_one()
    nodes: list[dict] = []
    stack = [(plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.get("Plans", []))
    heap = next(node for node in nodes if node["Node Type"] == "Bitmap Heap Scan")
    scan = next(node for node in nodes if node["Node Type"] == "Bitmap Index Scan")
    assert scan["Index Name"] == "ix_search_entry_park_tsv"
    assert "park_id" in scan["Index Cond"] and "live = 1" in scan["Index Cond"] and "tsv @@" in scan["Index Cond"]
    assert "Filter" not in heap  # nothing left to test on the heap row


@on_postgres
def test_hidden_revisions_are_not_live_in_the_index(park, backend):
    document = _draft(park, "园区碳盘查工作方案。")
    assert _entries([document["revision_id"]])[document["revision_id"]][9] == 1
    with session_scope() as session:
        session.execute(text("UPDATE revision SET state = 'void' WHERE id = :id"), {"id": document["revision_id"]})
    from app.search import service

    assert service.index_revisions([document["revision_id"]])
    assert _entries([document["revision_id"]])[document["revision_id"]][9] == 0
    assert _search(park, "碳盘查")["total"] == 0
    assert [item["revision_id"] for item in _search(park, "碳盘查", include_obsolete="true")["items"]] == [
        document["revision_id"]
    ]


@on_postgres
def test_the_total_is_the_index_count_and_the_database_sees_only_the_page(park, backend, monkeypatch):
    for times in (1, 2, 3, 4, 5):
        _draft(park, "园区余热锅炉运行日志。" * times)
    checked: list[int] = []
    visible_rows = postgres.visible_rows

    def spy(session, user, ids, include_obsolete):
        checked.extend(ids)
        return visible_rows(session, user, ids, include_obsolete)

    def refuse(*_args, **_kwargs):
        raise AssertionError("every match counted in the database")

    monkeypatch.setattr(postgres, "visible_rows", spy)
    monkeypatch.setattr(postgres, "count_visible", refuse)
    monkeypatch.setattr(postgres, "queue_pending", lambda session: False)
    monkeypatch.setattr(postgres, "RANK_CANDIDATES", 2)
    page = _search(park, "余热锅炉", limit=2)
    assert (page["total"], page["estimated"], len(page["items"])) == (5, False, 2)
    assert len(checked) == 2  # the page's candidates, not the five matches


@on_postgres
def test_a_stale_match_with_changes_queued_is_counted_in_the_database_or_flagged(park, backend, monkeypatch):
    documents = [_draft(park, "园区能源审计报告。", access_level="public") for _ in range(3)]
    assert _search(park, "能源审计", role="contributor")["total"] == 3
    with get_engine().begin() as connection:  # behind the index's back, as if its indexer had not run yet
        connection.execute(update(Document).where(Document.id == documents[0]["id"]).values(access_level="internal"))
    monkeypatch.setattr(postgres, "queue_pending", lambda session: True)
    monkeypatch.setattr(postgres, "RANK_CANDIDATES", 1)
    page = _search(park, "能源审计", role="contributor", limit=1)
    assert (page["total"], page["estimated"]) == (2, False)  # few matches: every one checked
    monkeypatch.setattr(postgres, "VERIFY_ALL_BELOW", 1)
    page = _search(park, "能源审计", role="contributor", limit=1)
    assert page["estimated"] is True and len(page["items"]) == 1
    assert page["items"][0]["document_id"] != documents[0]["id"]


@on_postgres
def test_the_newest_matches_are_ranked_when_there_are_more_than_the_candidates(park, backend, monkeypatch):
    documents = [_draft(park, "园区水资源计量台账。") for _ in range(4)]
    monkeypatch.setattr(postgres, "RANK_CANDIDATES", 2)
    page = _search(park, "水资源计量", limit=2)
    assert page["total"] == 4
    assert {item["document_id"] for item in page["items"]} == {documents[2]["id"], documents[3]["id"]}
    rest = _search(park, "水资源计量", limit=2, offset=2)  # the next page ranks the next candidates
    assert {item["document_id"] for item in rest["items"]} == {documents[0]["id"], documents[1]["id"]}


@on_postgres
def test_a_rebuild_writes_what_incremental_indexing_wrote_newest_first(park, backend):
    documents = [_draft(park, f"园区第{n}号碳排放监测计划。P1-MON-00{n}", title=f"监测计划 {n}") for n in range(3)]
    ids = [document["revision_id"] for document in documents]
    before = _entries(ids)
    assert set(before) == set(ids)
    seen: list[int] = []
    count = pg_rebuild.rebuild(key=postgres.WRITER_LOCK, chunk=2, progress=seen.append)
    assert sum(seen) == count >= 3
    assert _entries(ids) == before  # the same fields and the same tsvector (COPY's binary form, the upsert's literal)
    with get_engine().connect() as connection:
        order = list(connection.execute(text("SELECT revision_id FROM search.search_entry ORDER BY ctid")).scalars())
    assert order == sorted(order, reverse=True)
    assert {item["document_id"] for item in _search(park, "碳排放监测计划")["items"]} == {d["id"] for d in documents}


@on_postgres
def test_the_binary_tsvector_is_the_literal_postgres_reads(backend):
    from app.search import pg_analysis

    samples = [
        "园区碳排放管理体系 P1-CARBON_POLICY-001 第4.1条 ISO14064-1标准 a-a-a 碳。\n碳排放" * 3,
        "".join(chr(0x4E00 + i % 3000) for i in range(17_000)),  # positions past 16,383
        "碳排" * 400,  # one lexeme at more than 256 positions
    ]
    raw = get_engine().raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("CREATE TEMPORARY TABLE tsv_sample (n integer, v tsvector)")
        with cursor.copy("COPY tsv_sample (n, v) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "bytea"])
            for n, sample in enumerate(samples):
                copy.write_row((n, pg_analysis.tsvector_binary(pg_analysis._entries(sample)[0])))
        for n, sample in enumerate(samples):
            cursor.execute(
                "SELECT v = CAST(%s AS tsvector) FROM tsv_sample WHERE n = %s",
                (pg_analysis.analyse(sample).tsvector, n),
            )
            assert cursor.fetchone() == (True,), n
    finally:
        raw.rollback()
        raw.close()
