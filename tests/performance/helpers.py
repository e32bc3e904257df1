"""A park whose performance is known by hand: two enterprises' purchased electricity over 2024 and 2025 (through the
inventory API, confirmed by the coordinator), their output values, and performance rows written with the ORM (the
other performance streams' services are not needed to read them).

Grid factor 0.6 tCO₂/MWh (a test input, not a published value):
- A: 2024 900 MWh → 540 t; 2025 800 MWh → 480 t.   B: 2024 500 MWh → 300 t; 2025 450 MWh → 270 t.
- Park total: 2024 840 t, 2025 750 t.
- Output value: 2024 A 2000 + B 1000 = 3000 万元; 2025 A 2000 + B 1500 = 3500 万元.
- Intensity: 2024 840 / 3000 = 0.28; 2025 750 / 3500 = 0.2142857… tCO₂/万元.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal as D

from app.common import utcnow
from app.db import session_scope
from app.performance.models import (
    Baseline,
    Deviation,
    Direction,
    Indicator,
    IndicatorFormula,
    IndicatorLevel,
    ManualValue,
    Measure,
    MeasureProgress,
    MeasureStatus,
    MeasureTarget,
    Milestone,
    Objective,
    ObjectiveCategory,
    Target,
)
from tests.factories import TestPark, publish_new_document, register, upload
from tests.inventory.helpers import (
    API,
    add_contributor,
    assign,
    boundary,
    confirm,
    data_set,
    enterprise,
    factor,
    ok,
    submit_rows,
)
from tests.inventory.helpers import source as make_source

MWH = {"a": {2024: "900", 2025: "800"}, "b": {2024: "500", 2025: "450"}}
OUTPUT = {"a": {2024: "2000", 2025: "2000"}, "b": {2024: "1000", 2025: "1500"}}


@dataclass
class Built:
    enterprises: dict[str, int]
    indicators: dict[str, int] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)
    measures: dict[str, int] = field(default_factory=dict)
    baselines: dict[str, int] = field(default_factory=dict)
    deviation_id: int = 0
    objective_id: int = 0


def build_inventory(park: TestPark) -> dict[str, int]:
    a = enterprise(park, "甲化工有限公司", 1)
    b = enterprise(park, "乙材料有限公司", 2)
    add_contributor(park, "contributor_b")
    assign(park, "contributor", a["id"])
    assign(park, "contributor_b", b["id"])
    grid = {
        "a": make_source(park, a["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
        "b": make_source(park, b["id"], "外购电力", "purchased_electricity", "华东电网", "MWh"),
    }
    ds = data_set(park)
    factor(park, ds["id"], code="grid", kind="electricity", quantity="华东电网", activity_unit="MWh",
           direct_factor="0.6", region="华东")  # fmt: skip
    ids = {"a": a["id"], "b": b["id"]}
    for year in (2024, 2025):
        boundary(park, year, [grid["a"]["id"], grid["b"]["id"]])
        for key, role in (("a", "contributor"), ("b", "contributor_b")):
            rows = [{"source_id": grid[key]["id"], "quantity": MWH[key][year], "unit": "MWh", "quality": "metered"}]
            confirm(park, submit_rows(park, role, ids[key], year, rows)["id"])
            body = {"output_value": OUTPUT[key][year], "source": f"{year} 年统计年报"}
            url = f"{API}/enterprises/{ids[key]}/economic/{year}"
            ok(park.client.put(url, json=body, headers=park.headers("coordinator")))
    return ids


def _indicator(session, park: TestPark, code: str, formula: IndicatorFormula, **extra) -> int:
    row = Indicator(
        park_id=park.id,
        code=code,
        name=extra.pop("name", code),
        unit=extra.pop("unit", "tCO₂"),
        level=extra.pop("level", IndicatorLevel.park),
        formula=formula,
        created_by_id=park.user_ids["coordinator"],
        **extra,
    )
    session.add(row)
    session.flush()
    return row.id or 0


def _target(session, park: TestPark, objective_id: int, indicator_id: int, title: str, **extra) -> int:
    row = Target(
        park_id=park.id,
        objective_id=objective_id,
        indicator_id=indicator_id,
        title=title,
        responsible_unit=extra.pop("responsible_unit", "园区管委会"),
        created_by_id=park.user_ids["coordinator"],
        **extra,
    )
    session.add(row)
    session.flush()
    return row.id or 0


def build_performance(park: TestPark, *, with_inventory: bool = True) -> Built:
    """The inventory above, plus:
    - indicators TOTAL (park total), INT (park intensity), A_TOTAL (enterprise A's total), HEAT (manual 余热利用率,
      higher is better; 2025 entered 30 then corrected to 35);
    - baselines: TOTAL 2024 = 840 in force (an effective CARBON_BASELINE revision); INT 2024 = 0.28 still a draft;
    - targets: T_TOTAL 600 by 2027 (on track), T_INT 0.2 by 2026 (at risk), T_A 450 by 2025 (missed), T_HEAT 30 by
      2025 (achieved), T_LATER on INT starting 2026 (no data), and a withdrawn one (not shown);
    - measures: M_LED (for T_TOTAL, in progress, 2025 effect 30 corrected to 40, a milestone overdue → behind
      schedule), M_DONE (completed in 2024, no 2025 effect);
    - a 2025 deviation on INT, open.
    """
    enterprises = build_inventory(park) if with_inventory else {}
    _doc, effective = publish_new_document(park, "CARBON_BASELINE", title="碳排放管理基准（2024）")
    draft_doc = register(park, "CARBON_BASELINE", title="碳排放强度基准（草稿）")
    draft = upload(park, draft_doc["id"]).json()
    coordinator = park.user_ids["coordinator"]
    built = Built(enterprises)
    with session_scope() as session:
        total = _indicator(session, park, "TOTAL", IndicatorFormula.total_emission, name="园区碳排放总量")
        intensity = _indicator(
            session,
            park,
            "INT",
            IndicatorFormula.intensity_output_value,
            name="园区碳排放强度",
            unit="tCO₂/万元",
            deviation_percent=D("5"),
        )
        heat = _indicator(
            session, park, "HEAT", IndicatorFormula.manual, name="余热利用率", unit="%",
            direction=Direction.higher_is_better,
        )  # fmt: skip
        own = _indicator(
            session,
            park,
            "A_TOTAL",
            IndicatorFormula.total_emission,
            name="甲化工碳排放总量",
            level=IndicatorLevel.enterprise,
            enterprise_id=enterprises.get("a"),
        ) if with_inventory else 0  # fmt: skip
        built.indicators = {"TOTAL": total, "INT": intensity, "HEAT": heat, "A_TOTAL": own}
        first = ManualValue(park_id=park.id, indicator_id=heat, year=2025, value=D("30"), evidence_note="台账",
                            entered_by_id=coordinator)  # fmt: skip
        session.add(first)
        session.flush()
        session.add(ManualValue(park_id=park.id, indicator_id=heat, year=2025, value=D("35"), supersedes_id=first.id,
                                change_reason="更正", evidence_note="台账", entered_by_id=coordinator))  # fmt: skip
        for key, indicator_id, value, revision in (
            ("TOTAL", total, D("840"), effective),
            ("INT", intensity, D("0.28"), draft),
        ):
            baseline = Baseline(park_id=park.id, indicator_id=indicator_id, base_year=2024, value=value,
                                document_id=revision["document_id"], revision_id=revision["id"],
                                created_by_id=coordinator)  # fmt: skip
            session.add(baseline)
            session.flush()
            built.baselines[key] = baseline.id or 0
        objective = Objective(park_id=park.id, category=ObjectiveCategory.performance, title="2027 年碳排放总量下降",
                              target_year=2027, created_by_id=coordinator)  # fmt: skip
        session.add(objective)
        session.flush()
        oid = built.objective_id = objective.id or 0
        t = built.targets
        t["T_TOTAL"] = _target(session, park, oid, total, "总量降至 600 t", target_value=D("600"), base_year=2024,
                               start_year=2024, deadline=date(2027, 12, 31))  # fmt: skip
        t["T_INT"] = _target(session, park, oid, intensity, "强度降至 0.2", target_value=D("0.2"), base_year=2024,
                             start_year=2024, deadline=date(2026, 12, 31))  # fmt: skip
        if with_inventory:
            t["T_A"] = _target(session, park, oid, own, "甲化工总量不超过 450 t", target_value=D("450"),
                               start_year=2024, deadline=date(2025, 12, 31), responsible_unit="甲化工有限公司",
                               responsible_enterprise_id=enterprises["a"])  # fmt: skip
        t["T_HEAT"] = _target(session, park, oid, heat, "余热利用率达到 30%", target_value=D("30"), start_year=2025,
                              deadline=date(2025, 12, 31))  # fmt: skip
        t["T_LATER"] = _target(session, park, oid, intensity, "2026 起强度 0.19", target_value=D("0.19"),
                               start_year=2026, deadline=date(2028, 12, 31))  # fmt: skip
        withdrawn = Target(park_id=park.id, objective_id=oid, indicator_id=total, title="已撤回的指标",
                           target_value=D("1"), start_year=2024, deadline=date(2025, 12, 31), responsible_unit="x",
                           withdrawn_reason="重复", created_by_id=coordinator)  # fmt: skip
        withdrawn.withdrawn_at = utcnow()
        session.add(withdrawn)
        led = Measure(park_id=park.id, title="LED 照明改造", responsible_unit="能源管理部",
                      expected_reduction=D("50"), start_date=date(2025, 1, 1), end_date=date(2026, 6, 30),
                      created_by_id=coordinator)  # fmt: skip
        done = Measure(park_id=park.id, title="空压机变频", responsible_unit="能源管理部",
                       expected_reduction=D("20"), start_date=date(2024, 1, 1), end_date=date(2024, 12, 31),
                       created_by_id=coordinator)  # fmt: skip
        session.add_all([led, done])
        session.flush()
        built.measures = {"M_LED": led.id or 0, "M_DONE": done.id or 0}
        session.add(MeasureTarget(measure_id=led.id or 0, target_id=t["T_TOTAL"]))
        session.add(Milestone(measure_id=led.id or 0, title="一期完工", due_date=date(2025, 6, 30)))
        session.add(Milestone(measure_id=done.id or 0, title="完工", due_date=date(2024, 6, 30),
                              done_on=date(2024, 6, 1)))  # fmt: skip
        for measure_id, year, state, effect in (
            (led.id, 2025, MeasureStatus.in_progress, D("30")),
            (led.id, 2025, MeasureStatus.in_progress, D("40")),
            (done.id, 2024, MeasureStatus.completed, D("20")),
        ):
            session.add(MeasureProgress(measure_id=measure_id or 0, year=year, status=state,
                                        achieved_reduction=effect, recorded_by_id=coordinator))  # fmt: skip
            session.flush()
        deviation = Deviation(park_id=park.id, indicator_id=intensity, target_id=t["T_INT"], year=2025,
                              value=D("0.2142857142857142857142857143"), reference_value=D("0.2"),
                              reference_kind="target", deviation_percent=D("7.14"),
                              threshold_percent=D("5"))  # fmt: skip
        session.add(deviation)
        session.flush()
        built.deviation_id = deviation.id or 0
    return built
