"""Fast evaluation of queries against the index: per segment, from whole posting blocks, scored with BM25.

Whoosh's matchers walk postings one document at a time in Python; with many matches (common words in a large park)
that costs ~1 ms per match for a phrase. Queries are therefore evaluated here per segment from whole posting blocks:
sets and dicts built at C speed, intersected, then scored (BM25) only once per candidate. Segments never change once
written (deletions are subtracted separately), so per-segment filter sets and lengths are cached.
"""

import math
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field as dc_field
from itertools import accumulate
from operator import itemgetter

from whoosh.reading import TermNotFound

K1, B = 1.2, 0.75
MAX_EXPANSIONS = 256
MAX_SCORED_TERMS = 4
_segment_cache: dict[tuple, object] = {}
_SEGMENT_CACHE_MAX = 4096


@dataclass
class Unit:
    """One search unit: all `tokens` in a document ("and"), any term they begin ("prefix"), or in order ("phrase")."""

    mode: str
    tokens: list[str]


@dataclass
class Restriction:
    """Which documents may match: exact terms that must all hold, groups of which one must, and terms excluded."""

    required: list[tuple[str, str]] = dc_field(default_factory=list)
    any_of: list[list[tuple[str, str]]] = dc_field(default_factory=list)
    ranges: list[tuple[str, str, str]] = dc_field(default_factory=list)  # (field, low, high), inclusive
    excluded: list[tuple[str, str]] = dc_field(default_factory=list)


def _leaf(matcher):
    while hasattr(matcher, "child"):  # FilterMatcher (deletions) and other wrappers
        matcher = matcher.child
    return matcher


def _read_postings(reader, fieldname: str, text: str | bytes) -> tuple[array, array]:
    """All postings of a term in one segment as (docnums, frequencies), decoded a whole block at a time."""
    ids, weights = array("i"), array("f")
    try:
        matcher = _leaf(reader.postings(fieldname, text))
    except (TermNotFound, KeyError):
        return ids, weights
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        count = matcher._blocklength
        ids.extend(block_ids if matcher._byteids else accumulate(block_ids))
        if block_weights is None:
            weights.extend([1.0] * count)
        elif isinstance(block_weights, float):
            weights.extend([block_weights] * count)
        else:
            weights.extend(block_weights)
        matcher._next_block()
    return ids, weights


_postings_cache: OrderedDict = OrderedDict()
_postings_cached = 0
POSTINGS_CACHE_ENTRIES = 16_000_000  # ~128 MB of arrays: the frequent terms of a large index stay decoded
_cache_lock = threading.Lock()


def _postings(reader, fieldname: str, text: str | bytes, with_weights: bool):
    """{docnum: frequency} (or the set of docnums) of a term in one segment; decoded postings are cached."""
    global _postings_cached
    key = (_segment_id(reader), fieldname, text)
    with _cache_lock:
        entry = _postings_cache.get(key)
        if entry is not None:
            _postings_cache.move_to_end(key)
    if entry is None:
        entry = _read_postings(reader, fieldname, text)
        with _cache_lock:
            if key not in _postings_cache:
                _postings_cache[key] = entry
                _postings_cached += len(entry[0])
                while _postings_cached > POSTINGS_CACHE_ENTRIES and _postings_cache:
                    _, old = _postings_cache.popitem(last=False)
                    _postings_cached -= len(old[0])
    ids, weights = entry
    return dict(zip(ids, weights, strict=True)) if with_weights else set(ids)


def _cached(key: tuple, compute):
    value = _segment_cache.get(key)
    if value is None:
        if len(_segment_cache) > _SEGMENT_CACHE_MAX:
            _segment_cache.clear()
        value = _segment_cache[key] = compute()
    return value


def _segment_id(reader) -> str:
    return reader.segment().segment_id()


def _term_docs(reader, fieldname: str, text: str) -> frozenset:
    return _cached(
        (_segment_id(reader), "docs", fieldname, text), lambda: frozenset(_postings(reader, fieldname, text, False))
    )


def _range_docs(reader, fieldname: str, low: str, high: str) -> frozenset:
    def compute() -> frozenset:
        docs: set[int] = set()
        for term in reader.lexicon(fieldname):
            value = term.decode("utf-8")
            if low <= value <= high:
                docs |= _postings(reader, fieldname, term, False)
        return frozenset(docs)

    return _cached((_segment_id(reader), "range", fieldname, low, high), compute)


def _norms(reader, avgdl: float) -> list[float]:
    """Per document of a segment: the BM25 length normalisation K1 * (1 - B + B * length / avgdl)."""

    def compute() -> list[float]:
        return [
            K1 * (1 - B + B * reader.doc_field_length(docnum, "content", 0) / avgdl)
            for docnum in range(reader.doc_count_all())
        ]

    return _cached((_segment_id(reader), "norms", round(avgdl, -1)), compute)


def _allowed(reader, restriction: Restriction) -> frozenset[int]:
    def compute() -> frozenset[int]:
        sets = [_term_docs(reader, f, t) for f, t in restriction.required]
        sets += [frozenset().union(*(_term_docs(reader, f, t) for f, t in group)) for group in restriction.any_of]
        sets += [_range_docs(reader, f, low, high) for f, low, high in restriction.ranges]
        sets.sort(key=len)
        allowed = set(sets[0]) if sets else set(range(reader.doc_count_all()))
        for other in sets[1:]:
            allowed &= other
        for fieldname, text in restriction.excluded:
            allowed -= _term_docs(reader, fieldname, text)
        return frozenset(allowed)

    key = (
        _segment_id(reader),
        "allowed",
        tuple(map(tuple, restriction.required)),
        tuple(tuple(map(tuple, group)) for group in restriction.any_of),
        tuple(restriction.ranges),
        tuple(map(tuple, restriction.excluded)),
    )
    allowed = _cached(key, compute)  # a segment's documents never change; only deletions do
    deleted = reader.deleted_docs_set
    return allowed - deleted if deleted else allowed


def rid_column(searcher):
    """docnum → revision id, read from the index's column (kept with the searcher: opening it reads offsets)."""
    column = getattr(searcher, "_carbonms_rid_column", None)
    if column is None:
        reader = searcher.reader()
        # An index without any segment (nothing indexed yet) has Whoosh's EmptyReader, which has no columns.
        column = reader.column_reader("rid") if reader.doc_count_all() else {}
        searcher._carbonms_rid_column = column
    return column


def _unit_postings(searcher, reader, unit: Unit) -> list[tuple[dict, int]]:
    """(postings, document frequency in the whole index) per term of the unit."""
    if unit.mode == "prefix":
        merged: dict[int, float] = {}
        for i, term in enumerate(reader.expand_prefix("content", unit.tokens[0])):
            if i >= MAX_EXPANSIONS:
                break
            for docnum, weight in _postings(reader, "content", term, True).items():
                merged[docnum] = merged.get(docnum, 0.0) + weight
        share = reader.doc_count_all() / max(1, searcher.doc_count_all())
        return [(merged, int(len(merged) / share) if share else len(merged))]
    return [
        (_postings(reader, "content", token, True), searcher.doc_frequency("content", token))
        for token in dict.fromkeys(unit.tokens)
    ]


def evaluate(searcher, units: list[Unit], restriction: Restriction) -> list[tuple[float, int]]:
    """(score, global docnum) of every document that matches all units within the restriction."""
    total_docs = max(1, searcher.doc_count())
    avgdl = searcher.avg_field_length("content", 1.0) or 1.0
    results: list[tuple[float, int]] = []
    for reader, base in searcher.reader().leaf_readers():
        if reader.doc_count_all() == 0:
            continue
        allowed = _allowed(reader, restriction)
        if not allowed:
            continue
        postings = [posting for unit in units for posting in _unit_postings(searcher, reader, unit)]
        postings.sort(key=lambda item: len(item[0]))
        candidates: set[int] | frozenset[int] = allowed
        for posting, _ in postings:
            candidates = posting.keys() & candidates
            if not candidates:
                break
        if not candidates:
            continue
        norms = _norms(reader, avgdl)
        order = list(candidates)
        scores = [0.0] * len(order)
        # Rank by the (at most) four rarest terms: they carry nearly all the weight, and each costs a pass.
        for posting, df in postings[:MAX_SCORED_TERMS]:
            idf = math.log(1 + (total_docs - df + 0.5) / (df + 0.5)) * (K1 + 1)
            tfs = itemgetter(*order)(posting) if len(order) > 1 else (posting[order[0]],)
            lengths = itemgetter(*order)(norms) if len(order) > 1 else (norms[order[0]],)
            scores = list(map(lambda total, tf, norm: total + idf * tf / (tf + norm), scores, tfs, lengths))
        results.extend(zip(scores, (docnum + base for docnum in order), strict=True))
    return results
