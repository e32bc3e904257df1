"""A rebuild segment's frequent content postings as flat arrays beside the segment, read without decoding.

Reading a term's postings from Whoosh means unpickling and inflating one block of 128 postings at a time in Python:
~250 ns a posting, so a pair of Han characters found in 40,000 revisions of a large park costs ~10 ms before any
work is done, and a query meets several such pairs in every segment (profiled at 100,000 revisions: 5.0 of 9.1 s of
100 queries). The bulk writer (whoosh_bulk.py) already holds each content term's postings in memory when it closes a
segment, so it also writes them once as arrays:

    <segment id>.pstd.npy   docnums (uint16, or uint32 in a segment of more than 65,536 documents), every listed
                            term's postings one after another
    <segment id>.pstf.npy   their frequencies (uint16, or float32 where one exceeds 65,535)
    <segment id>.pstt.json  {"version", "terms", "starts"}: term i's postings are [starts[i], starts[i + 1])

The arrays are memory-mapped by searchers, so a term costs a slice. Only terms with at least MIN_POSTINGS postings
are listed: rarer ones decode quickly from Whoosh's blocks, and the file stays a fraction of the segment's size.
Segments never change once written (deletions are kept apart), so the arrays never go stale. The names start with
the segment's id, so Whoosh's own clean-up removes them with their segment after a merge. The JSON file is written
last, by rename: a segment without it (an incremental one, or a write cut short) is read through Whoosh.
"""

import json
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

VERSION = 1
MIN_POSTINGS = 256
_SUFFIXES = {"docnums": ".pstd.npy", "frequencies": ".pstf.npy", "terms": ".pstt.json"}
_opened: dict[tuple[str, str], "SegmentPostings | None"] = {}
_opened_lock = threading.Lock()
_OPENED_MAX = 4096


class SegmentPostings:
    """One segment's listed terms: term → (docnums, frequencies), slices of memory-mapped arrays."""

    def __init__(self, terms: list[str], starts: list[int], docnums: np.ndarray, frequencies: np.ndarray) -> None:
        self._where = {term: (starts[i], starts[i + 1]) for i, term in enumerate(terms)}
        self._docnums = docnums
        self._frequencies = frequencies

    def __contains__(self, term: str) -> bool:
        return term in self._where

    def get(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        span = self._where.get(term)
        if span is None:
            return None
        start, end = span
        return self._docnums[start:end].astype(np.int64), self._frequencies[start:end].astype(np.float64)


def paths(folder: Path, segment_id: str) -> dict[str, Path]:
    return {kind: folder / f"{segment_id}{suffix}" for kind, suffix in _SUFFIXES.items()}


def write(folder: Path, segment_id: str, postings: Iterable[tuple[str, list[int]]]) -> int:
    """Write the arrays of a new segment from (term, [docnum, frequency, docnum, frequency, …]) in term order;
    returns how many terms were listed."""
    target = paths(folder, segment_id)
    terms: list[str] = []
    starts = [0]
    pieces: list[np.ndarray] = []
    for term, flat in postings:
        if len(flat) < 2 * MIN_POSTINGS:
            continue
        pieces.append(np.asarray(flat, dtype=np.int64).reshape(-1, 2))
        terms.append(term)
        starts.append(starts[-1] + len(pieces[-1]))
    if not terms:
        return 0
    pairs = np.concatenate(pieces)
    np.save(target["docnums"], pairs[:, 0].astype(_narrowest(pairs[:, 0], np.uint32)))
    np.save(target["frequencies"], pairs[:, 1].astype(_narrowest(pairs[:, 1], np.float32)))
    partial = target["terms"].with_name(target["terms"].name + ".part")
    partial.write_text(json.dumps({"version": VERSION, "terms": terms, "starts": starts}, ensure_ascii=False))
    partial.replace(target["terms"])
    return len(terms)


def _narrowest(values: np.ndarray, wide: type) -> type:
    """Two bytes a value where they hold every one (a rebuild segment has 4,000 revisions), else `wide`."""
    return np.uint16 if int(values.max()) <= np.iinfo(np.uint16).max else wide


def _load(folder: Path, segment_id: str) -> SegmentPostings | None:
    target = paths(folder, segment_id)
    try:
        table = json.loads(target["terms"].read_text())
        if table.get("version") != VERSION:
            return None
        docnums = np.load(target["docnums"], mmap_mode="r")
        frequencies = np.load(target["frequencies"], mmap_mode="r")
    except (OSError, ValueError):  # no arrays for this segment (or unreadable ones): read through Whoosh
        return None
    if len(docnums) != table["starts"][-1] or len(frequencies) != len(docnums):
        return None
    return SegmentPostings(table["terms"], table["starts"], docnums, frequencies)


def for_segment(folder: str | Path, segment_id: str) -> SegmentPostings | None:
    """The segment's arrays, opened once per process (a segment's files never change), or None.

    A new build's folder drops the maps of the others, so the files a rebuild replaced do not stay mapped."""
    key = (str(folder), segment_id)
    with _opened_lock:
        if key in _opened:
            return _opened[key]
    loaded = _load(Path(folder), segment_id)
    with _opened_lock:
        if len(_opened) >= _OPENED_MAX or any(other != key[0] for other, _ in _opened):
            _opened.clear()
        _opened[key] = loaded
    return loaded
