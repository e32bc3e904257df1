"""Full-text search through the API: Chinese recall, phrases, highlighting, filters, permissions, index upkeep."""

import pickle
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.config import get_settings
from app.db import session_scope
from app.documents.models import Revision
from app.search import entries, evaluation, index, service
from app.search.models import SearchQueue
from tests.factories import docx_bytes, publish_new_document, record_upload, register, sign, upload
from tests.search.conftest import every_backend

# A labelled set: each document's text, and which documents each query must find (no more, no fewer).
TEXTS = {
    "baseline": ("本园区以2020年为基准年，核算温室气体排放总量。", "编制人：张伟明"),
    "audit": ("内审发现三项不符合项，已制定纠正措施并验证其有效性。",),
    "risk": ("识别碳资产风险并评估其对园区的影响，参照ISO14064-1标准。",),
    "green": ("园区绿化管理规定：节约用水，减少温室气体。",),
}
LABELLED = {
    "基准年": {"baseline"},  # jieba splits 基准 / 年
    "不符合项": {"audit"},  # jieba splits 不 / 符合 / 项
    "纠正措施": {"audit"},
    "碳资产风险": {"risk"},
    "资产风": {"risk"},  # inside a longer word
    "准年": {"baseline"},
    "温室气体排放": {"baseline"},
    "张伟明": {"baseline"},  # a person's name
    "温室气体": {"baseline", "green"},
    "基准": {"baseline"},
    "措施纠正": set(),
    "年为基准年": {"baseline"},
    "iso14064": {"risk"},
    "ISO": {"risk"},  # a word prefix
    "有效性 内审": {"audit"},  # all words must match
    "有效性 绿化": set(),
}


def _search(park, q, role="coordinator", **params):
    return park.client.get("/api/search", params={"q": q, **params}, headers=park.headers(role))


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {item["document_id"] for item in response.json()["items"]}


def _draft(park, text: tuple[str, ...], doc_type="DATA_MANAGEMENT_RULES", **body) -> tuple[dict, dict]:
    document = register(park, doc_type, **body)
    revision = upload(park, document["id"], docx_bytes(*text))
    assert revision.status_code == 201, revision.text
    return document, revision.json()


@pytest.fixture()
def labelled(request, park):
    if "backend" in request.fixturenames:  # switched before the documents are written
        request.getfixturevalue("backend")
    return {name: _draft(park, text, title=f"文件 {name}")[0]["id"] for name, text in TEXTS.items()}


@every_backend
def test_chinese_recall_and_precision_on_a_labelled_set(park, labelled, backend):
    for query, expected in LABELLED.items():
        response = _search(park, query)
        found = _ids(response)
        assert found == {labelled[name] for name in expected}, query
        assert response.json()["total"] == len(expected), query


@every_backend
def test_control_number_and_signer_are_searchable(park, backend):
    document, _revision = publish_new_document(park, "CARBON_POLICY", title="碳排放管理方针")
    assert _ids(_search(park, document["control_no"])) == {document["id"]}
    assert document["id"] in _ids(_search(park, f"{park.code}-CARBON"))  # a control-number prefix
    # Signers' and preparer's printed names are indexed ("top_management 测试" approved the policy).
    assert document["id"] in _ids(_search(park, "top_management"))
    assert _ids(_search(park, "6.2 方针")) == {document["id"]}  # the type's clause


@every_backend
def test_phrases_match_exactly(park, labelled, backend):
    assert _ids(_search(park, '"纠正措施"')) == {labelled["audit"]}
    assert _ids(_search(park, '"三项不符合"')) == {labelled["audit"]}
    assert _ids(_search(park, '"措施纠正"')) == set()
    assert _ids(_search(park, '"ISO14064-1标准"')) == {labelled["risk"]}
    assert _ids(_search(park, '"iso14064-1 标准"')) == set()  # word for word
    assert _ids(_search(park, '"ISO14064-1标准" 碳资产')) == {labelled["risk"]}


@every_backend
def test_snippets_highlight_matches_and_escape_the_rest(park, backend):
    document, _ = _draft(park, ("<b>说明</b>：本园区以2020年为基准年 & 核算排放。",))
    item = _search(park, "基准年").json()["items"][0]
    assert item["document_id"] == document["id"]
    assert "<mark>基准年</mark>" in item["snippet"]
    assert "&lt;b&gt;" in item["snippet"] and "<b>" not in item["snippet"] and "&amp;" in item["snippet"]
    assert {"document_id", "revision_id", "control_no", "title", "state", "snippet", "score", "obsolete"} <= item.keys()
    assert item["state"] == "draft" and item["obsolete"] is False and item["score"] > 0


@every_backend
def test_results_are_ranked_and_paginated(park, backend):
    ids = [_draft(park, ("碳足迹核算方法。" * times,), title=f"核算 {times}")[0]["id"] for times in (1, 5, 20)]
    page = _search(park, "碳足迹", limit=2).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    scores = [item["score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)
    rest = _search(park, "碳足迹", limit=2, offset=2).json()
    assert rest["total"] == 3 and len(rest["items"]) == 1
    assert {item["document_id"] for item in page["items"] + rest["items"]} == set(ids)


@every_backend
def test_every_filter(park, backend):
    rules, _ = _draft(park, ("温室气体核算边界说明。",), "DATA_MANAGEMENT_RULES", owner_unit="数据中心")
    baseline, _ = _draft(park, ("温室气体核算边界说明。",), "CARBON_BASELINE", owner_unit="碳管理办公室")
    policy, _ = publish_new_document(park, "CARBON_POLICY", title="温室气体核算边界方针")
    both = {rules["id"], baseline["id"], policy["id"]}
    assert _ids(_search(park, "核算边界")) == both
    assert _ids(_search(park, "核算边界", type="CARBON_BASELINE")) == {baseline["id"]}
    assert _ids(_search(park, "核算边界", clause="7.5")) == {baseline["id"]}
    assert _ids(_search(park, "核算边界", clause="6.2")) == {policy["id"]}
    assert _ids(_search(park, "核算边界", state="effective")) == {policy["id"]}
    assert _ids(_search(park, "核算边界", state="draft")) == {rules["id"], baseline["id"]}
    assert _ids(_search(park, "核算边界", owner_unit="数据中心")) == {rules["id"]}
    today = date.today()
    assert (
        _ids(
            _search(park, "核算边界", date_from=str(today - timedelta(days=1)), date_to=str(today + timedelta(days=1)))
        )
        == both
    )
    assert _ids(_search(park, "核算边界", date_from=str(today + timedelta(days=2)))) == set()
    assert _ids(_search(park, "核算边界", date_to=str(today - timedelta(days=2)))) == set()
    assert _search(park, "核算边界", date_from="not-a-date").status_code == 422
    assert _search(park, "核算边界", limit=0).status_code == 422


@every_backend
def test_permissions_never_leak_hits_or_counts(park, other_park, backend):
    internal, _ = _draft(park, ("机密：园区碳资产交易底价。",), access_level="internal")
    public, _ = _draft(park, ("公开：园区碳资产交易规则。",), access_level="public")
    own = record_upload(
        park,
        "MONITORING_MEASUREMENT_RECORDS",
        "2026-10",
        role="contributor",
        content=docx_bytes("填报：园区碳资产交易台账。"),
    )
    assert own.status_code == 201, own.text
    assert _ids(_search(park, "碳资产交易")) == {internal["id"], public["id"], own.json()["id"]}
    assert _ids(_search(park, "碳资产交易", role="auditor")) == {internal["id"], public["id"], own.json()["id"]}
    # A contributor: public documents and their own, nothing else — not even in the total.
    contributor = _search(park, "碳资产交易", role="contributor").json()
    assert {item["document_id"] for item in contributor["items"]} == {public["id"], own.json()["id"]}
    assert contributor["total"] == 2
    hidden = _search(park, "交易底价", role="contributor").json()
    assert hidden == {"total": 0, "limit": 20, "offset": 0, "items": [], "estimated": False}
    # Another park's users: nothing at all.
    for role in ("coordinator", "auditor", "contributor"):
        assert _search(other_park, "碳资产交易", role=role).json()["total"] == 0
        assert _search(other_park, "交易底价", role=role).json()["items"] == []
    assert _search(park, "碳资产交易", role="coordinator", include_obsolete="true").json()["total"] == 3
    assert park.client.get("/api/search", params={"q": "碳资产交易"}).status_code == 401


@every_backend
def test_database_decides_even_when_the_index_is_stale(park, backend):
    """An entry the index still shows as readable, but the database no longer does, is dropped with its count."""
    document, _revision = _draft(park, ("园区能源审计结论。",), access_level="public")
    assert _search(park, "能源审计", role="contributor").json()["total"] == 1
    with session_scope() as session:  # a change the hooks do not see (Core, no ORM flush)
        from app.documents.models import Document

        session.execute(update(Document).where(Document.id == document["id"]).values(access_level="internal"))
    page = _search(park, "能源审计", role="contributor").json()
    assert page["total"] == 0 and page["items"] == []

    # Stale entries outside the page still never count: three public matches, two withdrawn behind the index's back.
    ids = [_draft(park, ("园区能源审计报告。" * times,), access_level="public")[0]["id"] for times in (1, 2, 3)]
    assert _search(park, "能源审计", role="contributor", limit=1).json()["total"] == 3
    with session_scope() as session:
        from app.documents.models import Document

        session.execute(update(Document).where(Document.id.in_(ids[1:])).values(access_level="restricted"))
    page = _search(park, "能源审计", role="contributor", limit=1).json()
    assert page["total"] == 1 and [item["document_id"] for item in page["items"]] == [ids[0]]


@every_backend
def test_index_follows_each_state_change(park, backend):
    document = register(park, "DATA_MANAGEMENT_RULES", title="排放因子管理规定")
    revision = upload(park, document["id"], docx_bytes("排放因子取值依据省级清单指南。")).json()
    hits = _search(park, "排放因子").json()["items"]
    assert [(hit["revision_id"], hit["state"]) for hit in hits] == [(revision["id"], "draft")]
    rid = revision["id"]
    assert park.client.post(f"/api/revisions/{rid}/submit", headers=park.headers("coordinator")).status_code == 200
    assert _search(park, "排放因子").json()["items"][0]["state"] == "in_review"
    assert sign(park, rid, "review", "top_management").status_code == 200
    assert sign(park, rid, "approve", "approver").status_code == 200
    assert park.client.post(f"/api/revisions/{rid}/publish", headers=park.headers("coordinator")).status_code == 200
    assert _search(park, "排放因子", state="effective").json()["items"][0]["revision_id"] == rid

    # A second revision supersedes the first once published: the old one is hidden unless asked for.
    second = upload(park, document["id"], docx_bytes("排放因子取值依据国家最新指南。"), reason="更新指南").json()
    assert {hit["revision_id"] for hit in _search(park, "排放因子").json()["items"]} == {rid, second["id"]}
    assert park.client.post(f"/api/revisions/{second['id']}/submit", headers=park.headers("coordinator"))
    assert sign(park, second["id"], "review", "top_management").status_code == 200
    assert sign(park, second["id"], "approve", "approver").status_code == 200
    assert (
        park.client.post(f"/api/revisions/{second['id']}/publish", headers=park.headers("coordinator")).status_code
        == 200
    )
    assert [hit["revision_id"] for hit in _search(park, "排放因子").json()["items"]] == [second["id"]]
    everything = _search(park, "排放因子", include_obsolete="true").json()
    assert {(hit["revision_id"], hit["state"], hit["obsolete"]) for hit in everything["items"]} == {
        (rid, "superseded", True),
        (second["id"], "effective", False),
    }
    assert [hit["revision_id"] for hit in _search(park, "排放因子", state="superseded").json()["items"]] == [rid]

    obsolete = park.client.post(
        f"/api/documents/{document['id']}/obsolete",
        json={"reason": "已被新制度取代"},
        headers=park.headers("coordinator"),
    )
    assert obsolete.status_code == 200, obsolete.text
    assert _search(park, "排放因子").json() == {"total": 0, "limit": 20, "offset": 0, "items": [], "estimated": False}
    shown = _search(park, "排放因子", include_obsolete="true").json()["items"]
    assert {(hit["state"], hit["obsolete"]) for hit in shown} == {("superseded", True), ("obsolete", True)}


def test_a_failed_indexing_is_queued_and_retried(park, monkeypatch):
    def broken_writer(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(
        get_settings(), "search_backend", "whoosh"
    )  # its writer is what breaks (also on the scale-out run)
    monkeypatch.setattr(index, "open_writer", broken_writer)
    document, revision = _draft(park, ("能源计量器具配备清单。",))
    with session_scope(write=False) as session:
        queued = session.execute(select(SearchQueue).where(SearchQueue.revision_id == revision["id"])).scalars().all()
        committed = session.get(Revision, revision["id"])
    assert committed is not None and committed.state == "draft"  # the change itself is not lost
    assert queued and queued[0].attempts >= 1 and "disk full" in queued[0].last_error
    assert _search(park, "能源计量器具").json()["total"] == 0

    monkeypatch.undo()
    service.process_queue()
    assert _ids(_search(park, "能源计量器具")) == {document["id"]}
    with session_scope(write=False) as session:
        assert session.execute(select(SearchQueue).where(SearchQueue.revision_id == revision["id"])).first() is None


@every_backend
def test_a_crash_between_commit_and_indexing_leaves_the_revision_queued(park, monkeypatch, backend):
    monkeypatch.setattr("app.search.hooks._index_pending", lambda _session: None)  # the process "died"
    document, revision = _draft(park, ("光伏发电量统计月报。",))
    with session_scope(write=False) as session:
        assert session.execute(select(SearchQueue).where(SearchQueue.revision_id == revision["id"])).first()
    monkeypatch.undo()
    assert _search(park, "光伏发电量").json()["total"] == 0
    service.ensure_index()  # what start-up does
    assert _ids(_search(park, "光伏发电量")) == {document["id"]}


def test_reindex_check_finds_missing_and_stale_entries(park):
    from typer.testing import CliRunner

    from app.cli import app as cli

    _, first = _draft(park, ("储能电站运行记录。",))
    _, second = _draft(park, ("储能电站巡检记录。",))
    runner = CliRunner()
    result = runner.invoke(cli, ["reindex"])  # other tests leave stale entries on purpose
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["reindex", "--check"])
    assert result.exit_code == 0, result.output

    ix = index.open_current()
    writer = ix.writer()
    writer.delete_by_term("rid", str(first["id"]))
    writer.commit()
    ix.close()
    with session_scope() as session:  # a state the index has not heard of
        session.execute(update(Revision).where(Revision.id == second["id"]).values(version=Revision.version + 5))
    result = runner.invoke(cli, ["reindex", "--check"])
    assert result.exit_code == 1
    assert "missing" in result.output and str(first["id"]) in result.output
    assert "stale" in result.output and str(second["id"]) in result.output

    result = runner.invoke(cli, ["reindex"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(cli, ["reindex", "--check"]).exit_code == 0
    assert len(_search(park, "储能电站").json()["items"]) == 2


def test_an_index_of_another_schema_version_is_rebuilt(park):
    document, _ = _draft(park, ("余热回收利用方案。",))
    current = index.read_current()
    (index.index_root() / "CURRENT").write_text(f'{{"build": "{current["build"]}", "schema": 0}}')
    assert not index.is_current()
    service.ensure_index()
    assert index.read_current()["schema"] == index.SCHEMA_VERSION
    assert index.read_current()["build"] != current["build"]
    assert _ids(_search(park, "余热回收")) == {document["id"]}


# The rule: a query with no letter, digit or Han character is refused (422, with a message); any other query is
# searched as words (operators, fields and wildcards are plain text), so it answers 200 whatever its syntax.
@every_backend
@pytest.mark.parametrize(
    ("q", "status"),
    [
        ("AND", 200),
        ("OR NOT", 200),
        ("( )", 422),
        ("碳*", 200),
        ("排放?", 200),
        ("~碳 ^2", 200),
        ("title:碳", 200),
        ("field:value", 200),
        ('"不成对', 200),
        ('碳"排放', 200),
        ('""', 422),
        ("a AND (b OR", 200),
        ("*", 422),
        ("\\", 422),
        ("'; DROP TABLE revision; --", 200),
        ("\u0000碳", 200),
        ("🌱碳", 200),
        ("碳" * 500, 200),
    ],
)
def test_query_syntax_never_breaks_the_server(park, q, status, backend):
    response = _search(park, q)
    assert response.status_code == status, response.text
    if status == 200:
        assert {"total", "items"} <= response.json().keys()
    else:
        assert response.json()["message_zh"] == "搜索词中没有可搜索的文字或数字"


@every_backend
def test_bad_queries_are_refused(park, backend):
    assert _search(park, "").status_code == 422
    assert _search(park, "   ").status_code == 422
    assert _search(park, "碳排放 abc " * 1024).status_code == 422  # 10 KB
    assert _search(park, "碳" * 3000).status_code == 422
    assert park.client.get("/api/search", headers=park.headers("coordinator")).status_code == 422


def test_writers_take_turns(park, monkeypatch):
    """A second writer waits for the lock; when it cannot get it in time the revision stays queued."""
    import threading

    from whoosh.index import LockError

    with index.write_lock(), pytest.raises(LockError), index.write_lock(timeout=0.05):
        pass
    monkeypatch.setattr(service, "INCREMENTAL_LOCK_SECONDS", 0.1)
    _, revision = _draft(park, ("地源热泵改造。",))
    outcome = []
    with index.write_lock():
        worker = threading.Thread(target=lambda: outcome.append(service.index_revisions([revision["id"] + 10**9])))
        worker.start()
        worker.join()
    assert outcome == [False]
    assert service.index_revisions([revision["id"]]) is True
    assert _search(park, "地源热泵").json()["total"] == 1


def test_tokenizer_is_picklable_and_makes_bigrams():
    tokenizer = index.CJKBigramTokenizer()
    assert pickle.loads(pickle.dumps(tokenizer)) == tokenizer
    tokens = [(t.text, t.pos) for t in tokenizer("碳排放 碳 ISO14064 P1-POL-001", positions=True)]
    assert tokens == [
        ("碳排", 0),
        ("排放", 1),
        ("碳", 2),
        ("iso14064", 3),
        ("p1-pol-001", 4),
        ("p1", 4),
        ("pol", 5),
        ("001", 6),
    ]
    assert entries.join_han_lines("碳排\n放管理\nISO\n体系") == "碳排放管理\nISO\n体系"


@every_backend
def test_metadata_edits_reach_every_revision_of_the_document(park, backend):
    """A document's title or access level changes outside the lifecycle: the ORM hooks reindex its revisions."""
    from app.documents.models import Document

    document, revision = _draft(park, ("园区配电网改造方案。",), access_level="internal")
    assert _search(park, "配电网", role="contributor").json()["total"] == 0
    with session_scope() as session:
        row = session.get(Document, document["id"])
        row.title = "园区微电网与碳汇建设方案"
        row.access_level = "public"
    found = _search(park, "碳汇", role="contributor").json()
    assert [item["revision_id"] for item in found["items"]] == [revision["id"]]
    assert found["items"][0]["title"] == "园区微电网与碳汇建设方案"


@every_backend
def test_background_indexer_indexes_after_the_request_returns(park, monkeypatch, backend):
    from app.config import get_settings
    from app.search.hooks import background

    monkeypatch.setattr(get_settings(), "search_index_async", True)
    document = register(park, "DATA_MANAGEMENT_RULES", title="后台索引测试")
    upload(park, document["id"], docx_bytes("园区余热余压利用率的后台索引验证"))
    background.wait_idle()
    hits = park.client.get("/api/search", params={"q": "余热余压利用"}, headers=park.headers("coordinator")).json()
    assert [hit["document_id"] for hit in hits["items"]] == [document["id"]]
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
    assert queued == []


def test_a_segment_removed_under_the_searcher_is_retried_with_a_fresh_one(park, labelled, monkeypatch):
    """A merge by the indexer may delete segment files an open searcher has not read yet: reopen, never a 500."""
    real_evaluate = evaluation.evaluate
    calls = {"n": 0, "renewed": 0}
    real_searcher = index.searcher

    def vanishing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise FileNotFoundError(2, "No such file or directory", "index/build-x/MAIN_seg.trm")
        return real_evaluate(*args, **kwargs)

    def counting_searcher(*, renew: bool = False):
        calls["renewed"] += renew
        return real_searcher(renew=renew)

    monkeypatch.setattr(evaluation, "evaluate", vanishing_once)
    monkeypatch.setattr(index, "searcher", counting_searcher)
    assert _ids(_search(park, "纠正措施")) == {labelled["audit"]}
    assert calls == {"n": 2, "renewed": 1}


def test_an_index_that_keeps_vanishing_answers_503_not_500(park, labelled, monkeypatch):
    def always_vanishing(*_args, **_kwargs):
        raise FileNotFoundError(2, "No such file or directory", "index/build-x/MAIN_seg.trm")

    monkeypatch.setattr(evaluation, "evaluate", always_vanishing)
    response = _search(park, "纠正措施")
    assert response.status_code == 503, response.text
    assert response.json()["message_zh"] == "搜索索引正在更新，请稍后再试"
