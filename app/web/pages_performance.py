"""The performance page for top management (碳排放绩效), its charts, and one indicator's page. Thin: the figures
come from app/performance/overview.py and reading.py; every figure links to its data.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.db import SessionDep
from app.deps import EntityId
from app.inventory.calculation import display
from app.performance import charts, overview, reading, status
from app.performance.models import Indicator
from app.web.common import WebUser, get_lang, render

router = APIRouter()
OptYear = Annotated[int | None, Query(ge=1990, le=2100)]
CHART_NAMES = ("total", "intensity", "measures")


def default_year() -> int:
    """The last complete calendar year: the one the confirmed inventory is of."""
    return datetime.now(UTC).year - 1


def places(unit: str) -> int:
    """Intensities (a unit per unit) need four places to be read; totals and shares two."""
    return 4 if "/" in unit else 2


def num(value: Decimal | None, digits: int = 2) -> str:
    return "—" if value is None else display(value, digits)


def perf_page(request: Request, name: str, **context: Any) -> Response:
    return render(
        request,
        name,
        section="performance",
        num=num,
        places=places,
        href=reading.value_href,
        rule=(status.RULE_ZH, status.RULE_EN),
        **context,
    )


@router.get("/performance")
def performance_page(request: Request, session: SessionDep, user: WebUser, year: OptYear = None) -> Response:
    reading.require_reader(user)
    year = year or default_year()
    view = overview.performance_overview(session, user.park_id, year)
    return perf_page(request, "performance/overview.html", year=year, v=view, chart_names=CHART_NAMES)


def _headline_of(view: overview.Overview, position: int) -> tuple[overview.IndicatorView, Any] | None:
    wanted = overview.HEADLINE_FORMULAS[position]
    return next((pair for pair in view.headline if pair[0].indicator.formula == wanted), None)


@router.get("/performance/charts/{name}.png")
def performance_chart(
    name: str, request: Request, session: SessionDep, user: WebUser, year: OptYear = None
) -> Response:
    reading.require_reader(user)
    if name not in CHART_NAMES:
        return Response(status_code=404)
    year = year or default_year()
    lang = get_lang(request)
    if name == "measures":
        measures = overview.measure_views(session, user.park_id, year, date.today())
        items = [
            ((m.measure.title, f"Measure {m.measure.id}"), m.measure.expected_reduction, m.achieved_reduction)
            for m in measures
        ]
        png = charts.measures_chart(items, title=(f"{year} 年减排措施成效", f"Measures' effect, {year}"), lang=lang)
    else:
        view = overview.performance_overview(session, user.park_id, year, headline_only=True)
        pair = _headline_of(view, 0 if name == "total" else 1)
        words = ("碳排放总量", "Total emissions") if name == "total" else ("碳排放强度", "Emission intensity")
        title = (f"历年{words[0]}（与指标、基准对比）", f"{words[1]} over the years, against target and baseline")
        if pair is None:
            png = charts.indicator_chart([], title=title, unit="", lang=lang)
        else:
            indicator_view, target = pair
            png = charts.indicator_chart(
                indicator_view.trend,
                title=title,
                unit=indicator_view.indicator.unit,
                lang=lang,
                target=target.target.target_value if target else None,
                baseline=indicator_view.baseline.value if indicator_view.baseline else None,
            )
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/performance/figures/{indicator_id}")
def indicator_page(
    indicator_id: EntityId, request: Request, session: SessionDep, user: WebUser, year: OptYear = None
) -> Response:
    year = year or default_year()
    detail = reading.indicator_detail(session, user=user, indicator_id=indicator_id, year=year)
    indicator: Indicator = detail.indicator
    return perf_page(request, "performance/indicator.html", year=year, d=detail, ind=indicator)
