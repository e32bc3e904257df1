"""Comparing two revisions of a document: their extracted text as insertions and deletions, and a .docx with real
Word tracked changes (w:ins / w:del), beside both change reasons.

The diff works on lines first, then on characters within the lines that changed: Chinese has no spaces between
words, so characters are the natural unit, and matching lines first keeps unchanged paragraphs whole.
"""

import io
import re
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from sqlmodel import Session

from app import timezones
from app.common import as_utc
from app.documents import service
from app.documents.lifecycle import STATE_LABELS
from app.documents.models import Document, Revision, RevisionText
from app.documents.schemas import ComparedRevision, DiffSegment, RevisionComparison
from app.docx_reports import new_report_document, set_east_asian_font
from app.errors import Invalid
from app.parks.queries import park_time_zone
from app.users.models import User

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
# The character diff is quadratic on unrelated text (measured: 5,000 characters a side 0.12 s, 20,000 1.8 s, 50,000
# 15 s); a longer replaced block is shown as deleted and inserted whole.
CHAR_DIFF_LIMIT = 8_000
# Characters XML 1.0 cannot hold (extracted text may carry them): left out of the .docx only.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Segment:
    op: str
    text: str


def _append(out: list[Segment], op: str, text: str) -> None:
    if not text:
        return
    if out and out[-1].op == op:
        out[-1] = Segment(op, out[-1].text + text)
    else:
        out.append(Segment(op, text))


def _one_final_break(text: str) -> str:
    return text.rstrip("\n") + "\n" if text.strip() else ""


def diff_segments(old: str, new: str) -> list[Segment]:
    """`old` → `new` as equal / delete / insert segments; joining equal+delete gives `old`, equal+insert `new`
    (each text ending in one line break: a trailing break means nothing in a document)."""
    old, new = _one_final_break(old), _one_final_break(new)
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if tag == "equal":
            _append(out, EQUAL, before)
        elif tag == "delete":
            _append(out, DELETE, before)
        elif tag == "insert":
            _append(out, INSERT, after)
        elif len(before) > CHAR_DIFF_LIMIT or len(after) > CHAR_DIFF_LIMIT:  # too long to diff by character
            _append(out, DELETE, before)
            _append(out, INSERT, after)
        else:  # replaced lines: what changed inside them, character by character
            chars = SequenceMatcher(None, before, after, autojunk=False)
            for op, a1, a2, b1, b2 in chars.get_opcodes():
                if op == "equal":
                    _append(out, EQUAL, before[a1:a2])
                else:
                    _append(out, DELETE, before[a1:a2])
                    _append(out, INSERT, after[b1:b2])
    return out


def _text_of(session: Session, revision: Revision) -> str:
    row = session.get(RevisionText, revision.id)
    if row is None or not row.text.strip():
        raise Invalid(
            f"第 {revision.number} 版没有可比较的文本（只能比较能提取文字的 .docx 或 .pdf）",
            f"Revision {revision.number} has no text to compare (only .docx and .pdf with text can be compared)",
        )
    return row.text


def _compared(session: Session, revision: Revision) -> ComparedRevision:
    preparer = session.get(User, revision.preparer_id)
    assert revision.id is not None  # a stored row
    return ComparedRevision(
        id=revision.id,
        number=revision.number,
        state=str(revision.state),
        change_reason=revision.change_reason,
        preparer_name=preparer.full_name if preparer else "",
        created_at=as_utc(revision.created_at),
    )


def compare_revisions(
    session: Session, *, user: User, document_id: int, from_id: int, to_id: int
) -> tuple[Document, RevisionComparison]:
    """Two revisions of one document the user may read, compared; another document's, another park's or a revision
    without text → a clear 4xx."""
    document = service.get_document(session, document_id=document_id, user=user)
    old = service.get_revision(session, revision_id=from_id, user=user)
    new = service.get_revision(session, revision_id=to_id, user=user)
    for revision in (old, new):
        if revision.document_id != document.id:
            raise Invalid(
                f"版本 {revision.id} 不属于文件 {document.control_no}，只能比较同一文件的两个版本",
                f"Revision {revision.id} belongs to another document: compare two revisions of one document",
            )
    if old.id == new.id:
        raise Invalid("请选择两个不同的版本进行比较", "Choose two different revisions to compare")
    segments = diff_segments(_text_of(session, old), _text_of(session, new))
    assert document.id is not None  # a stored row
    comparison = RevisionComparison(
        document_id=document.id,
        control_no=document.control_no,
        title=document.title,
        from_revision=_compared(session, old),
        to_revision=_compared(session, new),
        segments=[DiffSegment(op=s.op, text=s.text) for s in segments],
        inserted_chars=sum(len(s.text) for s in segments if s.op == INSERT),
        deleted_chars=sum(len(s.text) for s in segments if s.op == DELETE),
    )
    return document, comparison


def _w_date(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


class _TrackedWriter:
    """Writes segments into paragraphs, wrapping insertions in w:ins and deletions in w:del (author and date)."""

    def __init__(self, document: Any, author: str, when: datetime) -> None:
        self.document = document
        self.author = author
        self.date = _w_date(when)
        self.next_id = 1
        self.paragraph = document.add_paragraph()

    def _run(self, text: str, deleted: bool) -> Any:
        run = OxmlElement("w:r")
        r_pr = OxmlElement("w:rPr")
        fonts = OxmlElement("w:rFonts")
        fonts.set(qn("w:eastAsia"), "宋体")
        r_pr.append(fonts)
        run.append(r_pr)
        node = OxmlElement("w:delText" if deleted else "w:t")
        node.set(qn("xml:space"), "preserve")
        node.text = _NOT_IN_XML.sub("", text)
        run.append(node)
        return run

    def _revision_mark(self, tag: str) -> Any:
        mark = OxmlElement(tag)
        mark.set(qn("w:id"), str(self.next_id))
        mark.set(qn("w:author"), self.author)
        mark.set(qn("w:date"), self.date)
        self.next_id += 1
        return mark

    def write(self, op: str, text: str) -> None:
        for index, piece in enumerate(text.split("\n")):
            if index:
                self.paragraph = self.document.add_paragraph()
            if not piece:
                continue
            if op == EQUAL:
                self.paragraph._p.append(self._run(piece, deleted=False))
            else:
                mark = self._revision_mark("w:ins" if op == INSERT else "w:del")
                mark.append(self._run(piece, deleted=op == DELETE))
                self.paragraph._p.append(mark)


def comparison_docx(session: Session, comparison: RevisionComparison, park_id: int) -> bytes:
    """The comparison as a .docx whose differences are Word revisions (审阅 → 修订),
    by the newer revision's preparer."""
    zone = park_time_zone(session, park_id)
    document = new_report_document()
    old, new = comparison.from_revision, comparison.to_revision
    document.add_heading(f"{comparison.control_no} {comparison.title}：第 {old.number} 版与第 {new.number} 版比较", 1)
    for revision in (old, new):
        state_zh = STATE_LABELS[revision.state][0]
        line = document.add_paragraph()
        line.add_run(f"第 {revision.number} 版（{state_zh}，{revision.preparer_name} 编制于 ")
        line.add_run(f"{timezones.fmt_time(revision.created_at, zone)}）变更原因：").bold = True
        line.add_run(revision.change_reason or "（未填写）")
    note = document.add_paragraph(
        f"以下正文以修订方式显示第 {new.number} 版相对第 {old.number} 版的改动：插入 {comparison.inserted_chars} 字，"
        f"删除 {comparison.deleted_chars} 字。在 Word 中可逐条接受或拒绝。"
    )
    set_east_asian_font(note.runs[0]._r, "宋体")
    document.add_heading("正文比较", 2)
    writer = _TrackedWriter(document, new.preparer_name or "carbonms", new.created_at)
    for segment in comparison.segments:
        writer.write(segment.op, segment.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
