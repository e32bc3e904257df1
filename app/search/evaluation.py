"""Fast evaluation of queries against the index: per segment, from whole posting blocks, scored with BM25.

Whoosh's matchers walk postings one document at a time in Python; with many matches (common words in a large park)
that costs ~1 ms per match. Queries are therefore evaluated here per segment on numpy arrays: each term's postings
decoded once into sorted (docnum, frequency) arrays and cached, the filters (park, access, state, type, …) a cached
boolean mask per segment, candidates intersected by binary search and scored (BM25) in C. What comes back is two
arrays (`Matches`): counting them is free and only the page asked for is ranked (`Matches.top`).
Segments never change once written (deletions are subtracted separately), so per-segment masks and lengths are cached.
"""

import math
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field as dc_field
from itertools import accumulate

import numpy as np
from whoosh.reading import TermNotFound

from app.search import postings_arrays

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


@dataclass
class Matches:
    """Every match of a query: global docnums and their scores, as arrays (no Python object per match)."""

    docnums: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.docnums)

    def top(self, n: int) -> list[tuple[float, int]]:
        """The best `n` as (score, docnum), best first; equal scores by the later docnum first (the newer entry)."""
        count = len(self.docnums)
        if count == 0 or n <= 0:
            return []
        scores, docnums = self.scores, self.docnums
        if n < count:
            threshold = np.partition(scores, count - n)[count - n]
            keep = scores >= threshold  # ties at the threshold all stay, so the order below is exact
            scores, docnums = scores[keep], docnums[keep]
        order = np.lexsort((-docnums, -scores))[:n]
        return list(zip(scores[order].tolist(), docnums[order].tolist(), strict=True))

    def all_docnums(self) -> list[int]:
        return self.docnums.tolist()


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


def _postings(reader, fieldname: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
    """(sorted docnums, frequencies) of a term in one segment as numpy arrays: a frequent content term of a rebuild
    segment from its arrays (postings_arrays.py), any other decoded from Whoosh's blocks and cached."""
    global _postings_cached
    folder = _folder(reader) if fieldname == "content" else None
    if folder is not None:
        arrays = postings_arrays.for_segment(folder, _segment_id(reader))
        listed = arrays.get(text if isinstance(text, str) else text.decode("utf-8")) if arrays is not None else None
        if listed is not None:
            return listed
    key = (_segment_id(reader), fieldname, text)
    with _cache_lock:
        entry = _postings_cache.get(key)
        if entry is not None:
            _postings_cache.move_to_end(key)
    if entry is None:
        ids, weights = _read_postings(reader, fieldname, text)
        entry = (np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64))
        with _cache_lock:
            if key not in _postings_cache:
                _postings_cache[key] = entry
                _postings_cached += len(entry[0])
                while _postings_cached > POSTINGS_CACHE_ENTRIES and _postings_cache:
                    _, old = _postings_cache.popitem(last=False)
                    _postings_cached -= len(old[0])
    return entry


def _cached(key: tuple, compute):
    value = _segment_cache.get(key)
    if value is None:
        if len(_segment_cache) > _SEGMENT_CACHE_MAX:
            _segment_cache.clear()
        value = _segment_cache[key] = compute()
    return value


def _segment_id(reader) -> str:
    return reader.segment().segment_id()


def _folder(reader) -> str | None:
    """The index folder of a segment's reader (a compound segment's storage overlays the folder's), if on disk."""
    storage = reader.storage()
    return getattr(getattr(storage, "b", storage), "folder", None)


def _term_mask(reader, fieldname: str, text: str) -> np.ndarray:
    """The segment's documents holding an exact term (a filter field), as a boolean mask."""

    def compute() -> np.ndarray:
        mask = np.zeros(reader.doc_count_all(), dtype=bool)
        mask[_postings(reader, fieldname, text)[0]] = True
        return mask

    return _cached((_segment_id(reader), "mask", fieldname, text), compute)


def _range_mask(reader, fieldname: str, low: str, high: str) -> np.ndarray:
    def compute() -> np.ndarray:
        mask = np.zeros(reader.doc_count_all(), dtype=bool)
        for term in reader.lexicon(fieldname):
            if low <= term.decode("utf-8") <= high:
                mask[_postings(reader, fieldname, term)[0]] = True
        return mask

    return _cached((_segment_id(reader), "range", fieldname, low, high), compute)


def _norms(reader, avgdl: float) -> np.ndarray:
    """Per document of a segment: the BM25 length normalisation K1 * (1 - B + B * length / avgdl)."""

    def compute() -> np.ndarray:
        lengths = np.array(
            [reader.doc_field_length(docnum, "content", 0) for docnum in range(reader.doc_count_all())],
            dtype=np.float64,
        )
        return K1 * (1 - B + B * lengths / avgdl)

    return _cached((_segment_id(reader), "norms", round(avgdl, -1)), compute)


def _allowed(reader, restriction: Restriction) -> np.ndarray:
    """The filter of one (park, user scope, filters) in one segment: a cached mask, less this searcher's deletions."""

    def compute() -> np.ndarray:
        masks = [_term_mask(reader, f, t) for f, t in restriction.required]
        masks += [np.logical_or.reduce([_term_mask(reader, f, t) for f, t in group]) for group in restriction.any_of]
        masks += [_range_mask(reader, f, low, high) for f, low, high in restriction.ranges]
        allowed = np.logical_and.reduce(masks) if masks else np.ones(reader.doc_count_all(), dtype=bool)
        for fieldname, text in restriction.excluded:
            allowed = allowed & ~_term_mask(reader, fieldname, text)
        return allowed

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
    if deleted:
        allowed = allowed.copy()
        allowed[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
    return allowed


def rid_column(searcher):
    """docnum → revision id, read from the index's column (kept with the searcher: opening it reads offsets)."""
    column = getattr(searcher, "_carbonms_rid_column", None)
    if column is None:
        reader = searcher.reader()
        # An index without any segment (nothing indexed yet) has Whoosh's EmptyReader, which has no columns.
        column = reader.column_reader("rid") if reader.doc_count_all() else {}
        searcher._carbonms_rid_column = column
    return column


def _doc_frequency(searcher, token: str) -> int:
    """In the whole index; kept with the searcher (a sum over every segment's term info)."""
    cache = getattr(searcher, "_carbonms_doc_frequency", None)
    if cache is None:
        cache = searcher._carbonms_doc_frequency = {}
    value = cache.get(token)
    if value is None:
        value = cache[token] = searcher.doc_frequency("content", token)
    return value


def _unit_postings(searcher, reader, unit: Unit) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(docnums, frequencies, document frequency in the whole index) per term of the unit."""
    if unit.mode == "prefix":
        ids, weights = [], []
        for i, term in enumerate(reader.expand_prefix("content", unit.tokens[0])):
            if i >= MAX_EXPANSIONS:
                break
            term_ids, term_weights = _postings(reader, "content", term)
            ids.append(term_ids)
            weights.append(term_weights)
        if not ids:
            return [(np.zeros(0, dtype=np.int64), np.zeros(0), 0)]
        merged, inverse = np.unique(np.concatenate(ids), return_inverse=True)
        tfs = np.bincount(inverse, weights=np.concatenate(weights))
        share = reader.doc_count_all() / max(1, searcher.doc_count_all())
        return [(merged, tfs, int(len(merged) / share) if share else len(merged))]
    return [
        (*_postings(reader, "content", token), _doc_frequency(searcher, token)) for token in dict.fromkeys(unit.tokens)
    ]


def _positions(ids: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each candidate sits in the sorted `ids`, and whether it is there at all."""
    at = np.searchsorted(ids, candidates)
    at[at >= len(ids)] = 0
    return at, ids[at] == candidates


def evaluate(searcher, units: list[Unit], restriction: Restriction) -> Matches:
    """Every document that matches all units within the restriction, with its score."""
    total_docs = max(1, searcher.doc_count())
    avgdl = searcher.avg_field_length("content", 1.0) or 1.0
    found_docnums: list[np.ndarray] = []
    found_scores: list[np.ndarray] = []
    for reader, base in searcher.reader().leaf_readers():
        if reader.doc_count_all() == 0:
            continue
        allowed = _allowed(reader, restriction)
        postings = [posting for unit in units for posting in _unit_postings(searcher, reader, unit)]
        postings.sort(key=lambda item: len(item[0]))
        if not len(postings[0][0]):
            continue
        candidates = postings[0][0][allowed[postings[0][0]]]
        for ids, _, _ in postings[1:]:
            if not len(candidates):
                break
            if not len(ids):
                candidates = ids
                break
            candidates = candidates[_positions(ids, candidates)[1]]
        if not len(candidates):
            continue
        norms = _norms(reader, avgdl)[candidates]
        scores = np.zeros(len(candidates))
        # Rank by the (at most) four rarest terms: they carry nearly all the weight, and each costs a pass.
        for ids, tfs, df in postings[:MAX_SCORED_TERMS]:
            idf = math.log(1 + (total_docs - df + 0.5) / (df + 0.5)) * (K1 + 1)
            tf = tfs[_positions(ids, candidates)[0]]
            scores += idf * tf / (tf + norms)
        found_docnums.append(candidates + base)
        found_scores.append(scores)
    if not found_docnums:
        return Matches(np.zeros(0, dtype=np.int64), np.zeros(0))
    return Matches(np.concatenate(found_docnums), np.concatenate(found_scores))
