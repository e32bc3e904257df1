"""The demo park (示范产业园): one user per role and documents in several states, so a new user sees a real
dashboard. Passwords are random and printed once."""

import secrets
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

import app.models  # noqa: F401 - every table known to the mappers (User refers to enterprise)
from app import docx_reports
from app.clauses.models import Clause, DocType, DocTypeClause
from app.config import get_settings
from app.db import session_scope
from app.documents import records_service, storage
from app.documents import service as documents
from app.documents.lifecycle import Action
from app.documents.models import AccessLevel
from app.inventory.demo import seed_demo_inventory
from app.parks import service as parks
from app.performance.demo import seed_demo_performance
from app.registers.demo import seed_demo_registers
from app.users import service as users
from app.users.models import Park, Role, User

DEMO_CODE = "DEMO"
DEMO_NAME = "示范产业园"

DEMO_USERS = [
    ("admin", Role.admin, "系统管理员 赵敏", "信息中心"),
    ("coordinator", Role.coordinator, "体系管理员 李娜", "碳管理办公室"),
    ("approver", Role.approver, "部门负责人 王强", "能源管理部"),
    ("top", Role.top_management, "园区主任 陈刚", "管委会"),
    ("auditor", Role.auditor, "内审员 刘洋", "审计室"),
    ("contributor", Role.contributor, "企业填报员 周婷", "某新材料有限公司"),
]

# The park's carbon management leadership group (the review report's chapter 3 一): name, title, role, unit.
DEMO_ORGANISATION = [
    ("陈刚", "园区管委会主任", "组长", "管委会"),
    ("王强", "能源管理部部长", "副组长", "能源管理部"),
    ("李娜", "碳管理办公室主任", "成员（碳排放管理人员）", "碳管理办公室"),
]

# (doc type, title, access level, how far it goes)
DEMO_DOCUMENTS = [
    ("CARBON_POLICY", "示范产业园碳排放管理方针", AccessLevel.public, "effective"),
    ("CMS_SCOPE_BOUNDARY", "碳排放管理体系范围和边界说明", AccessLevel.public, "effective"),
    ("CARBON_MANAGEMENT_RULES", "示范产业园碳排放管理制度", AccessLevel.internal, "effective"),
    ("ORGANISATION_RESPONSIBILITIES", "碳排放管理机构设置及职责", AccessLevel.internal, "effective"),
    ("DATA_MANAGEMENT_RULES", "示范产业园数据管理制度", AccessLevel.internal, "in_review"),
    ("IMPLEMENTATION_PLAN", "2026年度碳排放管理实施方案", AccessLevel.internal, "approved"),
    ("STAKEHOLDER_REGISTER", "产业园区利益相关方名录（2024版）", AccessLevel.internal, "obsolete"),
]


def _docx(path: Path, title: str, paragraphs: list[str]) -> None:
    document = docx_reports.new_report_document(latin="SimSun", east_asian="宋体")
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "编制单位", "碳管理办公室"
    table.cell(1, 0).text, table.cell(1, 1).text = "适用范围", DEMO_NAME
    document.save(str(path))


def _content_for(session: Session, doc_type: DocType, title: str) -> list[str]:
    clause_ids = (
        session.execute(select(col(DocTypeClause.clause_id)).where(col(DocTypeClause.doc_type) == doc_type.code))
        .scalars()
        .all()
    )
    clauses = session.execute(select(Clause).where(col(Clause.id).in_(clause_ids))).scalars().all()
    lines = [f"{DEMO_NAME}《{title}》", doc_type.description_zh]
    for clause in clauses:
        lines.append(f"依据 T/CPQS ZC001—2025 {clause.id} {clause.title_zh}：{clause.requirement_zh}")
    return lines


def _stage(session: Session, folder: Path, doc_type: DocType, title: str, name: str) -> storage.StagedFile:
    settings = get_settings()
    path = folder / name
    _docx(path, title, _content_for(session, doc_type, title))
    return storage.stage_file(path, name, max_bytes=settings.max_upload_bytes, tmp_dir=settings.tmp_dir)


def create_demo() -> list[str]:
    with session_scope() as session:
        if session.execute(select(col(Park.id)).where(col(Park.code) == DEMO_CODE)).first():
            return [
                f"示范园区 {DEMO_CODE} 已存在，密码只在创建时显示一次 / the demo park exists already; "
                "its passwords were printed when it was created (reset them with carbonms create-user)"
            ]
        park = users.create_park(session, code=DEMO_CODE, name=DEMO_NAME)
        people: dict[str, tuple[User, str]] = {}
        for username, role, full_name, unit in DEMO_USERS:
            password = secrets.token_urlsafe(9)
            assigned = (
                ["MONITORING_MEASUREMENT_RECORDS", "PROCESS_MANAGEMENT_RECORDS"] if role == Role.contributor else None
            )
            user = users.create_user(
                session,
                park=park,
                username=f"demo_{username}",
                password=password,
                role=role,
                full_name=full_name,
                unit=unit,
                assigned_doc_types=assigned,
            )
            people[username] = (user, password)
        for position, (name, title, group_role, unit) in enumerate(DEMO_ORGANISATION, start=1):
            parks.add_member(
                session,
                actor=people["coordinator"][0],
                data={"name": name, "title": title, "group_role": group_role, "unit": unit, "position": position},
            )
        with tempfile.TemporaryDirectory() as folder:
            _build_documents(session, Path(folder), people)
        seed_demo_inventory(session, park, people)
        seed_demo_performance(session, park, people)  # the baseline (7.5) and the letter (7.1) are its documents
        seed_demo_registers(session, park)
    lines = [f"示范园区已创建：{DEMO_NAME}（{DEMO_CODE}）/ demo park created. 密码只显示这一次 / passwords shown once:"]
    for username, role, full_name, _unit in DEMO_USERS:
        lines.append(f"  {role.value:<15} demo_{username:<12} {people[username][1]}   {full_name}")
    return lines


def _sign(session: Session, revision_id: int, action: Action, who: tuple[User, str], comment: str = "") -> None:
    user, password = who
    documents.transition_revision(
        session, actor=user, revision_id=revision_id, action=action, comment=comment, password=password
    )


def _build_documents(session: Session, folder: Path, people: dict[str, tuple[User, str]]) -> None:
    coordinator = people["coordinator"][0]
    for index, (code, title, access, goal) in enumerate(DEMO_DOCUMENTS):
        doc_type = session.get_one(DocType, code)
        document = documents.register_document(
            session, actor=coordinator, doc_type_code=code, title=title, owner_unit="碳管理办公室", access_level=access
        )
        assert document.id is not None  # flushed by register_document
        staged = _stage(session, folder, doc_type, title, f"{index:02d}-{code.lower()}.docx")
        revision = documents.add_revision(session, actor=coordinator, document_id=document.id, staged=staged)
        assert revision.id is not None  # flushed by add_revision
        if goal == "draft":
            continue
        documents.transition_revision(session, actor=coordinator, revision_id=revision.id, action=Action.submit)
        if goal == "in_review":
            continue
        final = people["top"] if doc_type.approver_role == Role.top_management else people["approver"]
        reviewer = people["approver"] if final is people["top"] else people["top"]
        _sign(session, revision.id, Action.review, reviewer, "内容符合标准要求")
        _sign(session, revision.id, Action.approve, final, "同意发布")
        if goal == "approved":
            continue
        documents.transition_revision(session, actor=coordinator, revision_id=revision.id, action=Action.publish)
        if goal == "obsolete":
            documents.make_obsolete(
                session, actor=coordinator, document_id=document.id, reason="已由2026版名录取代，旧版保留备查"
            )
    last_year = date.today().year - 1
    record_type = session.get_one(DocType, "EMISSION_REVIEW_RECORD")
    staged = _stage(session, folder, record_type, f"{last_year}年度碳排放管理评审记录", "emission-review.docx")
    _record, record_revision = records_service.create_record(
        session, actor=coordinator, doc_type_code="EMISSION_REVIEW_RECORD", period_text=str(last_year), staged=staged
    )
    assert record_revision.id is not None  # flushed by create_record
    _sign(session, record_revision.id, Action.approve, people["approver"], "评审记录确认")
    monitoring = session.get_one(DocType, "MONITORING_MEASUREMENT_RECORDS")
    contributor = people["contributor"][0]
    staged = _stage(session, folder, monitoring, "重点用能设备月度能耗台账", "monitoring.docx")
    records_service.create_record(
        session,
        actor=contributor,
        doc_type_code="MONITORING_MEASUREMENT_RECORDS",
        period_text=f"{last_year + 1}-{max(1, date.today().month - 1):02d}",
        staged=staged,
    )
