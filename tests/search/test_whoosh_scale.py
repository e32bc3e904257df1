"""The Whoosh backend at scale: the bulk rebuild (a process pool writing whole segments) gives the ordinary writer's
index, the reindex shows its progress, filter fields follow the database, and totals say when they are estimates."""

from collections import Counter

import pytest
from sqlalchemy import func, select
from whoosh import index as whoosh_index
from whoosh.query import And, Term

from app.db import session_scope
from app.documents.models import Revision
from app.search import entries, index, whoosh_backend, whoosh_bulk
from tests.factories import docx_bytes, register, upload


def _draft(park, text: str, **body) -> tuple[dict, dict]:
    document = register(park, "DATA_MANAGEMENT_RULES", **body)
    revision = upload(park, document["id"], docx_bytes(text))
    assert revision.status_code == 201, revision.text
    return document, revision.json()


def _search(park, q, role="coordinator", **params) -> dict:
    response = park.client.get("/api/search", params={"q": q, **params}, headers=park.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def _snapshot(ix) -> dict:
    """Everything a search reads, keyed by revision id (docnums differ between builds): stored fields, content
    lengths, and every term's postings with their weights."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        rid_of = {docnum: reader.stored_fields(docnum)["rid"] for docnum in reader.all_doc_ids()}
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            postings[(fieldname, term)] = {rid_of[docnum]: weight for docnum, weight in matcher.items_as("weight")}
        return {
            "stored": {rid_of[docnum]: reader.stored_fields(docnum) for docnum in rid_of},
            "lengths": {rid_of[docnum]: reader.doc_field_length(docnum, "content") for docnum in rid_of},
            "postings": postings,
        }


@pytest.mark.parametrize(
    "text",
    [
        "园区碳排放管理体系",
        "碳 排 放",
        "P1-CARBON_POLICY-001 条款4.1与ISO14064-1",
        "Ａ１２ 全角ＡＢ 和 e-mail/web 混排：第3.2.1条",
        "",
    ],
)
def test_content_counts_are_the_tokenizers_terms(text):
    tokens = Counter(token.text for token in index.CJKBigramTokenizer()(text))
    assert index.content_counts(text) == tokens


def test_the_parallel_rebuild_gives_the_same_index_as_the_ordinary_writer(park, tmp_path, monkeypatch):
    for i in range(7):
        _draft(park, f"园区第{i}号储能电站巡检记录，P1-ESS-{i:03d}。" * (i + 1), title=f"巡检记录 {i}")
    monkeypatch.setattr(whoosh_bulk, "TASK_DOCS", 2)  # several reads per segment,
    monkeypatch.setattr(whoosh_bulk, "SEGMENT_DOCS", 4)  # several segments, two processes
    count = whoosh_backend.WhooshBackend().rebuild(procs=2)
    with session_scope(write=False) as session:
        assert count == session.execute(select(func.count()).select_from(Revision)).scalar_one()

    serial = whoosh_index.create_in(str(tmp_path), index.make_schema())
    writer = serial.writer()
    for _ids, documents in entries.iter_documents(500):
        for document in documents:
            writer.add_document(**document)
    writer.commit()
    parallel = index.open_current()
    assert parallel is not None
    assert len(parallel._segments()) >= 2
    assert _snapshot(parallel) == _snapshot(serial)
    parallel.close()
    serial.close()


def test_reindex_shows_its_progress(park):
    from typer.testing import CliRunner

    from app.cli import app as cli

    _draft(park, "园区光伏电站运行日志。")
    with session_scope(write=False) as session:
        total = session.execute(select(func.count()).select_from(Revision)).scalar_one()
    result = CliRunner().invoke(cli, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "索引 / indexing" in result.output
    assert f"{total}/{total}" in result.output
    assert f"indexed {total} revisions" in result.output


def _entry_has(rid: int, fieldname: str, value: str) -> bool:
    searcher = index.searcher(renew=True)
    return bool(list(searcher.docs_for_query(And([Term("rid", str(rid)), Term(fieldname, value)]))))


def test_filter_fields_follow_a_state_change_and_a_visibility_change(park):
    from app.documents.models import AccessLevel, Document

    document, revision = _draft(park, "园区余热回收改造方案。", access_level="internal")
    rid = revision["id"]
    assert _entry_has(rid, "state", "draft") and _entry_has(rid, "access", "internal")
    assert _search(park, "余热回收", role="contributor")["total"] == 0

    assert park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator")).status_code == 200
    assert _entry_has(rid, "state", "in_review") and not _entry_has(rid, "state", "draft")
    assert _search(park, "余热回收", state="in_review")["total"] == 1
    assert _search(park, "余热回收", state="draft")["total"] == 0

    with session_scope() as session:  # the hooks see an ORM change of the document's visibility
        row = session.get(Document, document["id"])
        assert row is not None
        row.access_level = AccessLevel.public
    assert _entry_has(rid, "access", "public") and not _entry_has(rid, "access", "internal")
    assert _search(park, "余热回收", role="contributor")["total"] == 1


def test_a_total_is_exact_when_cheap_and_an_estimate_that_says_so_otherwise(park, monkeypatch):
    for times in range(1, 6):
        _draft(park, "园区地源热泵运行记录。" * times)
    assert _search(park, "地源热泵", limit=2)["total"] == 5  # few matches: counted in the database
    assert _search(park, "地源热泵", limit=2)["estimated"] is False

    monkeypatch.setattr(whoosh_backend, "VERIFY_ALL_BELOW", 2)  # as if five were many
    page = _search(park, "地源热泵", limit=2)
    assert (page["total"], page["estimated"], len(page["items"])) == (5, True, 2)
    page = _search(park, "地源热泵", limit=10)  # every match looked at for the page: exact again
    assert (page["total"], page["estimated"], len(page["items"])) == (5, False, 5)


def test_incremental_commits_merge_small_segments_and_never_the_rebuilds_large_ones(park, monkeypatch):
    for i in range(6):
        _draft(park, f"园区第{i}号变压器检修记录。")
    monkeypatch.setattr(whoosh_bulk, "SEGMENT_DOCS", 4)
    monkeypatch.setattr(index, "SMALL_SEGMENT", 4)  # the rebuild's segments count as large,
    monkeypatch.setattr(index, "MERGE_AT", 3)  # and three small ones are enough to merge
    whoosh_backend.WhooshBackend().rebuild(procs=1)
    ix = index.open_current()
    assert ix is not None
    large = {segment.segment_id() for segment in ix._segments() if segment.doc_count_all() >= 4}
    ix.close()
    assert large
    for i in range(4):  # one small segment per commit, until three of them are merged into one
        _draft(park, f"园区第{i}号电容器检修记录。")
    ix = index.open_current()
    assert ix is not None
    segments = ix._segments()
    ix.close()
    assert large <= {segment.segment_id() for segment in segments}
    assert len([segment for segment in segments if segment.doc_count_all() < 4]) < 4
    assert len(_search(park, "检修记录")["items"]) == 10


def test_segments_get_new_names_when_the_global_random_generator_is_seeded_again(tmp_path) -> None:
    """Hypothesis seeds `random` for every example; Whoosh named segments from it, so two indexes (or one index's old
    and new segments) got one name, and the postings and mask caches keyed by it served another segment's arrays."""
    import random

    names = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / folder), index.make_schema())
        random.seed(20261201)
        with ix.writer() as writer:
            writer.add_document(rid="1", content="碳排放管理")
        with ix.searcher() as searcher:
            names += [reader.segment().segment_id().split("_", 1)[1] for reader, _ in searcher.reader().leaf_readers()]
        ix.close()
    assert len(names) == 2 and names[0] != names[1]
