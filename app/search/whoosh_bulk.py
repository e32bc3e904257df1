"""A rebuild of the Whoosh index at bulk speed: a pool of processes each reads its revisions from the database and
writes whole segments of the new build; the parent only collects the segments and writes the table of contents once.

Whoosh's own SegmentWriter pickles every posting into sorted runs on disk and reads each document's length back from
disk for every posting; here a segment's postings are gathered in memory per term (the terms already counted by
`index.content_counts`) and written in term order, so a segment of `SEGMENT_DOCS` revisions costs one pass. The
entries are the same as the ordinary writer's (tests/search/test_whoosh_scale.py compares the two indexes).
"""

import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC
from whoosh.system import emptybytes, pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from app.db import _engines, session_scope
from app.search import postings_arrays
from app.search.entries import Lookups, load_documents, revision_chunks
from app.search.index import content_counts

SEGMENT_DOCS = 4000  # revisions per segment: ~25 segments at 100,000 revisions, ~0.5 GB of postings per worker
TASK_DOCS = 500  # revisions read from the database at a time


class BulkSegmentWriter(SegmentWriter):
    """One new segment, postings kept in memory per term and written in order at `finish()` (no sorted runs)."""

    def __init__(self, ix: whoosh_index.FileIndex) -> None:
        super().__init__(ix, _lk=False)
        self._postings: dict[tuple[str, str], list[tuple[int, float, bytes]]] = {}
        self._content: dict[str, list[int]] = {}  # term → docnum, frequency, docnum, frequency, …
        self._lengths: list[int] = []  # the content length of each docnum, rounded as Whoosh stores it

    def add_document(self, **fields: object) -> None:
        docnum = self.docnum
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        content_length = 0
        for fieldname in sorted(fields):
            value = fields[fieldname]
            if value is None:
                continue
            field = self.schema[fieldname]
            length = 0
            if fieldname == "content":
                counts = content_counts(str(value))
                postings = self._content
                for term, freq in counts.items():
                    entry = postings.get(term)
                    if entry is None:
                        postings[term] = [docnum, freq]
                    else:
                        entry.append(docnum)
                        entry.append(freq)
                length = content_length = counts.total()
            elif field.indexed:
                for tbytes, freq, weight, vbytes in field.index(value):
                    if field.scorable:
                        length += freq
                    self._postings.setdefault((fieldname, tbytes.decode("utf-8")), []).append((docnum, weight, vbytes))
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._lengths.append(byte_to_length(length_to_byte(content_length)) if content_length else 0)
        self.docnum += 1

    def finish(self):
        """Write the postings (fields and terms in byte order, as Whoosh reads them) and close the segment."""
        self.perdocwriter.close()
        writer = self.fieldwriter
        lengths = self._lengths
        keys = sorted([*self._postings, *(("content", term) for term in self._content)])
        current = None
        for fieldname, term in keys:
            if fieldname != current:
                if current is not None:
                    writer.finish_field()
                writer.start_field(fieldname, self.schema[fieldname])
                current = fieldname
            writer.start_term(term.encode("utf-8"))
            if fieldname == "content":
                flat = self._content[term]
                for i in range(0, len(flat), 2):
                    docnum, freq = flat[i], flat[i + 1]
                    writer.add(docnum, float(freq), pack_uint(freq), lengths[docnum])
            else:
                for docnum, weight, vbytes in self._postings[(fieldname, term)]:
                    writer.add(docnum, weight, vbytes or emptybytes, 0)
            writer.finish_term()
        if current is not None:
            writer.finish_field()
        writer.close()
        self._postings.clear()
        self._assemble_segment()  # before the arrays: it packs every file named after the segment into one
        segment = self.get_segment()
        content = self._content
        listed = ((term, content[term]) for term in sorted(content))
        postings_arrays.write(Path(self.storage.folder), segment.segment_id(), listed)
        content.clear()
        self.is_closed = True
        return segment


_progress_queue = None  # in a worker: where it reports the revisions it has read (the parent's progress bar)


def _start_worker(progress_queue) -> None:
    """In a forked worker: new database connections of its own (the parent's stay untouched), and the progress queue."""
    global _progress_queue
    for engine in _engines.values():
        engine.dispose(close=False)
    _progress_queue = progress_queue


def write_segment(build_dir: str, chunks: list[list[int]], report: Callable[[int], None] | None = None):
    """One segment of the build from these revisions (read from the database here); returns it."""
    ix = whoosh_index.open_dir(build_dir)
    writer = BulkSegmentWriter(ix)
    with session_scope(write=False) as session:
        lookups = Lookups(session)
        for ids in chunks:
            for document in load_documents(session, ids, lookups):
                writer.add_document(**document)
            session.expunge_all()
            if report is not None:
                report(len(ids))
            elif _progress_queue is not None:
                _progress_queue.put(len(ids))
    return writer.finish()


def build_segments(
    build_dir: Path, *, procs: int, progress: Callable[[int], None] | None = None, segment_docs: int | None = None
) -> int:
    """Fill an empty build with every revision, `procs` segments at a time; returns how many revisions."""
    segment_docs = segment_docs or SEGMENT_DOCS
    ix = whoosh_index.open_dir(str(build_dir))
    # Whoosh's writer makes this folder on start; made here once so the workers do not race to make it.
    (build_dir / f"{ix.indexname}.tmp").mkdir(exist_ok=True)
    segments: list = []
    seen = [0]

    def count(done: int) -> None:
        seen[0] += done
        if progress:
            progress(done)

    if procs <= 1:
        segments = [write_segment(str(build_dir), group, count) for group in _groups(segment_docs)]
    else:
        # fork: the workers inherit the settings (and a test's patched ones) without re-importing the app
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        reports = context.SimpleQueue()
        with ProcessPoolExecutor(procs, mp_context=context, initializer=_start_worker, initargs=(reports,)) as pool:
            running: set[Future] = set()
            for group in _groups(segment_docs):
                while len(running) >= procs * 2:  # a bounded queue: ids of the whole park are never all in flight
                    _collect(running, segments, reports, count)
                running.add(pool.submit(write_segment, str(build_dir), group))
            while running:
                _collect(running, segments, reports, count)
        _drain(reports, count)
    segments = [segment for segment in segments if segment.doc_count()]
    TOC(ix.schema, segments, 1).write(ix.storage, ix.indexname)
    ix.close()
    shutil.rmtree(build_dir / f"{ix.indexname}.tmp", ignore_errors=True)
    return seen[0]


def _groups(segment_docs: int) -> Iterator[list[list[int]]]:
    group: list[list[int]] = []
    size = 0
    for ids in revision_chunks(TASK_DOCS):
        group.append(ids)
        size += len(ids)
        if size >= segment_docs:
            yield group
            group, size = [], 0
    if group:
        yield group


def _drain(reports, count: Callable[[int], None]) -> None:
    while not reports.empty():
        count(reports.get())


def _collect(running: set[Future], segments: list, reports, count: Callable[[int], None]) -> None:
    """Wait a moment for a segment, passing on the workers' progress meanwhile."""
    done, _ = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
    _drain(reports, count)
    for future in done:
        running.discard(future)
        segments.append(future.result())
