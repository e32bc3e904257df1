"""Completion (7.1 完成情况): each target's actual value against its target value and the baseline in force, with
the status of `status.py` and its rule shown; the 《目标和指标完成情况检查表》 generated from these rows and filed as
the TARGET_COMPLETION_CHECKLIST record of a year in one step.

Values come from `calculation.indicator_values` (the inventory read once per year for every indicator), so a
completion row always agrees with the indicator's trail.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from app import docx_reports
from app.documents import records_service
from app.documents import service as documents
from app.documents.models import Document
from app.errors import Forbidden, Invalid
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory.calculation import display
from app.labels import label_zh
from app.performance.calculation import IndicatorValue, indicator_values
from app.performance.measures import MeasureView, list_measures, park_today, views
from app.performance.models import Baseline, Indicator, Target
from app.performance.objectives import check_year, list_objectives, list_targets, require_editor
from app.performance.queries import baselines_in_force
from app.performance.status import RULE_EN, RULE_ZH, StatusResult, target_status
from app.users.models import Park, Role, User

CHECKLIST_TYPE = "TARGET_COMPLETION_CHECKLIST"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Completion:
    target: Target
    indicator: Indicator
    objective_title: str
    baseline: Baseline | None  # the version in force (approved through the document lifecycle)
    result: StatusResult
    judged: IndicatorValue | None  # the value the status was judged on, with its trail
    values: dict[int, IndicatorValue]  # every year from the earliest of start and base year to the year asked
    measures: list[MeasureView]

    @property
    def against_baseline(self) -> Decimal | None:
        """Actual minus the baseline value, in the indicator's unit."""
        if self.baseline is None or self.result.value is None:
            return None
        return self.result.value - self.baseline.value

    @property
    def against_baseline_percent(self) -> Decimal | None:
        change = self.against_baseline
        if change is None or self.baseline is None or not self.baseline.value:
            return None
        return change / self.baseline.value * HUNDRED

    @property
    def against_target(self) -> Decimal | None:
        """Actual minus the target value: for lower-is-better, > 0 is still to go."""
        return None if self.result.value is None else self.result.value - self.target.target_value


def park_year(session: Session, park_id: int) -> int:
    return park_today(session, park_id).year


def completion(session: Session, *, user: User, year: int | None = None) -> list[Completion]:
    """Every live target the user may read, judged on the values up to `year` (default: this year in the park)."""
    as_of = check_year(year, "年度", "year") or park_year(session, user.park_id)
    targets = list_targets(session, user=user)
    if not targets:
        return []
    indicator_ids = sorted({t.indicator_id for t in targets})
    query = select(Indicator).where(col(Indicator.id).in_(indicator_ids))
    indicators = {i.id: i for i in session.execute(query).scalars()}
    baselines = baselines_in_force(session, indicator_ids)
    first = min(
        min(t.start_year, baselines[t.indicator_id].base_year or t.start_year)
        if t.indicator_id in baselines
        else t.start_year
        for t in targets
    )
    years = range(min(first, as_of), as_of + 1)
    values = indicator_values(session, user.park_id, list(indicators.values()), years)
    objectives = {o.id: o.title for o in list_objectives(session, user=user, include_withdrawn=True)}
    measure_views = views(session, list_measures(session, user=user), park_today(session, user.park_id))
    out = []
    for target in targets:
        indicator = indicators[target.indicator_id]
        baseline = baselines.get(target.indicator_id)
        series = {y: values[(indicator.id or 0, y, 0)] for y in years if (indicator.id or 0, y, 0) in values}
        result = target_status(
            values={y: v.value for y, v in series.items()},
            target_value=target.target_value,
            start_year=target.start_year,
            deadline_year=target.deadline.year,
            direction=indicator.direction,
            baseline_year=baseline.base_year if baseline else None,
            baseline_value=baseline.value if baseline else None,
        )
        out.append(
            Completion(
                target=target,
                indicator=indicator,
                objective_title=objectives.get(target.objective_id, ""),
                baseline=baseline,
                result=result,
                judged=series.get(result.year) if result.year is not None else None,
                values=series,
                measures=[m for m in measure_views if target.id in m.target_ids],
            )
        )
    return out


# ---------------------------------------------------------------- the checklist


def _number(value: Decimal | None) -> str:
    return "—" if value is None else display(value)


def _exact(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def checklist_docx(session: Session, *, park: Park, year: int, rows: list[Completion]) -> bytes:
    document = docx_reports.new_report_document()
    document.add_heading(f"{park.name}目标和指标完成情况检查表", level=1)
    document.add_paragraph(
        f"检查年度：{year} 年；依据：T/CPQS ZC001—2025 7.1、10.1.1。数值取自已确认的碳排放清单或带证据的填报值。"
    )
    document.add_paragraph(f"判定规则：{RULE_ZH}")
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row.result.status)] = counts.get(str(row.result.status), 0) + 1
    summary = "，".join(f"{label_zh('target_status', k)} {v} 项" for k, v in sorted(counts.items())) or "无指标"
    document.add_paragraph(f"汇总：{summary}")
    table = []
    for index, row in enumerate(rows, start=1):
        target, baseline = row.target, row.baseline
        measures = "；".join(
            f"{m.measure.title}（{label_zh('measure_status', m.status)}"
            + (f"，已实现 {_number(m.achieved_reduction)} tCO₂" if m.achieved_reduction is not None else "")
            + "）"
            for m in row.measures
        )
        table.append(
            [
                index,
                row.objective_title,
                target.title,
                f"{row.indicator.name}（{row.indicator.unit}）",
                target.responsible_unit,
                _number(target.target_value),
                target.deadline.isoformat(),
                f"{baseline.base_year or baseline.base_line}：{_number(baseline.value)}" if baseline else "未批准基准",
                f"{row.result.year}：{_number(row.result.value)}" if row.result.year else "暂无数据",
                _number(row.result.expected),
                label_zh("target_status", row.result.status),
                measures or "—",
            ]
        )
    header = [
        "序号",
        "目标",
        "指标",
        "绩效参数（单位）",
        "责任单位",
        "指标值",
        "截止日期",
        "基准",
        "实际值",
        "进度要求值",
        "完成情况",
        "实施措施及效果",
    ]
    docx_reports.add_table(document, header, table, bold_header=True)
    document.add_heading("检查结论", level=2)
    document.add_paragraph("（由检查人填写 / to be completed by the checker）")
    document.add_paragraph("检查人：__________    日期：__________")
    return docx_reports.document_bytes(document)


def require_checklist_reader(user: User) -> None:
    """The checklist lists every unit's targets: the park's roles read it, a contributor does not."""
    if user.role == Role.contributor:
        raise Forbidden(
            "企业填报人员不能查看园区的完成情况检查表",
            "A contributor may not read the park's completion checklist",
            audit=refusal(user, Rule.role, "target_completion", "checklist"),
        )


def file_checklist(session: Session, *, actor: User, year: int) -> Document:
    """Render the year's checklist from the data and register it as the year's TARGET_COMPLETION_CHECKLIST record,
    submitted for confirmation: one step."""
    require_editor(actor, "target_completion", year)
    check_year(year, "年度", "year")
    if year > park_year(session, actor.park_id):
        raise Invalid("不能为未来年度归档检查表", "A checklist cannot be filed for a future year")
    rows = completion(session, user=actor, year=year)
    if not rows:
        raise Invalid("尚无指标，无法生成检查表", "There are no targets to check")
    park = session.get_one(Park, actor.park_id)
    staged = documents.stage_generated(
        checklist_docx(session, park=park, year=year, rows=rows), f"目标和指标完成情况检查表-{year}.docx"
    )
    document, revision = records_service.create_record(
        session,
        actor=actor,
        doc_type_code=CHECKLIST_TYPE,
        period_text=str(year),
        staged=staged,
        title=f"目标和指标完成情况检查表（{year} 年）",
        owner_unit=actor.unit or "",
    )
    events.record(
        session,
        action="target_completion.file_checklist",
        entity_type="target_completion",
        entity_id=year,
        park_id=actor.park_id,
        actor=actor,
        after={
            "document_id": document.id,
            "revision_id": revision.id,
            "rows": [
                {"target_id": r.target.id, "status": str(r.result.status), "value": _exact(r.result.value)}
                for r in rows
            ],
        },
    )
    return document


__all__ = ["RULE_EN", "RULE_ZH", "Completion", "checklist_docx", "completion", "file_checklist"]
