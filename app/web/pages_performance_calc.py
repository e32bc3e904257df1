"""Indicator and baseline pages (7.4, 7.5): the park's indicators with this year's values, one indicator with its
values over the years (each linked to its trail), entered values and their corrections, and its baseline's
versions with the adjustment offers. Thin like the API: every rule is in app/performance. A refused form comes
back with the reason beside it and what was typed kept (request.state.form_retry)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.db import SessionDep, session_scope
from app.deps import EntityId
from app.errors import Invalid
from app.inventory import service as inventory
from app.performance import baselines, indicators, manual_values, schemas
from app.performance.models import AdjustmentReason, Direction, Frequency, IndicatorFormula, IndicatorLevel
from app.users.models import User
from app.web.common import WebUser, render, see_other

router = APIRouter()
Short = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=4000)]
YEARS_SHOWN = 5


def _year() -> int:
    """The newest complete year, as the inventory pages default to."""
    return datetime.now(UTC).year - 1


def _int(text: str, what_zh: str, what_en: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise Invalid(f"{what_zh}应为正整数", f"{what_en} must be a whole number")
    return int(text)


def web_trail(value: dict[str, Any]) -> str | None:
    """The page behind a value: the inventory trail page, or the indicator's entered values."""
    trail = value["trail"]
    if trail.get("kind") == "inventory":
        return f"/inventory/trail?year={trail['year']}&level={trail['level']}&key={trail['key']}"
    if trail.get("kind") == "manual":
        return f"/performance/indicators/{value['indicator_id']}#manual-h"
    return None


def _list_context(session: Session, user: User) -> dict[str, Any]:
    year = _year()
    rows = indicators.year_values(session, user=user, year=year)
    return {
        "year": year,
        "items": [(schemas.indicator_out(i), schemas.value_out(v)) for i, v in rows],
        "may_edit": user.role in indicators.EDITORS,
        "enterprises": inventory.list_enterprises(session, user=user) if user.role in indicators.EDITORS else [],
        "levels": [level.value for level in IndicatorLevel],
        "formulas": [formula.value for formula in IndicatorFormula],
        "frequencies": [frequency.value for frequency in Frequency],
        "directions": [direction.value for direction in Direction],
        "web_trail": web_trail,
    }


def _detail_context(session: Session, user: User, indicator_id: int) -> dict[str, Any]:
    indicator = indicators.get_indicator(session, indicator_id=indicator_id, user=user)
    last = _year()
    found = indicators.values_of(
        session, user=user, indicator_id=indicator_id, from_year=last - YEARS_SHOWN + 1, to_year=last
    )
    history = baselines.history(session, user=user, indicator_id=indicator_id)
    offers = [o for o in baselines.adjustment_offers(session, user.park_id) if o.baseline.indicator_id == indicator.id]
    return {
        "i": schemas.indicator_out(indicator),
        "values": [schemas.value_out(v) for v in found],
        "manual": schemas.manual_history_out(
            manual_values.manual_history(session, user=user, indicator_id=indicator_id)
        )
        if indicator.formula == IndicatorFormula.manual
        else [],
        "baselines": [schemas.version_out(v) for v in history],
        "offers": [schemas.offer_out(o) for o in offers],
        "reasons": [reason.value for reason in AdjustmentReason],
        "may_edit": user.role in indicators.EDITORS,
        "this_year": last + 1,
        "web_trail": web_trail,
    }


def _retry(request: Request, user: User, form: dict[str, Any], indicator_id: int | None = None) -> None:
    """On a refusal, the same page again with the reason beside the form and what was typed kept."""

    def retry(request: Request, status_code: int, message: str) -> Response:
        with session_scope(write=False) as read:
            if indicator_id is None:
                context, name = _list_context(read, user), "performance/calc_indicators.html"
            else:
                context, name = _detail_context(read, user, indicator_id), "performance/calc_indicator.html"
        return render(
            request,
            name,
            status_code=status_code,
            section="performance",
            **context,
            form_error=form | {"message": message},
        )

    request.state.form_retry = retry


@router.get("/performance/indicators")
def indicators_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    context = _list_context(session, user)
    return render(request, "performance/calc_indicators.html", section="performance", **context, form_error=None)


@router.post("/performance/indicators")
def create_indicator(
    request: Request,
    session: SessionDep,
    user: WebUser,
    code: Annotated[str, Form(max_length=40)] = "",
    name: Short = "",
    unit: Annotated[str, Form(max_length=40)] = "",
    level: Annotated[str, Form(max_length=16)] = "park",
    formula: Annotated[str, Form(max_length=32)] = "total_emission",
    frequency: Annotated[str, Form(max_length=16)] = "annual",
    direction: Annotated[str, Form(max_length=8)] = "",
    subject_id: Annotated[str, Form(max_length=12)] = "",
    scope: Annotated[str, Form(max_length=2)] = "",
    deviation_percent: Annotated[str, Form(max_length=40)] = "",
    deviation_reference: Annotated[str, Form(max_length=16)] = "target",
    method: Text = "",
) -> Response:
    form = {
        "code": code,
        "name": name,
        "unit": unit,
        "level": level,
        "formula": formula,
        "frequency": frequency,
        "direction": direction,
        "subject_id": subject_id,
        "scope": scope,
        "deviation_percent": deviation_percent,
        "deviation_reference": deviation_reference,
        "method": method,
    }
    _retry(request, user, form | {"form": "create"})
    checks: list[tuple[str, Callable[[str], bool], tuple[str, str]]] = [
        ("level", lambda v: v in {x.value for x in IndicatorLevel}, ("请选择层级", "Choose a level")),
        ("formula", lambda v: v in {x.value for x in IndicatorFormula}, ("请选择计算方法", "Choose a formula")),
        ("frequency", lambda v: v in {x.value for x in Frequency}, ("请选择频次", "Choose a frequency")),
        ("direction", lambda v: v in {"", *(x.value for x in Direction)}, ("请选择改进方向", "Choose a direction")),
    ]
    for field, ok, message in checks:
        if not ok(form[field]):
            raise Invalid(*message)
    subject = _int(subject_id, "企业或排放源编号", "The enterprise or source id")
    made = indicators.create_indicator(
        session,
        actor=user,
        code=code,
        name=name,
        unit=unit,
        level=level,
        enterprise_id=subject if level == IndicatorLevel.enterprise else None,
        source_id=subject if level in (IndicatorLevel.process, IndicatorLevel.equipment) else None,
        formula=formula,
        frequency=frequency,
        direction=direction or None,
        scope=_int(scope, "范围", "The scope"),
        deviation_percent=deviation_percent.strip() or None,
        deviation_reference=deviation_reference,
        method=method,
    )
    return see_other(f"/performance/indicators/{made.id}?done=indicator_created")


@router.get("/performance/indicators/{indicator_id:int}")
def indicator_page(indicator_id: EntityId, request: Request, session: SessionDep, user: WebUser) -> Response:
    context = _detail_context(session, user, indicator_id)
    return render(request, "performance/calc_indicator.html", section="performance", **context, form_error=None)


@router.post("/performance/indicators/{indicator_id:int}/active")
def set_active(
    indicator_id: EntityId,
    request: Request,
    session: SessionDep,
    user: WebUser,
    active: Annotated[str, Form(max_length=8)] = "",
    reason: Text = "",
) -> Response:
    _retry(request, user, {"form": "active", "reason": reason}, indicator_id)
    on = active == "1"
    indicators.set_active(session, actor=user, indicator_id=indicator_id, active=on, reason=reason)
    return see_other(
        f"/performance/indicators/{indicator_id}?done={'indicator_activated' if on else 'indicator_deactivated'}"
    )


@router.post("/performance/indicators/{indicator_id:int}/manual-values")
def enter_value(
    indicator_id: EntityId,
    request: Request,
    session: SessionDep,
    user: WebUser,
    year: Annotated[str, Form(max_length=4)] = "",
    period: Annotated[str, Form(max_length=2)] = "0",
    value: Annotated[str, Form(max_length=40)] = "",
    evidence_document_id: Annotated[str, Form(max_length=12)] = "",
    evidence_note: Text = "",
) -> Response:
    form = {
        "form": "manual",
        "year": year,
        "period": period,
        "value": value,
        "evidence_document_id": evidence_document_id,
        "evidence_note": evidence_note,
    }
    _retry(request, user, form, indicator_id)
    manual_values.enter_manual_value(
        session,
        actor=user,
        indicator_id=indicator_id,
        year=_int(year, "年度", "The year") or 0,
        period=_int(period, "期间", "The period") or 0,
        value=value,
        evidence_document_id=_int(evidence_document_id, "证据文件编号", "The evidence document id"),
        evidence_note=evidence_note,
    )
    return see_other(f"/performance/indicators/{indicator_id}?done=value_entered#manual-h")


@router.post("/performance/manual-values/{value_id:int}/correct")
def correct_value(
    value_id: EntityId,
    request: Request,
    session: SessionDep,
    user: WebUser,
    value: Annotated[str, Form(max_length=40)] = "",
    reason: Text = "",
) -> Response:
    row = manual_values.get_manual_value(session, value_id=value_id, user=user)
    _retry(request, user, {"form": f"correct-{value_id}", "value": value, "reason": reason}, row.indicator_id)
    manual_values.correct_manual_value(session, actor=user, value_id=value_id, value=value, reason=reason)
    return see_other(f"/performance/indicators/{row.indicator_id}?done=value_corrected#manual-h")


@router.post("/performance/indicators/{indicator_id:int}/baselines")
def create_baseline(
    indicator_id: EntityId,
    request: Request,
    session: SessionDep,
    user: WebUser,
    base_year: Annotated[str, Form(max_length=4)] = "",
    base_line: Text = "",
    value: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    _retry(
        request,
        user,
        {"form": "baseline", "base_year": base_year, "base_line": base_line, "value": value},
        indicator_id,
    )
    baselines.create_baseline(
        session,
        actor=user,
        indicator_id=indicator_id,
        base_year=_int(base_year, "基准年", "The base year"),
        base_line=base_line,
        value=value.strip() or None,
    )
    return see_other(f"/performance/indicators/{indicator_id}?done=baseline_created#baseline-h")


@router.post("/performance/baselines/{baseline_id:int}/adjust")
def adjust_baseline(
    baseline_id: EntityId,
    request: Request,
    session: SessionDep,
    user: WebUser,
    reason: Annotated[str, Form(max_length=40)] = "",
    note: Text = "",
    base_year: Annotated[str, Form(max_length=4)] = "",
    base_line: Text = "",
    value: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    old = baselines.get_baseline(session, baseline_id=baseline_id, user=user)
    form = {
        "form": "adjust",
        "reason": reason,
        "note": note,
        "base_year": base_year,
        "base_line": base_line,
        "value": value,
    }
    _retry(request, user, form, old.indicator_id)
    if reason not in {r.value for r in AdjustmentReason}:
        raise Invalid("请选择 7.5 a)–c) 中的调整原因", "Choose a reason of 7.5 a)–c)")
    baselines.adjust_baseline(
        session,
        actor=user,
        baseline_id=baseline_id,
        reason=AdjustmentReason(reason),
        note=note,
        base_year=_int(base_year, "基准年", "The base year"),
        base_line=base_line,
        value=value.strip() or None,
    )
    return see_other(f"/performance/indicators/{old.indicator_id}?done=baseline_adjusted#baseline-h")
