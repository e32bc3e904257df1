"""Activity data submissions: records of an enterprise for a year or month, in the records lifecycle that exists.

prepared (rows editable, here) --submit--> the record ACTIVITY_DATA_SUBMISSION is created from the generated
workbook of the rows (its SHA-256 covers the data) and submitted (in_approval) --confirm (coordinator's electronic
signature)--> filed. A rejected one goes back to draft and is replaced by a correction. A correction of a filed
submission is a new submission naming it, with a reason; confirming the correction voids the old record, and both
stay visible. Only filed submissions count in the inventory.
"""

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.config import get_settings
from app.documents import records_service, storage
from app.documents import service as documents
from app.documents.lifecycle import Action
from app.documents.models import Document, Revision, RevisionState
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory import sums, workbook
from app.inventory.calculation import FactorValues, RowInput, RowResult, calculate
from app.inventory.models import (
    ActivityData,
    EmissionSource,
    Enterprise,
    SourceCategory,
    Submission,
    SubmissionEvidence,
    to_nano,
)
from app.inventory.rows import CheckedRow, check_rows
from app.inventory.service import SUBMISSION_TYPE, check_year, get_enterprise
from app.users.models import Role, User

PREPARED = "prepared"
COUNTED = RevisionState.filed


def _may_prepare(user: User, enterprise: Enterprise) -> None:
    if user.role == Role.coordinator or (user.role == Role.contributor and user.enterprise_id == enterprise.id):
        return
    raise Forbidden(
        "只有本企业的填报人员或体系管理员可以报送数据",
        "Only the enterprise's contributors or a coordinator may submit its data",
        audit=refusal(user, Rule.role, "enterprise", enterprise.id),
    )


def state_of(session: Session, submission: Submission) -> str:
    if submission.document_id is None:
        return PREPARED
    state = session.execute(
        select(col(Revision.state)).where(col(Revision.document_id) == submission.document_id)
    ).scalar()
    return str(state) if state is not None else PREPARED


def get_submission(session: Session, *, submission_id: int, user: User) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None or submission.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "submission", submission_id) if submission is not None else None
        raise NotFound("报送记录不存在", "Submission not found", audit=audit)
    try:
        get_enterprise(session, enterprise_id=submission.enterprise_id, user=user)
    except NotFound as exc:
        raise NotFound("报送记录不存在", "Submission not found", audit=exc.audit) from exc
    return submission


def list_submissions(
    session: Session, *, user: User, year: int | None = None, enterprise_id: int | None = None
) -> list[Submission]:
    query = select(Submission).where(col(Submission.park_id) == user.park_id)
    if user.role == Role.contributor:
        query = query.where(col(Submission.enterprise_id) == (user.enterprise_id or -1))
    if year is not None:
        query = query.where(col(Submission.year) == year)
    if enterprise_id is not None:
        query = query.where(col(Submission.enterprise_id) == enterprise_id)
    return list(session.execute(query.order_by(col(Submission.id))).scalars())


def submission_rows(session: Session, submission_id: int) -> list[ActivityData]:
    return list(
        session.execute(
            select(ActivityData).where(col(ActivityData.submission_id) == submission_id).order_by(col(ActivityData.id))
        ).scalars()
    )


def _open_for_period(session: Session, enterprise_id: int, year: int) -> list[tuple[Submission, str]]:
    rows = session.execute(
        select(Submission).where(col(Submission.enterprise_id) == enterprise_id, col(Submission.year) == year)
    ).scalars()
    return [(submission, state_of(session, submission)) for submission in rows]


def prepare(
    session: Session,
    *,
    actor: User,
    enterprise_id: int,
    year: int,
    month: int | None,
    rows: list[dict[str, Any]],
    corrects_id: int | None = None,
    reason: str = "",
    sheet: str = "rows",
    numbered: list[tuple[int, dict[str, Any]]] | None = None,
) -> Submission:
    enterprise = get_enterprise(session, enterprise_id=enterprise_id, user=actor)
    _may_prepare(actor, enterprise)
    check_year(year)
    if month is not None and not 1 <= month <= 12:
        raise Invalid("月份应为 1–12", "The month must be 1–12")
    raw_rows = numbered if numbered is not None else list(enumerate(rows, start=1))
    checked = check_rows(session, enterprise=enterprise, year=year, month=month, raw_rows=raw_rows, sheet=sheet)
    existing = _open_for_period(session, enterprise.id or 0, year)
    same_period = [(s, state) for s, state in existing if s.month == month]
    if any((s.month is None) != (month is None) for s, state in existing if state not in ("void",)):
        raise Conflict("同一年度不能同时按年和按月报送", "A year is submitted either as a whole or by month, not both")
    if any(state in (PREPARED, RevisionState.in_approval) for _, state in same_period):
        raise Conflict(
            "该期间已有一份未完成的报送，请先完成或更正它", "This period already has an unfinished submission"
        )
    filed = [s for s, state in same_period if state == COUNTED]
    reason = reason.strip()
    if filed and corrects_id is None:
        raise Conflict(
            "该期间的数据已确认；如需更正，请提交更正报送并说明原因",
            "This period's data is confirmed; submit a correction with its reason",
        )
    if corrects_id is not None:
        if not filed or filed[0].id != corrects_id:
            raise Invalid("只能更正该期间已确认的报送", "Only this period's confirmed submission can be corrected")
        if not reason:
            raise Invalid("更正报送必须说明原因", "A correction needs its reason")
    assert enterprise.id is not None and actor.id is not None
    submission = Submission(
        park_id=enterprise.park_id,
        enterprise_id=enterprise.id,
        year=year,
        month=month,
        corrects_id=corrects_id,
        correction_reason=reason,
        created_by_id=actor.id,
    )
    session.add(submission)
    session.flush()
    assert submission.id is not None
    _write_rows(session, submission, checked)
    events.record(
        session,
        action="submission.prepare",
        entity_type="submission",
        entity_id=submission.id,
        park_id=submission.park_id,
        actor=actor,
        after={
            "enterprise_id": enterprise.id,
            "year": year,
            "month": month,
            "rows": len(checked),
            "corrects_id": corrects_id,
            "reason": reason,
        },
    )
    return submission


def _result(row: CheckedRow) -> RowResult:
    factor = row.factor
    values = None
    if factor is not None:
        values = FactorValues(
            factor.activity_unit, factor.ncv, factor.carbon_content, factor.oxidation_rate, factor.direct_factor
        )
    return calculate(
        RowInput(
            SourceCategory(row.source.category),
            row.quantity,
            row.unit,
            values,
            row.ncv,
            row.carbon_content,
            row.oxidation_rate,
            row.purity,
        )
    )


def _write_rows(session: Session, submission: Submission, checked: list[CheckedRow]) -> None:
    assert submission.id is not None
    for row in checked:
        result = _result(row)
        session.add(
            ActivityData(
                park_id=submission.park_id,
                submission_id=submission.id,
                enterprise_id=submission.enterprise_id,
                source_id=row.source.id or 0,
                year=submission.year,
                month=row.month,
                quantity=row.quantity,
                unit=row.unit,
                ncv=row.ncv,
                carbon_content=row.carbon_content,
                oxidation_rate=row.oxidation_rate,
                purity=row.purity,
                quality=row.quality,
                factor_id=row.factor.id if row.factor is not None else None,
                emission_mg=to_nano(result.emission),
                energy_mgce=to_nano(result.energy_tce),
                meter_ref=row.meter_ref,
                note=row.note,
            )
        )
    session.flush()


def replace_rows(session: Session, *, actor: User, submission_id: int, rows: list[dict[str, Any]]) -> Submission:
    submission = get_submission(session, submission_id=submission_id, user=actor)
    enterprise = session.get_one(Enterprise, submission.enterprise_id)
    _may_prepare(actor, enterprise)
    if state_of(session, submission) != PREPARED:
        raise Conflict("已提交的报送不能修改；如需更正请提交更正报送", "A submitted submission never changes")
    checked = check_rows(
        session,
        enterprise=enterprise,
        year=submission.year,
        month=submission.month,
        raw_rows=list(enumerate(rows, start=1)),
        sheet="rows",
    )
    session.execute(delete(ActivityData).where(col(ActivityData.submission_id) == submission.id))
    _write_rows(session, submission, checked)
    events.record(
        session,
        action="submission.rows",
        entity_type="submission",
        entity_id=submission.id,
        park_id=submission.park_id,
        actor=actor,
        after={"rows": len(checked)},
    )
    return submission


def add_evidence(
    session: Session, *, actor: User, submission_id: int, staged: storage.StagedFile, source_id: int | None = None
) -> SubmissionEvidence:
    try:
        submission = get_submission(session, submission_id=submission_id, user=actor)
        _may_prepare(actor, session.get_one(Enterprise, submission.enterprise_id))
        if state_of(session, submission) != PREPARED:
            raise Conflict("已提交的报送不能再添加证据文件", "A submitted submission takes no more evidence")
        if source_id is not None:
            source = session.get(EmissionSource, source_id)
            if source is None or source.enterprise_id != submission.enterprise_id:
                raise Invalid("排放源不是本企业的", "The source is not this enterprise's")
        storage.store_blob(session, staged, blob_dir=get_settings().blob_dir)
        if session.execute(
            select(col(SubmissionEvidence.id)).where(
                col(SubmissionEvidence.submission_id) == submission.id,
                col(SubmissionEvidence.blob_sha256) == staged.sha256,
            )
        ).first():
            raise Conflict("该证据文件已添加", "This evidence file is already attached")
        assert submission.id is not None and actor.id is not None
        evidence = SubmissionEvidence(
            submission_id=submission.id,
            blob_sha256=staged.sha256,
            file_name=staged.file_name,
            source_id=source_id,
            added_by_id=actor.id,
        )
        session.add(evidence)
        session.flush()
        events.record(
            session,
            action="submission.evidence",
            entity_type="submission",
            entity_id=submission.id,
            park_id=submission.park_id,
            actor=actor,
            after={"sha256": staged.sha256, "file_name": staged.file_name, "source_id": source_id},
        )
        return evidence
    finally:
        storage.discard(staged)


def evidence_of(session: Session, submission_id: int) -> list[SubmissionEvidence]:
    return list(
        session.execute(
            select(SubmissionEvidence)
            .where(col(SubmissionEvidence.submission_id) == submission_id)
            .order_by(col(SubmissionEvidence.id))
        ).scalars()
    )


def submission_workbook(session: Session, submission: Submission) -> bytes:
    enterprise = session.get_one(Enterprise, submission.enterprise_id)
    sources = list(
        session.execute(
            select(EmissionSource)
            .where(col(EmissionSource.enterprise_id) == enterprise.id)
            .order_by(col(EmissionSource.id))
        ).scalars()
    )
    rows = [
        {key: getattr(row, key, None) for key, _ in workbook.COLUMNS if hasattr(row, key)}
        | {"quality": str(row.quality)}
        for row in submission_rows(session, submission.id or 0)
    ]
    evidence = [(item.blob_sha256, item.file_name) for item in evidence_of(session, submission.id or 0)]
    return workbook.generate(
        enterprise_name=enterprise.name,
        credit_code=enterprise.credit_code,
        year=submission.year,
        sources=sources,
        rows=rows,
        evidence=evidence,
    )


def submit(session: Session, *, actor: User, submission_id: int) -> Submission:
    """Create the record from the submission's workbook and submit it for confirmation."""
    submission = get_submission(session, submission_id=submission_id, user=actor)
    enterprise = session.get_one(Enterprise, submission.enterprise_id)
    _may_prepare(actor, enterprise)
    if state_of(session, submission) != PREPARED:
        raise Conflict("该报送已提交", "This submission was already submitted")
    data = submission_workbook(session, submission)
    period = f"{submission.year}" if submission.month is None else f"{submission.year}-{submission.month:02d}"
    settings = get_settings()
    settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.tmp_dir) as folder:
        path = Path(folder) / "submission.xlsx"
        path.write_bytes(data)
        name = f"{enterprise.credit_code}-{period}-activity-data.xlsx"
        staged = storage.stage_file(path, name, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)
    title = f"{enterprise.name} {period} 碳排放数据报送" + ("（更正）" if submission.corrects_id else "")
    document, _revision = records_service.create_record(
        session,
        actor=actor,
        doc_type_code=SUBMISSION_TYPE,
        period_text=period,
        staged=staged,
        title=title,
        owner_unit=enterprise.name,
        submit=True,
        # The inventory checks its own periods (a year or a month of it, never in the future).
        check_period=False,
    )
    submission.document_id = document.id
    session.add(submission)
    sums.write(session, submission.id or 0)  # with the record: the totals read these (app/inventory/sums.py)
    return submission


def _revision(session: Session, submission: Submission, actor: User) -> Revision:
    if submission.document_id is None:
        raise Conflict("该报送尚未提交", "This submission has not been submitted")
    revision_id = session.execute(
        select(col(Revision.id)).where(col(Revision.document_id) == submission.document_id)
    ).scalar()
    if revision_id is None:
        raise Conflict("该报送尚未提交", "This submission has not been submitted")
    return session.get_one(Revision, revision_id)


def confirm(
    session: Session,
    *,
    actor: User,
    submission_id: int,
    password: str | None,
    comment: str = "",
    client_address: str = "",
) -> Submission:
    """The coordinator confirms with an electronic signature; a confirmed correction voids what it corrects."""
    submission = get_submission(session, submission_id=submission_id, user=actor)
    revision = _revision(session, submission, actor)
    documents.transition_revision(
        session,
        actor=actor,
        revision_id=revision.id or 0,
        action=Action.approve,
        comment=comment,
        password=password,
        client_address=client_address,
    )
    if submission.corrects_id is not None:
        old = session.get_one(Submission, submission.corrects_id)
        if state_of(session, old) == COUNTED:
            old_revision = _revision(session, old, actor)
            documents.transition_revision(
                session,
                actor=actor,
                revision_id=old_revision.id or 0,
                action=Action.void,
                comment=f"被更正报送 #{submission.id} 替代：{submission.correction_reason}",
            )
    return submission


def reject(session: Session, *, actor: User, submission_id: int, comment: str) -> Submission:
    submission = get_submission(session, submission_id=submission_id, user=actor)
    revision = _revision(session, submission, actor)
    documents.transition_revision(
        session, actor=actor, revision_id=revision.id or 0, action=Action.reject, comment=comment
    )
    return submission


def document_of(session: Session, submission: Submission) -> Document | None:
    return session.get(Document, submission.document_id) if submission.document_id else None
