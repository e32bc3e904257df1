"""The year's boundary (5.3) and its changes from the previous year (a changed boundary is a significant change,
7.3.1 注), and the enterprises' economic data per year (for intensities)."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app.common import utcnow
from app.errors import Invalid
from app.events import service as events
from app.inventory import units
from app.inventory.models import Boundary, BoundarySource, EconomicData, EmissionSource
from app.inventory.service import check_year, decimal_or_invalid, get_enterprise, require_manager
from app.users.models import User


@dataclass
class BoundaryView:
    year: int
    defined: bool
    note: str
    enterprise_ids: list[int]
    source_ids: list[int]
    previous_year: int
    previous_defined: bool
    added_enterprise_ids: list[int] = field(default_factory=list)
    removed_enterprise_ids: list[int] = field(default_factory=list)
    added_source_ids: list[int] = field(default_factory=list)
    removed_source_ids: list[int] = field(default_factory=list)

    @property
    def significant_change(self) -> bool:
        """A boundary that differs from the previous year's (when there was one) is a significant change."""
        return self.previous_defined and bool(
            self.added_enterprise_ids or self.removed_enterprise_ids or self.added_source_ids or self.removed_source_ids
        )


def scope_rows(session: Session, park_id: int, year: int) -> tuple[Boundary | None, list[tuple[int, int]]]:
    """The boundary of a year and its (enterprise_id, source_id) pairs."""
    boundary = session.execute(
        select(Boundary).where(col(Boundary.park_id) == park_id, col(Boundary.year) == year)
    ).scalar()
    if boundary is None:
        return None, []
    pairs = session.execute(
        select(col(BoundarySource.enterprise_id), col(BoundarySource.source_id)).where(
            col(BoundarySource.boundary_id) == boundary.id
        )
    ).all()
    return boundary, [(e, s) for e, s in pairs]


def in_scope_source_ids(session: Session, park_id: int, year: int) -> set[int]:
    return {source_id for _, source_id in scope_rows(session, park_id, year)[1]}


def in_scope_enterprise_ids(session: Session, park_id: int, year: int) -> set[int]:
    """The enterprises in the year's boundary (the database drops the duplicates: one row per enterprise)."""
    rows = session.execute(
        select(col(BoundarySource.enterprise_id))
        .distinct()
        .join(Boundary, col(Boundary.id) == col(BoundarySource.boundary_id))
        .where(col(Boundary.park_id) == park_id, col(Boundary.year) == year)
    )
    return {enterprise_id for (enterprise_id,) in rows}


def get_boundary(session: Session, *, user: User, year: int) -> BoundaryView:
    check_year(year)
    boundary, pairs = scope_rows(session, user.park_id, year)
    previous, previous_pairs = scope_rows(session, user.park_id, year - 1)
    enterprises, sources = {e for e, _ in pairs}, {s for _, s in pairs}
    old_enterprises, old_sources = {e for e, _ in previous_pairs}, {s for _, s in previous_pairs}
    view = BoundaryView(
        year=year,
        defined=boundary is not None,
        note=boundary.note if boundary else "",
        enterprise_ids=sorted(enterprises),
        source_ids=sorted(sources),
        previous_year=year - 1,
        previous_defined=previous is not None,
    )
    if previous is not None:
        view.added_enterprise_ids = sorted(enterprises - old_enterprises)
        view.removed_enterprise_ids = sorted(old_enterprises - enterprises)
        view.added_source_ids = sorted(sources - old_sources)
        view.removed_source_ids = sorted(old_sources - sources)
    return view


def set_boundary(session: Session, *, actor: User, year: int, source_ids: list[int], note: str = "") -> BoundaryView:
    """Replace the year's boundary with these sources (their enterprises come in with them)."""
    require_manager(actor, "boundary")
    check_year(year)
    wanted = sorted(set(source_ids))
    rows = session.execute(
        select(col(EmissionSource.id), col(EmissionSource.enterprise_id)).where(
            col(EmissionSource.id).in_(wanted), col(EmissionSource.park_id) == actor.park_id
        )
    ).all()
    found = dict(rows)
    missing = [source_id for source_id in wanted if source_id not in found]
    if missing:
        raise Invalid(
            f"排放源不存在：{', '.join(map(str, missing))}", f"Unknown emission sources: {', '.join(map(str, missing))}"
        )
    before_view = get_boundary(session, user=actor, year=year)
    boundary, _ = scope_rows(session, actor.park_id, year)
    assert actor.id is not None
    if boundary is None:
        boundary = Boundary(park_id=actor.park_id, year=year, updated_by_id=actor.id)
    boundary.note = note.strip()
    boundary.updated_by_id = actor.id
    boundary.updated_at = utcnow()
    session.add(boundary)
    session.flush()
    session.execute(delete(BoundarySource).where(col(BoundarySource.boundary_id) == boundary.id))
    assert boundary.id is not None
    for source_id in wanted:
        session.add(BoundarySource(boundary_id=boundary.id, enterprise_id=found[source_id], source_id=source_id))
    session.flush()
    view = get_boundary(session, user=actor, year=year)
    events.record(
        session,
        action="boundary.set",
        entity_type="boundary",
        entity_id=f"{year}",
        park_id=actor.park_id,
        actor=actor,
        before={"source_ids": before_view.source_ids} if before_view.defined else None,
        after={
            "source_ids": view.source_ids,
            "enterprise_ids": view.enterprise_ids,
            "significant_change": view.significant_change,
            "note": boundary.note,
        },
    )
    return view


# ---------------------------------------------------------------- economic data


def set_economic_data(
    session: Session, *, actor: User, enterprise_id: int, year: int, values: dict[str, Any]
) -> EconomicData:
    """Enter (or replace) an enterprise's output value and product output for a year, with where they come from."""
    enterprise = get_enterprise(session, enterprise_id=enterprise_id, user=actor)
    require_manager(actor, "economic_data")
    check_year(year)
    output_value = decimal_or_invalid(values.get("output_value"), "产值", "The output value")
    if output_value <= 0:
        raise Invalid("产值必须大于零", "The output value must be greater than zero")
    source = (values.get("source") or "").strip()
    if not source:
        raise Invalid("请注明产值数据的来源（如统计报表）", "Say where the output value comes from")
    value_kind = values.get("value_kind") or "output_value"
    if value_kind not in ("output_value", "value_added"):
        raise Invalid("经济指标只能是产值或增加值", "The economic figure is output value or value added")
    product_output = values.get("product_output")
    product: Decimal | None = None
    if product_output not in (None, ""):
        product = decimal_or_invalid(product_output, "产品产量", "The product output")
        if product <= 0:
            raise Invalid("产品产量必须大于零", "The product output must be greater than zero")
        if not (values.get("product_name") or "").strip():
            raise Invalid("请填写产品名称", "Name the product")
    product_unit = (values.get("product_unit") or "").strip()
    if product is not None and product_unit and not units.is_unit(product_unit) and len(product_unit) > 16:
        raise Invalid("产品单位过长", "The product unit is too long")
    row = session.execute(
        select(EconomicData).where(col(EconomicData.enterprise_id) == enterprise.id, col(EconomicData.year) == year)
    ).scalar()
    before = None
    assert enterprise.id is not None and actor.id is not None
    if row is None:
        row = EconomicData(
            park_id=actor.park_id,
            enterprise_id=enterprise.id,
            year=year,
            output_value=output_value,
            source=source,
            updated_by_id=actor.id,
        )
    else:
        before = {"output_value": str(row.output_value), "source": row.source}
    row.output_value, row.source, row.value_kind = output_value, source, value_kind
    row.product_name = (values.get("product_name") or "").strip() if product is not None else ""
    row.product_output, row.product_unit = product, product_unit if product is not None else ""
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    session.add(row)
    session.flush()
    events.record(
        session,
        action="economic_data.set",
        entity_type="enterprise",
        entity_id=enterprise.id,
        park_id=actor.park_id,
        actor=actor,
        before=before,
        after={"year": year, "output_value": str(output_value), "source": source, "product_output": str(product)},
    )
    return row


def economic_data(session: Session, park_id: int, year: int) -> dict[int, EconomicData]:
    rows = session.execute(
        select(EconomicData).where(col(EconomicData.park_id) == park_id, col(EconomicData.year) == year)
    ).scalars()
    return {row.enterprise_id: row for row in rows}


@dataclass(frozen=True)
class Output:
    """An enterprise's output of a year, as the intensities divide by it (no ORM object: read for many years)."""

    output_value: Decimal
    product_output: Decimal | None


def outputs_of_years(session: Session, park_id: int, years: list[int]) -> dict[int, dict[int, Output]]:
    """{year: {enterprise id: Output}} of several years in one read."""
    out: dict[int, dict[int, Output]] = {year: {} for year in years}
    rows = session.execute(
        select(
            col(EconomicData.year),
            col(EconomicData.enterprise_id),
            col(EconomicData.output_value),
            col(EconomicData.product_output),
        ).where(col(EconomicData.park_id) == park_id, col(EconomicData.year).in_(years))
    ).all()
    for year, enterprise_id, output_value, product_output in rows:
        out[year][enterprise_id] = Output(output_value, product_output)
    return out
