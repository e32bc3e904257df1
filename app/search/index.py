"""The Whoosh index: schema, Chinese analysis (CJK bigrams), builds on disk, one writer at a time, cached searchers.

Layout of `settings.index_dir`:
    CURRENT          {"build": "<name>", "schema": SCHEMA_VERSION}: the build searches and writers use
    WRITE.lock       one writer at a time, across threads and processes (held for a whole rebuild)
    <name>/          a Whoosh index; a rebuild writes a new one beside it and then switches CURRENT
"""

import json
import os
import re
import shutil
import threading
import time
import uuid
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dc_field
from itertools import accumulate
from operator import itemgetter
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.reading import TermNotFound
from whoosh.util.filelock import FileLock

from app.config import get_settings

# Raise when the schema or the analysis changes: an index of another version is rebuilt, never read.
SCHEMA_VERSION = 2

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f"
_WORD = "A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
# A run of CJK characters, or a Latin/digit word that may hold inner . _ - / (control numbers, clause numbers).
TOKEN_RE = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[{_WORD}]+(?:[._\-/][{_WORD}]+)*)")
_PART_RE = re.compile(rf"[{_WORD}]+")


def segments(text: str) -> Iterator[tuple[str, str, int, int]]:
    """(kind, text, start, end) for every CJK run ("cjk") and Latin/digit word ("word")."""
    for match in TOKEN_RE.finditer(text):
        kind = "cjk" if match.group("cjk") else "word"
        yield kind, match.group(), match.start(), match.end()


def bigrams(run: str) -> list[str]:
    """Overlapping pairs of a CJK run; a single character stays a unigram."""
    if len(run) == 1:
        return [run]
    return [run[i:i + 2] for i in range(len(run) - 1)]


def _fill(token: Token, text: str, pos: int, startchar: int, endchar: int, positions: bool, chars: bool,
          keeporiginal: bool) -> Token:
    """Reuse Whoosh's one Token object for the next term (the analyzer contract)."""
    token.text = text
    token.boost = 1.0
    if keeporiginal:
        token.original = text
    token.stopped = False
    if positions:
        token.pos = pos
    if chars:
        token.startchar, token.endchar = startchar, endchar
    return token


class CJKBigramTokenizer(Tokenizer):
    """CJK runs → overlapping bigrams (a lone character → unigram); words → one lower-case token, and when they hold
    inner punctuation (P1-CARBON_POLICY-001, 4.1) also their parts, at consecutive positions from the whole word's.

    Holds no state, so Whoosh can pickle it into the schema; keep it at this import path.
    """

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in TOKEN_RE.finditer(value):
            run = match.group()
            start = match.start()
            if match.group("cjk"):
                if len(run) == 1:
                    pieces = [(run, start, start + 1)]
                else:
                    pieces = [(run[i:i + 2], start + i, start + i + 2) for i in range(len(run) - 1)]
                for text, begin, end in pieces:
                    yield _fill(token, text, pos, start_char + begin, start_char + end, positions, chars,
                                keeporiginal)
                    pos += 1
                continue
            words = [(run.lower(), start, match.end(), pos)]
            if len(run) > 1 and not run.isalnum():
                parts = list(_PART_RE.finditer(run))
                if len(parts) > 1:
                    words += [(part.group().lower(), start + part.start(), start + part.end(), pos + i)
                              for i, part in enumerate(parts)]
            for text, begin, end, at in words:
                yield _fill(token, text, at, start_char + begin, start_char + end, positions, chars, keeporiginal)
            pos = words[-1][3] + 1


def make_schema() -> Schema:
    analyzer = CJKBigramTokenizer()
    return Schema(
        rid=ID(stored=True, unique=True, sortable=True),  # revision id (a column: docnum → revision, fast)
        doc=ID(stored=True),  # document id
        park=ID,
        access=ID,
        creator=ID,  # the document's registrant (contributors read their own)
        doc_type=ID,
        kind=ID,
        clauses=KEYWORD(commas=True),
        state=ID(stored=True),
        owner_unit=ID,
        day=ID,  # effective date, else created date, as yyyymmdd (a term range: Whoosh's numeric ranges misbehave)
        stamp=STORED,  # "revision version.document version.state": how `reindex --check` finds stale entries
        # Frequencies only: no positions, so posting blocks decode fast. Quoted phrases are checked in the database.
        content=TEXT(analyzer=analyzer, phrase=False),
    )


# ---- builds on disk -------------------------------------------------------------------------------------------


def index_root() -> Path:
    return get_settings().index_dir


def read_current(root: Path | None = None) -> dict | None:
    root = root or index_root()
    try:
        data = json.loads((root / "CURRENT").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION or not data.get("build"):
        return None
    if not whoosh_index.exists_in(str(root / data["build"])):
        return None
    return data


def is_current(root: Path | None = None) -> bool:
    return read_current(root) is not None


def new_build(root: Path | None = None) -> tuple[str, whoosh_index.FileIndex]:
    root = root or index_root()
    name = f"build-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    path = root / name
    path.mkdir(parents=True, exist_ok=False)
    return name, whoosh_index.create_in(str(path), make_schema())


def activate(name: str, root: Path | None = None) -> None:
    """Point CURRENT at a build (atomically) and remove the other builds."""
    root = root or index_root()
    tmp = root / f"CURRENT.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps({"build": name, "schema": SCHEMA_VERSION}))
    os.replace(tmp, root / "CURRENT")
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith("build-") and child.name != name:
            shutil.rmtree(child, ignore_errors=True)  # open searchers keep their (unlinked) files until closed


def open_current(root: Path | None = None) -> whoosh_index.FileIndex | None:
    root = root or index_root()
    current = read_current(root)
    if current is None:
        return None
    return whoosh_index.open_dir(str(root / current["build"]))


def discard(name: str, root: Path | None = None) -> None:
    shutil.rmtree((root or index_root()) / name, ignore_errors=True)


# ---- one writer at a time -------------------------------------------------------------------------------------

_thread_lock = threading.RLock()


@contextmanager
def write_lock(*, timeout: float = 10.0, root: Path | None = None) -> Iterator[None]:
    """Whoosh's file lock on the index directory, tried with exponential backoff; LockError after `timeout`."""
    root = root or index_root()
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    if not _thread_lock.acquire(timeout=max(timeout, 0.001)):
        raise LockError("search index writer busy")
    try:
        lock = FileLock(str(root / "WRITE.lock"))
        delay = 0.02
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise LockError("search index writer busy")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        try:
            yield
        finally:
            lock.release()
    finally:
        _thread_lock.release()


def open_writer(ix: whoosh_index.FileIndex, *, timeout: float = 10.0, **kwargs: object):  # noqa: ANN201
    """The index's own writer, retried with backoff while another holds Whoosh's lock."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            return ix.writer(**kwargs)
        except LockError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


# ---- searchers, cached per thread and refreshed when the index changes -------------------------------------------

_local = threading.local()


def searcher(*, renew: bool = False):  # noqa: ANN201
    """A searcher of the current build, or None when there is no usable index; `renew` skips this thread's cache."""
    root = index_root()
    current = read_current(root)
    if current is None:
        return None
    cache = getattr(_local, "cache", None)
    key = (str(root), current["build"])
    if not renew and cache is not None and cache[0] == key and cache[1].up_to_date():
        return cache[1]
    if cache is not None:
        try:
            cache[1].close()
        except Exception:  # noqa: BLE001 - an old build's files may be gone already
            pass
    # A whole new reader: Whoosh's refresh() reuses segment readers and then misses newer deletions.
    ix = whoosh_index.open_dir(str(root / current["build"]))
    fresh = ix.searcher()
    _local.cache = (key, fresh)
    return fresh


# ---- fast evaluation ----------------------------------------------------------------------------------------------
#
# Whoosh's matchers walk postings one document at a time in Python; with many matches (common words in a large
# park) that costs ~1 ms per match for a phrase. Queries are therefore evaluated here per segment from whole posting
# blocks: sets and dicts built at C speed, intersected, then scored (BM25) only once per candidate. Segments never
# change once written (deletions are subtracted separately), so per-segment filter sets and lengths are cached.

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


def _leaf(matcher):  # noqa: ANN001, ANN202
    while hasattr(matcher, "child"):  # FilterMatcher (deletions) and other wrappers
        matcher = matcher.child
    return matcher


def _read_postings(reader, fieldname: str, text: str | bytes) -> tuple[array, array]:  # noqa: ANN001
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


def _postings(reader, fieldname: str, text: str | bytes, with_weights: bool):  # noqa: ANN001, ANN202
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


def _cached(key: tuple, compute):  # noqa: ANN001, ANN202
    value = _segment_cache.get(key)
    if value is None:
        if len(_segment_cache) > _SEGMENT_CACHE_MAX:
            _segment_cache.clear()
        value = _segment_cache[key] = compute()
    return value


def _segment_id(reader) -> str:  # noqa: ANN001
    return reader.segment().segment_id()


def _term_docs(reader, fieldname: str, text: str) -> frozenset:  # noqa: ANN001
    return _cached((_segment_id(reader), "docs", fieldname, text),
                   lambda: frozenset(_postings(reader, fieldname, text, False)))


def _range_docs(reader, fieldname: str, low: str, high: str) -> frozenset:  # noqa: ANN001
    def compute() -> frozenset:
        docs: set[int] = set()
        for term in reader.lexicon(fieldname):
            value = term.decode("utf-8")
            if low <= value <= high:
                docs |= _postings(reader, fieldname, term, False)
        return frozenset(docs)

    return _cached((_segment_id(reader), "range", fieldname, low, high), compute)


def _norms(reader, avgdl: float) -> list[float]:  # noqa: ANN001
    """Per document of a segment: the BM25 length normalisation K1 * (1 - B + B * length / avgdl)."""
    def compute() -> list[float]:
        return [K1 * (1 - B + B * reader.doc_field_length(docnum, "content", 0) / avgdl)
                for docnum in range(reader.doc_count_all())]

    return _cached((_segment_id(reader), "norms", round(avgdl, -1)), compute)


def _allowed(reader, restriction: Restriction) -> frozenset[int]:  # noqa: ANN001
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

    key = (_segment_id(reader), "allowed", tuple(map(tuple, restriction.required)),
           tuple(tuple(map(tuple, group)) for group in restriction.any_of), tuple(restriction.ranges),
           tuple(map(tuple, restriction.excluded)))
    allowed = _cached(key, compute)  # a segment's documents never change; only deletions do
    deleted = reader.deleted_docs_set
    return allowed - deleted if deleted else allowed


def rid_column(searcher):  # noqa: ANN001, ANN201
    """docnum → revision id, read from the index's column (kept with the searcher: opening it reads offsets)."""
    column = getattr(searcher, "_carbonms_rid_column", None)
    if column is None:
        reader = searcher.reader()
        # An index without any segment (nothing indexed yet) has Whoosh's EmptyReader, which has no columns.
        column = reader.column_reader("rid") if reader.doc_count_all() else {}
        searcher._carbonms_rid_column = column
    return column


def _unit_postings(searcher, reader, unit: Unit) -> list[tuple[dict, int]]:  # noqa: ANN001
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
    return [(_postings(reader, "content", token, True), searcher.doc_frequency("content", token))
            for token in dict.fromkeys(unit.tokens)]


def evaluate(searcher, units: list[Unit], restriction: Restriction) -> list[tuple[float, int]]:  # noqa: ANN001
    """(score, global docnum) of every document that matches all units within the restriction."""
    import math

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
        candidates = allowed
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
