"""第六章 评审建议: the report's gaps grouped by chapter, one line per document type with the clauses it serves,
and per chapter the actions to take (not one row per clause and type, which repeats a type once per clause).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.readiness import service as readiness
from app.reports.review_data import ReportData

# (status, kind) -> the action, said as the verb before the type's title.
ACTIONS: dict[tuple[str, str], str] = {
    ("missing", "document"): "编制并发布",
    ("missing", "record"): "形成并归档",
    ("overdue", "record"): "按周期形成并归档本期",
    ("review_overdue", "document"): "组织复审并更新",
    ("in_progress", "document"): "完成审核、批准和发布",
    ("in_progress", "record"): "完成确认和归档",
}
DEFAULT_ACTION = "完善"


@dataclass
class Gap:
    doc_type: str
    title_zh: str
    status: str
    kind: str
    reason_zh: str
    clauses: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return ACTIONS.get((self.status, self.kind), DEFAULT_ACTION)

    def named(self) -> str:
        return f"《{self.title_zh}》（{'、'.join(self.clauses)}）"


@dataclass
class ChapterGaps:
    chapter: str
    title_zh: str
    items: int = 0  # clause × type items not met, as readiness counts them
    gaps: dict[str, Gap] = field(default_factory=dict)  # one per document type

    @property
    def heading(self) -> str:
        return f"第{self.chapter}章 {self.title_zh}"

    def actions(self) -> list[tuple[str, list[Gap]]]:
        grouped: dict[str, list[Gap]] = {}
        for gap in self.gaps.values():
            grouped.setdefault(gap.action, []).append(gap)
        return list(grouped.items())

    def action_text(self) -> str:
        return "；".join(f"{verb}{'、'.join(gap.named() for gap in gaps)}" for verb, gaps in self.actions())


def group_gaps(data: ReportData) -> list[ChapterGaps]:
    chapters: dict[str, ChapterGaps] = {}
    for clause, item in data.issues:
        chapter = clause["chapter"]
        group = chapters.get(chapter)
        if group is None:
            title = readiness.CHAPTER_TITLES.get(chapter, (chapter, chapter))[0]
            group = chapters[chapter] = ChapterGaps(chapter, title)
        group.items += 1
        gap = group.gaps.get(item["doc_type"])
        if gap is None:
            gap = group.gaps[item["doc_type"]] = Gap(
                item["doc_type"], item["title_zh"], item["status"], item["kind"], item["reason_zh"]
            )
        if clause["id"] not in gap.clauses:
            gap.clauses.append(clause["id"])
    order = {chapter: index for index, chapter in enumerate(readiness.READINESS_CHAPTERS)}
    return sorted(chapters.values(), key=lambda group: (order.get(group.chapter, 99), group.chapter))


def gap_line(gap: Gap) -> str:
    label = readiness.ITEM_STATUS_LABELS.get(gap.status, (gap.status,))[0]
    return f"{gap.named()}：{label}，{gap.reason_zh}"
