"""The demo park's performance, so the performance page is alive: the park total and intensity indicators, their
base-year baseline approved through the document lifecycle, an objective with two targets (the total on track, the
intensity at risk), measures with progress (one behind schedule), a significant deviation whose investigation
raised a nonconformity of origin "monitoring", and the responsibility letter signed by top management.

Values are computed from the demo inventory (never typed); the demo's output values are illustrative figures
entered for the demo, said to be so. Rows are written with the ORM, documents go through the documents service.
"""

import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session

from app import docx_reports
from app.clauses.models import DocType
from app.config import get_settings
from app.documents import service as documents
from app.documents import storage
from app.documents.lifecycle import Action
from app.documents.models import Document, Revision
from app.inventory import boundary
from app.inventory.demo import DEMO_ENTERPRISES, ILLUSTRATIVE
from app.inventory.queries import confirmed_figures
from app.nonconformities import service as nonconformities
from app.nonconformities.models import NcOrigin, Severity
from app.performance import calculation, letters, lifecycle
from app.performance.models import (
    Baseline,
    Deviation,
    Indicator,
    IndicatorFormula,
    IndicatorLevel,
    Measure,
    MeasureProgress,
    MeasureStatus,
    MeasureTarget,
    Milestone,
    Objective,
    ObjectiveCategory,
    Target,
)
from app.performance.status import expected_on_path
from app.users.models import Park, Role, User

People = dict[str, tuple[User, str]]
# Output value (万元) per demo enterprise, the earlier year first: illustrative, for the demo's intensity only.
DEMO_OUTPUT = [("52000", "52000"), ("18000", "17000"), ("12000", "12000")]
OFFICE = "碳管理办公室"


def _docx(folder: Path, name: str, title: str, paragraphs: list[str], table: list[list[str]]) -> storage.StagedFile:
    document = docx_reports.new_report_document(latin="SimSun", east_asian="宋体")
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    docx_reports.add_table(document, table[0], table[1:], bold_header=True)
    path = folder / name
    path.write_bytes(docx_reports.document_bytes(document))
    settings = get_settings()
    return storage.stage_file(path, name, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)


def _approved(
    session: Session, people: People, code: str, title: str, staged: storage.StagedFile
) -> tuple[Document, Revision]:
    """Register, upload, submit, review, approve (by the type's approver) and publish: effective."""
    coordinator = people["coordinator"][0]
    document = documents.register_document(
        session, actor=coordinator, doc_type_code=code, title=title, owner_unit=OFFICE
    )
    revision = documents.add_revision(session, actor=coordinator, document_id=document.id or 0, staged=staged)
    revision_id = revision.id or 0
    documents.transition_revision(session, actor=coordinator, revision_id=revision_id, action=Action.submit)
    _sign_and_publish(session, people, code, revision_id)
    return document, revision


def _sign_and_publish(session: Session, people: People, code: str, revision_id: int) -> None:
    """A submitted revision reviewed, approved by the type's approver (top management where the map says) and
    published: effective."""
    coordinator = people["coordinator"][0]
    final = people["top"] if session.get_one(DocType, code).approver_role == Role.top_management else people["approver"]
    reviewer = people["approver"] if final is people["top"] else people["top"]
    for action, (user, password), comment in (
        (Action.review, reviewer, "内容与数据一致"),
        (Action.approve, final, "同意"),
    ):
        documents.transition_revision(
            session, actor=user, revision_id=revision_id, action=action, comment=comment, password=password
        )
    documents.transition_revision(session, actor=coordinator, revision_id=revision_id, action=Action.publish)


def _add(session: Session, *rows: object) -> None:
    session.add_all(rows)
    session.flush()


def seed_demo_performance(session: Session, park: Park, people: People) -> None:
    """After the demo inventory (app/inventory/demo.py): its two confirmed years are the base year and this one."""
    coordinator = people["coordinator"][0]
    assert coordinator.id is not None and park.id is not None
    last_year = datetime.now(UTC).year - 1
    base_year = last_year - 1
    enterprise_ids = sorted({f.enterprise_id for f in confirmed_figures(session, park.id, last_year)})
    for enterprise_id, outputs in zip(enterprise_ids, DEMO_OUTPUT, strict=True):
        for year, output in zip((base_year, last_year), outputs, strict=True):
            boundary.set_economic_data(
                session,
                actor=coordinator,
                enterprise_id=enterprise_id,
                year=year,
                values={"output_value": output, "source": f"{year} 年统计年报（{ILLUSTRATIVE}）"},
            )
    total = Indicator(park_id=park.id, code="P-TOTAL", name="园区碳排放总量", unit="tCO₂",
                      level=IndicatorLevel.park, formula=IndicatorFormula.total_emission,
                      method="已确认的企业碳排放数据报送之和（GB/T 32150）", created_by_id=coordinator.id)  # fmt: skip
    intensity = Indicator(park_id=park.id, code="P-INTENSITY", name="园区单位产值碳排放强度", unit="tCO₂/万元",
                          level=IndicatorLevel.park, formula=IndicatorFormula.intensity_output_value,
                          deviation_percent=Decimal("3"), deviation_reference="target",
                          method="园区碳排放总量 ÷ 填报产值的企业产值之和", created_by_id=coordinator.id)  # fmt: skip
    _add(session, total, intensity)
    base = {i.id: calculation.indicator_value(session, i, base_year).value for i in (total, intensity)}
    with tempfile.TemporaryDirectory() as folder:
        staged = _docx(
            Path(folder),
            "baseline.docx",
            f"碳排放管理基准（基准年{base_year}）",
            [f"依据 T/CPQS ZC001—2025 7.5，以 {base_year} 年已确认的碳排放数据为基准。"],
            [["绩效参数", "单位", "基准值"]] + [[i.name, i.unit, str(base[i.id])] for i in (total, intensity)],
        )
        baseline_doc, baseline_rev = _approved(
            session, people, "CARBON_BASELINE", f"碳排放管理基准（基准年{base_year}）", staged
        )
        baselines = {}
        for indicator in (total, intensity):
            value = base[indicator.id]
            assert value is not None
            baselines[indicator.id] = Baseline(
                park_id=park.id, indicator_id=indicator.id or 0, base_year=base_year, value=value,
                variables_json='[{"name": "企业数", "unit": "家", "value": "3", "source": "核算边界"}]',
                document_id=baseline_doc.id, revision_id=baseline_rev.id, created_by_id=coordinator.id,
            )  # fmt: skip
        _add(session, *baselines.values())
        objective = Objective(
            park_id=park.id, category=ObjectiveCategory.performance,
            title=f"到 {last_year + 2} 年园区碳排放总量较基准年下降",
            target_year=last_year + 2, considerations_json='{"reduction_and_intensity": "总量和强度双控"}',
            created_by_id=coordinator.id,
        )  # fmt: skip
        _add(session, objective)
        total_target = Target(
            park_id=park.id, objective_id=objective.id or 0, indicator_id=total.id or 0,
            title="园区碳排放总量降至 12500 tCO₂", target_value=Decimal("12500"), base_year=base_year,
            start_year=base_year, deadline=date(last_year + 2, 12, 31), responsible_unit="园区管委会",
            responsible_person="陈刚", created_by_id=coordinator.id,
        )  # fmt: skip
        intensity_target = Target(
            park_id=park.id, objective_id=objective.id or 0, indicator_id=intensity.id or 0,
            title="单位产值碳排放强度降至 0.15 tCO₂/万元", target_value=Decimal("0.15"), base_year=base_year,
            start_year=base_year, deadline=date(last_year + 1, 12, 31), responsible_unit="能源管理部",
            responsible_person="王强", created_by_id=coordinator.id,
        )  # fmt: skip
        _add(session, total_target, intensity_target)
        _measures(session, park, coordinator, last_year, total_target, intensity_target)
        _deviation(session, people, intensity, intensity_target, baselines[intensity.id], last_year)
        _letter(session, people, last_year + 1, [total_target, intensity_target])


def _measures(session: Session, park: Park, coordinator: User, year: int, *targets: Target) -> None:
    boiler = Measure(
        park_id=park.id or 0, title="燃煤锅炉煤改气", kind="能源结构", technical_content="以天然气锅炉替代燃煤锅炉",
        expected_reduction=Decimal("800"), path_method="分两期改造", responsible_unit=DEMO_ENTERPRISES[0][0],
        budget=Decimal("600"), start_date=date(year, 1, 1), end_date=date(year + 1, 12, 31),
        verification_method="对比改造前后燃料消耗和排放量", created_by_id=coordinator.id or 0,
    )  # fmt: skip
    solar = Measure(
        park_id=park.id or 0, title="厂房屋顶分布式光伏", kind="可再生能源", technical_content="屋顶光伏 2 MW",
        expected_reduction=Decimal("1200"), responsible_unit="能源管理部", budget=Decimal("800"),
        start_date=date(year, 3, 1), end_date=date(year + 1, 6, 30), verification_method="光伏发电量计量",
        created_by_id=coordinator.id or 0,
    )  # fmt: skip
    _add(session, boiler, solar)
    _add(
        session,
        MeasureTarget(measure_id=boiler.id or 0, target_id=targets[0].id or 0),
        MeasureTarget(measure_id=solar.id or 0, target_id=targets[1].id or 0),
        Milestone(measure_id=boiler.id or 0, title="一期完工", due_date=date(year, 6, 30), done_on=date(year, 6, 20)),
        Milestone(measure_id=solar.id or 0, title="并网发电", due_date=date(year, 10, 31)),
        MeasureProgress(measure_id=boiler.id or 0, year=year, status=MeasureStatus.in_progress,
                        achieved_reduction=Decimal("450"), verification="燃料消耗台账对比",
                        recorded_by_id=coordinator.id or 0),
        MeasureProgress(measure_id=solar.id or 0, year=year, status=MeasureStatus.behind,
                        note="组件到货延迟，并网推迟", recorded_by_id=coordinator.id or 0),
    )  # fmt: skip


def _deviation(
    session: Session, people: People, indicator: Indicator, target: Target, baseline: Baseline, year: int
) -> None:
    """The intensity worse than its path by more than its rule's 3 %: investigated, raised as a nonconformity."""
    coordinator = people["coordinator"][0]
    value = calculation.indicator_value(session, indicator, year).value
    assert value is not None and indicator.deviation_percent is not None
    reference = expected_on_path(
        year, target_value=target.target_value, deadline_year=target.deadline.year,
        baseline_year=baseline.base_year, baseline_value=baseline.value,
    )  # fmt: skip
    worse = (value - reference) / reference * 100
    if worse <= indicator.deviation_percent:
        return  # not significant on these figures: nothing to investigate
    deviation = Deviation(
        park_id=indicator.park_id, indicator_id=indicator.id or 0, target_id=target.id, year=year, value=value,
        reference_value=reference, reference_kind="target", deviation_percent=worse,
        threshold_percent=indicator.deviation_percent, assignee_id=coordinator.id,
    )  # fmt: skip
    _add(session, deviation)
    lifecycle.transition(
        session, deviation, lifecycle.DeviationAction.investigate, actor=coordinator,
        investigation="产值增速低于预期而外购蒸汽用量未同比下降，强度降幅不及进度。",
    )  # fmt: skip
    nc = nonconformities.raise_nonconformity(
        session, actor=coordinator, origin=NcOrigin.monitoring, clause_id="10.1.1", severity=Severity.minor,
        description=f"{year} 年{indicator.name}劣于指标进度 {worse:.1f}%，"
        f"超过严重偏离阈值 {indicator.deviation_percent}%",
        origin_ref=f"绩效监测：{indicator.name} {year} 年严重偏离",
    )  # fmt: skip
    lifecycle.transition(session, deviation, lifecycle.DeviationAction.raise_nonconformity, actor=coordinator)
    deviation.nonconformity_id = nc.id
    deviation.response = "已提出不符合项，制定蒸汽系统节能措施。"
    session.add(deviation)
    session.flush()


def _letter(session: Session, people: People, year: int, targets: list[Target]) -> None:
    """The 《目标和指标责任书》 of each responsible unit, generated from its targets (letters.generate) and signed by
    top management through the document lifecycle."""
    coordinator = people["coordinator"][0]
    for unit in sorted({t.responsible_unit for t in targets}):
        letter = letters.generate(session, actor=coordinator, responsible_unit=unit, year=year)
        _sign_and_publish(session, people, letters.LETTER_TYPE, letter.revision_id)
