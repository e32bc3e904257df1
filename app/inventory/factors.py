"""The emission factor library: versioned data sets, each factor with its parameters and its source.

No numeric factor ships with carbonms: no default value could be quoted here exactly with its document, table and
row, so the park enters (or imports) the factors it uses, each with its citation. A factor is never edited: a
correction is a new version (`supersedes_id`), so every row that used the old one still shows it.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.errors import Conflict, Invalid, NotFound
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.inventory import units
from app.inventory.models import (
    ActivityData,
    EmissionFactor,
    FactorDataSet,
    FactorKind,
    FactorOrigin,
)
from app.inventory.service import decimal_or_invalid, require_manager
from app.users.models import User

FIELDS = (
    "code",
    "kind",
    "quantity",
    "activity_unit",
    "ncv",
    "carbon_content",
    "oxidation_rate",
    "direct_factor",
    "valid_from_year",
    "valid_to_year",
    "region",
    "origin",
    "source_document",
    "source_table",
    "source_row",
)
_ENERGY_KINDS = {FactorKind.electricity, FactorKind.heat}
_ORIGIN_PRIORITY = {FactorOrigin.measured: 0, FactorOrigin.supplier: 1, FactorOrigin.published: 2}


def get_data_set(session: Session, *, data_set_id: int, user: User) -> FactorDataSet:
    data_set = session.get(FactorDataSet, data_set_id)
    if data_set is None or data_set.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "factor_data_set", data_set_id) if data_set is not None else None
        raise NotFound("排放因子数据集不存在", "Factor data set not found", audit=audit)
    return data_set


def get_factor(session: Session, *, factor_id: int, user: User) -> EmissionFactor:
    factor = session.get(EmissionFactor, factor_id)
    if factor is None or factor.park_id != user.park_id:
        audit = refusal(user, Rule.other_park, "emission_factor", factor_id) if factor is not None else None
        raise NotFound("排放因子不存在", "Emission factor not found", audit=audit)
    return factor


def list_data_sets(session: Session, *, user: User) -> list[FactorDataSet]:
    return list(
        session.execute(
            select(FactorDataSet).where(col(FactorDataSet.park_id) == user.park_id).order_by(col(FactorDataSet.id))
        ).scalars()
    )


def list_factors(session: Session, *, user: User, data_set_id: int | None = None) -> list[EmissionFactor]:
    query = select(EmissionFactor).where(col(EmissionFactor.park_id) == user.park_id)
    if data_set_id is not None:
        query = query.where(col(EmissionFactor.data_set_id) == data_set_id)
    return list(session.execute(query.order_by(col(EmissionFactor.code), col(EmissionFactor.version))).scalars())


def create_data_set(
    session: Session,
    *,
    actor: User,
    code: str,
    name: str,
    source_document: str = "",
    evidence: tuple[str, str] | None = None,
) -> FactorDataSet:
    require_manager(actor, "factor_data_set")
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise Invalid("数据集编码和名称不能为空", "A data set needs a code and a name")
    version = (
        session.execute(
            select(col(FactorDataSet.version))
            .where(col(FactorDataSet.park_id) == actor.park_id, col(FactorDataSet.code) == code)
            .order_by(col(FactorDataSet.version).desc())
        ).scalar()
        or 0
    ) + 1
    assert actor.id is not None
    data_set = FactorDataSet(
        park_id=actor.park_id,
        code=code,
        version=version,
        name=name,
        source_document=source_document.strip(),
        evidence_sha256=evidence[0] if evidence else None,
        evidence_name=evidence[1] if evidence else "",
        created_by_id=actor.id,
    )
    session.add(data_set)
    session.flush()
    events.record(
        session,
        action="factor_data_set.create",
        entity_type="factor_data_set",
        entity_id=data_set.id,
        park_id=actor.park_id,
        actor=actor,
        after={"code": code, "version": version, "name": name, "evidence": data_set.evidence_sha256},
    )
    return data_set


def _optional_decimal(values: dict[str, Any], key: str, zh: str, en: str) -> Decimal | None:
    raw = values.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    number = decimal_or_invalid(raw, zh, en)
    if number <= 0:
        raise Invalid(f"{zh}必须大于零", f"{en} must be greater than zero")
    return number


def _optional_year(values: dict[str, Any], key: str, zh: str, en: str) -> int | None:
    raw = values.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        year = int(str(raw).strip())
    except ValueError as exc:
        raise Invalid(f"{zh}不是年份", f"{en} is not a year") from exc
    if not 1990 <= year <= 2100:
        raise Invalid(f"{zh}应在 1990–2100 之间", f"{en} must lie between 1990 and 2100")
    return year


def checked_values(values: dict[str, Any], *, has_evidence: bool) -> dict[str, Any]:
    """A factor's fields, checked (every refusal in Chinese and English); the same checks for API and import."""
    out: dict[str, Any] = {}
    out["code"] = str(values.get("code") or "").strip()
    if not out["code"] or len(out["code"]) > 64:
        raise Invalid("因子编码不能为空（最多 64 个字符）", "A factor needs a code (at most 64 characters)")
    try:
        kind = FactorKind(str(values.get("kind") or "").strip())
    except ValueError as exc:
        raise Invalid(
            "因子类型只能是 fuel、process、waste、electricity 或 heat",
            "The factor kind is one of fuel, process, waste, electricity, heat",
        ) from exc
    out["kind"] = kind
    out["quantity"] = str(values.get("quantity") or "").strip()
    if not out["quantity"]:
        raise Invalid(
            "请填写因子适用的燃料、过程、电网区域或热力", "Name the fuel, process, grid or heat it applies to"
        )
    unit = str(values.get("activity_unit") or "").strip()
    if not units.is_unit(unit):
        raise Invalid(f"未知的计量单位：{unit}", f"Unknown unit: {unit}")
    if kind in _ENERGY_KINDS and not units.same_dimension(unit, "GJ"):
        raise Invalid(
            f"电力、热力因子的活动数据单位应为能量单位（如 MWh、GJ），而不是 {unit}",
            f"Electricity and heat factors are per unit of energy (MWh, GJ), not {unit}",
        )
    out["activity_unit"] = unit
    out["ncv"] = _optional_decimal(values, "ncv", "低位发热量", "The net calorific value")
    out["carbon_content"] = _optional_decimal(values, "carbon_content", "单位热值含碳量", "The carbon content")
    out["oxidation_rate"] = _optional_decimal(values, "oxidation_rate", "碳氧化率", "The oxidation rate")
    out["direct_factor"] = _optional_decimal(values, "direct_factor", "排放因子", "The emission factor")
    if out["oxidation_rate"] is not None and out["oxidation_rate"] > 1:
        raise Invalid("碳氧化率不能大于 1（请以小数填写，如 0.98）", "The oxidation rate is at most 1 (e.g. 0.98)")
    fuel_parameters = [out["ncv"], out["carbon_content"], out["oxidation_rate"]]
    if kind == FactorKind.fuel:
        complete = all(p is not None for p in fuel_parameters)
        if not complete and out["direct_factor"] is None:
            raise Invalid(
                "燃料因子需要低位发热量、单位热值含碳量和碳氧化率三项（或一个直接排放因子）",
                "A fuel factor needs NCV, carbon content and oxidation rate (or a direct factor)",
            )
    elif out["direct_factor"] is None:
        raise Invalid("请填写排放因子数值（tCO₂/活动数据单位）", "Give the factor's value (tCO₂ per activity unit)")
    out["valid_from_year"] = _optional_year(values, "valid_from_year", "起始年度", "The first valid year")
    out["valid_to_year"] = _optional_year(values, "valid_to_year", "截止年度", "The last valid year")
    if out["valid_from_year"] and out["valid_to_year"] and out["valid_to_year"] < out["valid_from_year"]:
        raise Invalid("截止年度早于起始年度", "The last valid year is before the first")
    out["region"] = str(values.get("region") or "").strip()[:100]
    try:
        out["origin"] = FactorOrigin(str(values.get("origin") or "published").strip())
    except ValueError as exc:
        raise Invalid(
            "来源类型只能是 published、measured 或 supplier", "The origin is one of published, measured, supplier"
        ) from exc
    out["source_document"] = str(values.get("source_document") or "").strip()
    if not out["source_document"]:
        raise Invalid("请注明因子的来源文件（文件、表、行）", "Cite the factor's source (document, table, row)")
    out["source_table"] = str(values.get("source_table") or "").strip()[:200]
    out["source_row"] = str(values.get("source_row") or "").strip()[:200]
    if out["origin"] == FactorOrigin.published and not (out["source_table"] and out["source_row"]):
        raise Invalid(
            "公开发布的因子须注明其所在的表和行", "A published factor must cite the table and row it is quoted from"
        )
    if out["origin"] != FactorOrigin.published and not has_evidence:
        raise Invalid(
            "实测或供应商提供的因子须附证据文件（检测报告、供应商证明）",
            "A measured or supplier factor needs its evidence file (test report, supplier statement)",
        )
    return out


def _snapshot(factor: EmissionFactor) -> dict[str, Any]:
    return {name: str(value) if (value := getattr(factor, name)) is not None else None for name in FIELDS}


def add_factor(
    session: Session,
    *,
    actor: User,
    data_set_id: int,
    values: dict[str, Any],
    evidence: tuple[str, str] | None = None,
    supersedes: EmissionFactor | None = None,
    change_reason: str = "",
) -> EmissionFactor:
    require_manager(actor, "emission_factor")
    data_set = get_data_set(session, data_set_id=data_set_id, user=actor)
    has_evidence = evidence is not None or data_set.evidence_sha256 is not None
    checked = checked_values(values, has_evidence=has_evidence)
    latest = session.execute(
        select(EmissionFactor)
        .where(col(EmissionFactor.park_id) == actor.park_id, col(EmissionFactor.code) == checked["code"])
        .order_by(col(EmissionFactor.version).desc())
    ).scalar()
    if latest is not None and supersedes is None:
        raise Conflict(
            f"因子编码 {checked['code']} 已存在；更正请建立新版本",
            f"Factor code {checked['code']} exists; a correction is a new version",
        )
    if supersedes is not None and latest is not None and latest.id != supersedes.id:
        raise Conflict("只能更正该因子的最新版本", "Only the newest version of a factor can be corrected")
    assert data_set.id is not None and actor.id is not None
    factor = EmissionFactor(
        park_id=actor.park_id,
        data_set_id=data_set.id,
        version=(latest.version + 1) if latest is not None else 1,
        supersedes_id=supersedes.id if supersedes is not None else None,
        evidence_sha256=evidence[0] if evidence else None,
        evidence_name=evidence[1] if evidence else "",
        change_reason=change_reason,
        created_by_id=actor.id,
        **checked,
    )
    session.add(factor)
    session.flush()
    events.record(
        session,
        action="emission_factor.create" if supersedes is None else "emission_factor.correct",
        entity_type="emission_factor",
        entity_id=factor.id,
        park_id=actor.park_id,
        actor=actor,
        before=_snapshot(supersedes) if supersedes is not None else None,
        after=_snapshot(factor) | {"version": factor.version, "change_reason": change_reason},
    )
    return factor


def correct_factor(
    session: Session,
    *,
    actor: User,
    factor_id: int,
    values: dict[str, Any],
    reason: str,
    evidence: tuple[str, str] | None = None,
) -> EmissionFactor:
    """A correction: a new version of the factor; the old one stays, with every row that used it."""
    old = get_factor(session, factor_id=factor_id, user=actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("更正排放因子须填写原因", "A correction of a factor needs a reason")
    merged = {name: getattr(old, name) for name in FIELDS} | {k: v for k, v in values.items() if k in FIELDS}
    merged["code"] = old.code  # a version of the same factor
    if evidence is None and old.evidence_sha256:
        evidence = (old.evidence_sha256, old.evidence_name)
    return add_factor(
        session,
        actor=actor,
        data_set_id=values.get("data_set_id") or old.data_set_id,
        values=merged,
        evidence=evidence,
        supersedes=old,
        change_reason=reason,
    )


def latest_version(session: Session, park_id: int, code: str) -> EmissionFactor | None:
    return session.execute(
        select(EmissionFactor)
        .where(col(EmissionFactor.park_id) == park_id, col(EmissionFactor.code) == code)
        .order_by(col(EmissionFactor.version).desc())
    ).scalar()


def is_current(session: Session, factor_id: int) -> bool:
    return (
        session.execute(select(col(EmissionFactor.id)).where(col(EmissionFactor.supersedes_id) == factor_id)).first()
        is None
    )


def find_factor(session: Session, *, park_id: int, kind: FactorKind, quantity: str, year: int) -> EmissionFactor | None:
    """The current factor for this quantity and year: measured before supplier before published, then newest."""
    candidates = session.execute(
        select(EmissionFactor).where(
            col(EmissionFactor.park_id) == park_id,
            col(EmissionFactor.kind) == kind,
            col(EmissionFactor.quantity) == quantity,
        )
    ).scalars()
    rows = list(candidates)
    superseded = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    valid = [
        row
        for row in rows
        if row.id not in superseded
        and (row.valid_from_year is None or row.valid_from_year <= year)
        and (row.valid_to_year is None or year <= row.valid_to_year)
    ]
    valid.sort(key=lambda row: (_ORIGIN_PRIORITY[FactorOrigin(row.origin)], -(row.id or 0)))
    return valid[0] if valid else None


def usage(session: Session, factor_id: int) -> list[int]:
    """The submissions whose rows used this factor version (what used which version stays visible)."""
    return sorted(
        set(
            session.execute(
                select(col(ActivityData.submission_id)).where(col(ActivityData.factor_id) == factor_id)
            ).scalars()
        )
    )
