"""A rebuild segment's frequent content postings as arrays beside it (postings_arrays.py): they hold exactly what
Whoosh's blocks hold, searches read them and answer as they would without them, a segment without them (or with a
write cut short) is read through Whoosh, and they go with their segment."""

from pathlib import Path

import numpy as np
import pytest

from app.search import evaluation, index, postings_arrays, whoosh_backend, whoosh_bulk
from tests.factories import docx_bytes, register, upload

QUERIES = ["巡检记录", "储能电站", "园区", "电站巡检", "第3号", "ESS"]


def _draft(park, text: str) -> None:
    document = register(park, "DATA_MANAGEMENT_RULES", title="巡检记录")
    assert upload(park, document["id"], docx_bytes(text)).status_code == 201


def _search(park, q: str) -> dict:
    response = park.client.get("/api/search", params={"q": q}, headers=park.headers("coordinator"))
    assert response.status_code == 200, response.text
    return response.json()


def _segments() -> tuple[Path, list]:
    ix = index.open_current()
    assert ix is not None
    folder, segments = Path(ix.storage.folder), ix._segments()
    ix.close()
    return folder, segments


@pytest.fixture
def rebuilt(park, monkeypatch):
    for i in range(9):
        _draft(park, f"园区第{i}号储能电站巡检记录，P1-ESS-{i:03d}。" * (i % 3 + 1) + ("光伏" if i % 2 else ""))
    monkeypatch.setattr(postings_arrays, "MIN_POSTINGS", 2)  # terms in two revisions of a segment are listed
    monkeypatch.setattr(whoosh_bulk, "SEGMENT_DOCS", 4)
    monkeypatch.setattr(whoosh_bulk, "TASK_DOCS", 2)
    postings_arrays._opened.clear()
    whoosh_backend.WhooshBackend().rebuild(procs=2)
    return park


def test_the_arrays_hold_exactly_the_postings_of_whooshs_blocks(rebuilt):
    folder, segments = _segments()
    listed_terms = 0
    for segment in segments:
        arrays = postings_arrays.for_segment(folder, segment.segment_id())
        assert (arrays is not None) == (segment.doc_count_all() >= 2)  # a lone revision has no term in two
        ix = index.open_current()
        assert ix is not None
        with ix.searcher() as searcher:
            reader = next(r for r, _ in searcher.reader().leaf_readers() if r.segment() == segment)
            for term in reader.lexicon("content"):
                docnums, weights = evaluation._read_postings(reader, "content", term)
                listed = arrays.get(term.decode("utf-8")) if arrays is not None else None
                if len(docnums) < 2:
                    assert listed is None  # rarer than MIN_POSTINGS: read through Whoosh
                    continue
                assert listed is not None
                listed_terms += 1
                assert listed[0].tolist() == list(docnums)
                assert listed[1].tolist() == list(weights)
        ix.close()
    assert listed_terms > 20


def test_searches_answer_the_same_with_and_without_the_arrays(rebuilt, monkeypatch):
    read: list[str] = []
    original = postings_arrays.SegmentPostings.get

    def counting(self, term):
        found = original(self, term)
        if found is not None:
            read.append(term)
        return found

    monkeypatch.setattr(postings_arrays.SegmentPostings, "get", counting)
    evaluation._postings_cache.clear()
    with_arrays = {q: _search(rebuilt, q) for q in QUERIES}
    assert read  # the searches did read the arrays
    monkeypatch.setattr(postings_arrays, "for_segment", lambda folder, segment_id: None)
    evaluation._postings_cache.clear()
    without = {q: _search(rebuilt, q) for q in QUERIES}
    assert with_arrays == without
    assert with_arrays["巡检记录"]["total"] == 9


def test_a_segment_whose_write_was_cut_short_is_read_through_whoosh(rebuilt):
    folder, segments = _segments()
    expected = {q: _search(rebuilt, q) for q in QUERIES}
    cut = segments[0].segment_id()
    postings_arrays.paths(folder, cut)["terms"].unlink()  # the table is written last: without it, no arrays
    postings_arrays._opened.clear()
    evaluation._postings_cache.clear()
    assert postings_arrays.for_segment(folder, cut) is None
    assert postings_arrays.for_segment(folder, segments[1].segment_id()) is not None
    assert {q: _search(rebuilt, q) for q in QUERIES} == expected


def test_a_segment_whose_arrays_do_not_match_their_table_is_read_through_whoosh(rebuilt):
    folder, segments = _segments()
    expected = {q: _search(rebuilt, q) for q in QUERIES}
    broken = segments[0].segment_id()
    np.save(postings_arrays.paths(folder, broken)["docnums"], np.zeros(3, dtype=np.uint32))
    postings_arrays._opened.clear()
    evaluation._postings_cache.clear()
    assert postings_arrays.for_segment(folder, broken) is None
    assert {q: _search(rebuilt, q) for q in QUERIES} == expected


def test_the_arrays_go_with_their_segment_when_it_is_merged(rebuilt, monkeypatch):
    folder, segments = _segments()
    before = {s.segment_id() for s in segments if postings_arrays.paths(folder, s.segment_id())["terms"].exists()}
    assert before
    monkeypatch.setattr(index, "SMALL_SEGMENT", 100)  # the rebuild's segments count as small now,
    monkeypatch.setattr(index, "MERGE_AT", 2)  # so the next commit merges them
    _draft(rebuilt, "园区第9号储能电站巡检记录。")
    _, after = _segments()
    merged = before - {segment.segment_id() for segment in after}
    assert merged  # segments that had arrays were merged away
    for segment_id in merged:
        assert not any(path.exists() for path in postings_arrays.paths(folder, segment_id).values())
    assert _search(rebuilt, "巡检记录")["total"] == 10  # this park's nine and the new one


def test_a_segment_of_rare_terms_only_gets_no_arrays(tmp_path):
    assert postings_arrays.write(tmp_path, "MAIN_abc", [("园区", [0, 1, 1, 2])]) == 0
    assert list(tmp_path.iterdir()) == []
    assert postings_arrays.for_segment(tmp_path, "MAIN_abc") is None


def test_values_take_two_bytes_where_two_bytes_hold_them(tmp_path):
    small, big = tmp_path / "small", tmp_path / "big"
    small.mkdir()
    big.mkdir()
    postings_arrays.write(small, "MAIN_s", [("园区", [0, 1, 7, 2] * 200)])
    postings_arrays.write(big, "MAIN_b", [("园区", [0, 1, 70_000, 70_000] * 200)])
    narrow, wide = postings_arrays.paths(small, "MAIN_s"), postings_arrays.paths(big, "MAIN_b")
    assert np.load(narrow["docnums"]).dtype == np.uint16
    assert np.load(narrow["frequencies"]).dtype == np.uint16
    assert np.load(wide["docnums"]).dtype == np.uint32
    assert np.load(wide["frequencies"]).dtype == np.float32
    listed = postings_arrays.for_segment(big, "MAIN_b")
    assert listed is not None
    found = listed.get("园区")
    assert found is not None
    assert found[0].tolist()[:2] == [0, 70_000]
    assert found[1].tolist()[:2] == [1.0, 70_000.0]
