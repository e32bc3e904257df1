"""A few rows in each register of the demo park, so a coordinator can confirm, evaluate, re-assess and publish."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.common import utcnow
from app.inventory.models import EmissionSource, Enterprise, SourceCategory
from app.readiness.items import add_months
from app.registers import reading, service
from app.registers.specs import RegisterKind
from app.users.models import Park, Role, User

DEMO_ENTERPRISE = "某新材料有限公司"
# A placeholder code of the right shape for the demo only (18 characters); a real park enters its enterprises' codes.
DEMO_CREDIT_CODE = "DEMO00000000000001"

PARTIES: list[dict[str, Any]] = [
    {"name": "地方生态环境主管部门", "side": "external", "needs_expectations": "按期报送园区及重点企业碳排放数据"},
    {"name": "入园企业", "side": "external", "needs_expectations": "降低用能成本，获得低碳技术和政策服务"},
    {"name": "园区管委会各部门", "side": "internal", "needs_expectations": "明确碳排放管理职责和数据口径"},
]
CHANNELS: list[dict[str, Any]] = [
    {
        "name": "生态环境部网站",
        "brings": "碳排放相关法律法规和政策",
        "frequency": "每周",
        "responsible": "碳管理办公室",
    },
    {"name": "行业协会通报", "brings": "行业低碳技术和标准动态", "frequency": "每月", "responsible": "能源管理部"},
]
RISKS: list[dict[str, Any]] = [
    {
        "category": "strategic",
        "title": "地方碳达峰政策要求收紧",
        "likelihood": 3,
        "consequence": 4,
        "actions": "跟踪政策并调整年度目标",
        "effectiveness_method": "年度目标完成情况",
        "owner": "碳管理办公室",
    },
    {
        "category": "operational",
        "title": "企业活动数据填报不完整",
        "likelihood": 4,
        "consequence": 3,
        "actions": "数据填报培训与月度核查",
        "effectiveness_method": "数据完整率",
        "owner": "能源管理部",
    },
    {
        "category": "opportunity",
        "title": "园区分布式光伏建设",
        "likelihood": 3,
        "consequence": 3,
        "actions": "开展屋顶资源普查",
        "effectiveness_method": "装机容量进展",
        "owner": "管委会",
    },
]


def _enterprise_and_source(session: Session, park_id: int) -> tuple[int, int]:
    enterprise = (
        session.execute(
            select(Enterprise).where(col(Enterprise.park_id) == park_id, col(Enterprise.name) == DEMO_ENTERPRISE)
        )
        .scalars()
        .first()
    )
    if enterprise is None:
        enterprise = Enterprise(park_id=park_id, name=DEMO_ENTERPRISE, credit_code=DEMO_CREDIT_CODE)
        session.add(enterprise)
        session.flush()
    assert enterprise.id is not None  # flushed
    source = (
        session.execute(select(EmissionSource).where(col(EmissionSource.enterprise_id) == enterprise.id))
        .scalars()
        .first()
    )
    if source is None:
        source = EmissionSource(
            park_id=park_id,
            enterprise_id=enterprise.id,
            name="外购电力",
            category=SourceCategory.purchased_electricity,
            scope=2,
        )
        session.add(source)
        session.flush()
    assert source.id is not None  # flushed
    return enterprise.id, source.id


def seed_demo_registers(session: Session, park: Park) -> None:
    coordinator = (
        session.execute(select(User).where(col(User.park_id) == park.id, col(User.role) == Role.coordinator))
        .scalars()
        .first()
    )
    assert coordinator is not None, "the demo park has a coordinator"
    reading.settings_for(session, coordinator.park_id)  # the standard's references, as candidates
    for body in PARTIES:
        service.create_row(session, actor=coordinator, kind=RegisterKind.parties, body=body)
    for body in CHANNELS:
        service.create_row(session, actor=coordinator, kind=RegisterKind.channels, body=body)
    for body in RISKS:
        service.create_row(session, actor=coordinator, kind=RegisterKind.risks, body=body)
    enterprise_id, source_id = _enterprise_and_source(session, coordinator.park_id)
    today = utcnow().date()
    service.create_row(
        session,
        actor=coordinator,
        kind=RegisterKind.equipment,
        body={
            "name": "电能表 DB-01",
            "measures": "外购电量",
            "enterprise_id": enterprise_id,
            "emission_source_id": source_id,
            "accuracy_class": "1.0",
            "interval_months": 12,
            "last_calibrated_on": add_months(today, -14).isoformat(),  # overdue: a task and flagged readings
        },
    )
    service.create_row(
        session,
        actor=coordinator,
        kind=RegisterKind.competence,
        body={"role_name": "碳排放管理员", "required_competence": "熟悉 GB/T 32150 核算方法和园区数据管理制度"},
    )
    service.create_row(
        session,
        actor=coordinator,
        kind=RegisterKind.training,
        body={
            "held_on": (today - timedelta(days=30)).isoformat(),
            "title": "碳排放核算与数据填报培训",
            "content_areas": ["policy", "technology"],
            "attendees": "各企业填报人员",
            "assessment": "现场测验，全部合格",
        },
    )
    service.create_row(
        session,
        actor=coordinator,
        kind=RegisterKind.communication,
        body={
            "held_on": (today - timedelta(days=20)).isoformat(),
            "form": "meeting",
            "side": "internal",
            "subject": "碳排放管理月度例会",
            "participants": "碳管理办公室、能源管理部",
            "summary": "通报数据填报进度，布置合规性评价",
        },
    )
