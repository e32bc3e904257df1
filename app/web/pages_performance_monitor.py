"""绩效偏离 / significant deviations (10.1.1) in the browser: the list with detection for a year, and one deviation
with its investigation, response, nonconformity and record. The same service functions and shapes as the API.

A refused step (a missing response, a reopen without reason, a wrong state) is shown on the same page with what was
typed kept; nothing is written.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import Session, col

from app.db import SessionDep
from app.deps import EntityId
from app.errors import AppError, Conflict, Invalid
from app.nonconformities.models import Severity
from app.performance import deviations as service
from app.performance.investigation_record import file_record
from app.performance.lifecycle import DeviationAction
from app.performance.schemas_monitoring import deviation_out
from app.users.models import Role, User
from app.web.common import WebUser, render, see_other
from app.web.i18n import TEXT

router = APIRouter()

TEXT.update(
    {
        "dev.title": ("绩效严重偏离", "Significant performance deviations"),
        "dev.help": (
            "绩效参数的数值劣于其指标进度或基准超过规定的百分比时，即为严重偏离，须调查和响应（10.1.1）。",
            "A value worse than its target path or baseline by more than the indicator's percentage is a significant"
            " deviation, to be investigated and responded to (10.1.1).",
        ),
        "dev.detect_h": ("检查偏离", "Check for deviations"),
        "dev.year": ("年度", "Year"),
        "dev.detect": ("检查", "Check"),
        "dev.none": ("暂无偏离。", "No deviation."),
        "dev.indicator": ("绩效参数", "Indicator"),
        "dev.value": ("数值", "Value"),
        "dev.reference": ("比较对象", "Reference"),
        "dev.worse": ("劣于比较对象", "Worse than the reference"),
        "dev.threshold": ("严重偏离阈值", "Threshold"),
        "dev.state": ("状态", "State"),
        "dev.assignee": ("调查人", "Investigator"),
        "dev.nobody": ("（体系管理员）", "(the coordinators)"),
        "dev.assign": ("指派", "Assign"),
        "dev.investigation": ("调查（原因分析）", "Investigation (causes)"),
        "dev.response": ("响应（采取的措施）", "Response (what was done)"),
        "dev.reason": ("理由", "Reason"),
        "dev.severity": ("严重程度", "Severity"),
        "dev.description": ("不符合描述（留空则按偏离数据生成）", "Description (empty: worded from the deviation)"),
        "dev.nonconformity": ("不符合项", "Nonconformity"),
        "dev.record": ("调查和响应记录", "Investigation record"),
        "dev.file_record": ("生成并归档记录", "Generate and file the record"),
        "dev.opened": ("新发现 %s 项偏离。", "%s new deviation(s) found."),
        "dev.trail": ("数据来源", "Where the value comes from"),
        "dev.back": ("返回偏离列表", "Back to the deviations"),
    }
)

ACTION_FORMS = ("investigate", "close", "reopen", "raise_nonconformity")


def _park_users(session: Session, user: User) -> list[User]:
    query = select(User).where(col(User.park_id) == user.park_id, col(User.is_active).is_(True))
    return list(session.execute(query.order_by(col(User.id))).scalars())


@router.get("/performance/deviations")
def deviations_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    opened: Annotated[int | None, Query(ge=0, le=100000)] = None,
) -> Response:
    rows = service.list_deviations(session, user=user, year=year)
    indicators = service.indicators_by_id(session, {row.indicator_id for row in rows})
    return render(
        request,
        "performance/deviations.html",
        section="performance",
        rows=[deviation_out(session, row, user, indicators[row.indicator_id]) for row in rows],
        year=year,
        opened=opened,
        editable=user.role == Role.coordinator,
    )


@router.post("/performance/deviations/detect")
def detect(session: SessionDep, user: WebUser, year: Annotated[int, Form(ge=1990, le=2100)]) -> Response:
    opened = service.detect_on_request(session, actor=user, year=year)
    return see_other(f"/performance/deviations?year={year}&opened={len(opened)}")


def _detail(
    request: Request, session: Session, user: User, deviation_id: int, *, status_code: int = 200, **context: Any
) -> Response:
    deviation = service.get_deviation(session, deviation_id=deviation_id, user=user)
    return render(
        request,
        "performance/deviation.html",
        status_code=status_code,
        section="performance",
        d=deviation_out(session, deviation, user),
        users=_park_users(session, user) if user.role == Role.coordinator else [],
        editable=user.role == Role.coordinator,
        severities=[str(s) for s in Severity],
        **context,
    )


@router.get("/performance/deviations/{deviation_id}")
def deviation_page(request: Request, session: SessionDep, user: WebUser, deviation_id: EntityId) -> Response:
    return _detail(request, session, user, deviation_id)


def _refused(
    request: Request, session: Session, user: User, deviation_id: int, exc: AppError, form: str, typed: dict
) -> Response:
    session.rollback()
    error = {"form": form, "exc": exc, "typed": typed}
    return _detail(request, session, user, deviation_id, status_code=exc.status_code, error=error)


Text = Annotated[str, Form(max_length=20000)]


@router.post("/performance/deviations/{deviation_id}/assignee")
def assign(
    session: SessionDep, user: WebUser, deviation_id: EntityId, assignee_id: Annotated[str, Form(max_length=12)] = ""
) -> Response:
    chosen = int(assignee_id) if assignee_id.isdigit() and int(assignee_id) > 0 else None
    service.assign(session, actor=user, deviation_id=deviation_id, assignee_id=chosen)
    return see_other(f"/performance/deviations/{deviation_id}")


@router.post("/performance/deviations/{deviation_id}/record")
def record(request: Request, session: SessionDep, user: WebUser, deviation_id: EntityId) -> Response:
    try:
        file_record(session, actor=user, deviation_id=deviation_id)
    except Conflict as exc:
        return _refused(request, session, user, deviation_id, exc, "record", {})
    return see_other(f"/performance/deviations/{deviation_id}")


@router.post("/performance/deviations/{deviation_id}/{action}")
def step(
    request: Request,
    session: SessionDep,
    user: WebUser,
    deviation_id: EntityId,
    action: DeviationAction,
    investigation: Text = "",
    response: Text = "",
    reason: Text = "",
    severity: Annotated[Severity, Form()] = Severity.minor,
    description: Text = "",
) -> Response:
    typed = {"investigation": investigation, "response": response, "reason": reason, "description": description}
    try:
        if action == DeviationAction.raise_nonconformity:
            service.raise_nonconformity(
                session,
                actor=user,
                deviation_id=deviation_id,
                severity=severity,
                description=description,
                investigation=investigation or None,
            )
        else:
            service.act(
                session,
                actor=user,
                deviation_id=deviation_id,
                action=action,
                investigation=investigation or None,
                response=response or None,
                reason=reason,
            )
    except (Invalid, Conflict) as exc:
        return _refused(request, session, user, deviation_id, exc, str(action), typed)
    return see_other(f"/performance/deviations/{deviation_id}")
