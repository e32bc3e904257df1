"""The Whoosh index: schema, Chinese analysis (CJK bigrams), builds on disk, one writer at a time, cached searchers.

Layout of `settings.index_dir`:
    CURRENT          {"build": "<name>", "schema": SCHEMA_VERSION}: the build searches and writers use
    WRITE.lock       one writer at a time, across threads and processes (held for a whole rebuild)
    <name>/          a Whoosh index; a rebuild writes a new one beside it and then switches CURRENT

Queries are evaluated against a searcher in app.search.evaluation.
"""

import json
import re
import secrets
import shutil
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from operator import add
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.base import Segment
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.system import pack_uint
from whoosh.util.filelock import FileLock

from app.config import get_settings

SEGMENT_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _unrepeatable_segment_id(cls: type, size: int = 16) -> str:
    return "".join(secrets.choice(SEGMENT_ID_CHARS) for _ in range(size))


# Whoosh names each new segment from the global `random` generator, which a test framework (Hypothesis seeds it for
# every example) or any library may seed: two segments, of one index or of two, could then get one name, and
# evaluation.py caches decoded postings and filter masks by segment name. The OS's generator cannot be re-seeded.
Segment._random_id = classmethod(_unrepeatable_segment_id)

# Raise when the schema or the analysis changes: an index of another version is rebuilt, never read.
SCHEMA_VERSION = 3

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
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _fill(
    token: Token, text: str, pos: int, startchar: int, endchar: int, positions: bool, chars: bool, keeporiginal: bool
) -> Token:
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

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
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
                    pieces = [(run[i : i + 2], start + i, start + i + 2) for i in range(len(run) - 1)]
                for text, begin, end in pieces:
                    yield _fill(token, text, pos, start_char + begin, start_char + end, positions, chars, keeporiginal)
                    pos += 1
                continue
            words = [(run.lower(), start, match.end(), pos)]
            if len(run) > 1 and not run.isalnum():
                parts = list(_PART_RE.finditer(run))
                if len(parts) > 1:
                    words += [
                        (part.group().lower(), start + part.start(), start + part.end(), pos + i)
                        for i, part in enumerate(parts)
                    ]
            for text, begin, end, at in words:
                yield _fill(token, text, at, start_char + begin, start_char + end, positions, chars, keeporiginal)
            pos = words[-1][3] + 1


def content_counts(text: str) -> Counter[str]:
    """{term: frequency} of a text, exactly the terms CJKBigramTokenizer yields, counted at C speed (no Token per
    term): the indexing hot path. tests/search/test_whoosh_scale.py holds the two to the same answer."""
    counts: Counter[str] = Counter()
    for match in TOKEN_RE.finditer(text):
        run = match.group()
        if match.group("cjk"):
            if len(run) == 1:
                counts[run] += 1
            else:
                counts.update(map(add, run, run[1:]))  # the overlapping pairs
            continue
        counts[run.lower()] += 1
        if len(run) > 1 and not run.isalnum():
            parts = _PART_RE.findall(run)
            if len(parts) > 1:
                counts.update(part.lower() for part in parts)
    return counts


class BigramText(TEXT):
    """The content field: terms counted by `content_counts` instead of one Token object per term (3× faster)."""

    def index(self, value: str, **kwargs: object) -> list[tuple[bytes, int, float, bytes]]:
        counts = content_counts(value)
        return [(term.encode("utf-8"), freq, float(freq), pack_uint(freq)) for term, freq in counts.items()]


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
        content=BigramText(analyzer=analyzer, phrase=False),
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
    Path(tmp).replace(root / "CURRENT")
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


def open_writer(ix: whoosh_index.FileIndex, *, timeout: float = 10.0, **kwargs: object):
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


# ---- merging: the small segments of incremental commits, never the large ones of a rebuild -----------------------

SMALL_SEGMENT = 1000  # revisions: a segment below this is merged with others like it
MERGE_AT = 8  # small segments before some are merged


def merge_small_segments(writer, segments: list) -> list:
    """A Whoosh merge policy: once MERGE_AT small segments exist, merge the smallest (up to SMALL_SEGMENT revisions
    in all) into the new one. Whoosh's own MERGE_SMALL would, at ~20 rebuild segments, merge most of the index
    (re-adding every posting, minutes at 100,000 revisions) in one incremental commit."""
    small = sorted((s for s in segments if s.doc_count_all() < SMALL_SEGMENT), key=lambda s: s.doc_count_all())
    if len(small) < MERGE_AT:
        return segments
    merged: list = []
    total = 0
    for segment in small:
        if merged and total + segment.doc_count_all() > SMALL_SEGMENT:
            break
        merged.append(segment)
        total += segment.doc_count_all()
    if len(merged) < 2:
        return segments
    from whoosh.reading import SegmentReader

    for segment in merged:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in merged]


# ---- searchers, cached per thread and refreshed when the index changes -------------------------------------------

_local = threading.local()


def searcher(*, renew: bool = False):
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
        with suppress(Exception):
            cache[1].close()
    # A whole new reader: Whoosh's refresh() reuses segment readers and then misses newer deletions.
    ix = whoosh_index.open_dir(str(root / current["build"]))
    fresh = ix.searcher()
    _local.cache = (key, fresh)
    return fresh
