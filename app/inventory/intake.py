"""Activity data coming in through the workbook: the blank one to fill in, and the filled-in one read back."""

from sqlalchemy import select
from sqlmodel import Session, col

from app.documents import storage
from app.documents.extract import XLSX
from app.errors import Invalid
from app.inventory import boundary, workbook
from app.inventory.models import EmissionSource, Enterprise, Submission
from app.inventory.rows import RowErrors
from app.inventory.service import check_year, get_enterprise
from app.inventory.submissions import prepare
from app.users.models import User


def blank_workbook(session: Session, *, enterprise: Enterprise, year: int) -> bytes:
    """The workbook to fill in: the enterprise's in-scope sources of the year, with their units and drop-downs."""
    check_year(year)
    in_scope = boundary.in_scope_source_ids(session, enterprise.park_id, year)
    sources = [
        source
        for source in session.execute(
            select(EmissionSource)
            .where(col(EmissionSource.enterprise_id) == enterprise.id)
            .order_by(col(EmissionSource.id))
        ).scalars()
        if source.id in in_scope
    ]
    return workbook.generate(
        enterprise_name=enterprise.name, credit_code=enterprise.credit_code, year=year, sources=sources
    )


def import_workbook(
    session: Session, *, actor: User, enterprise_id: int, year: int, staged: storage.StagedFile
) -> Submission:
    """Read a filled-in workbook; every row checked, the whole workbook refused if any row is wrong."""
    try:
        if staged.media_type != XLSX:
            raise Invalid("请上传由 carbonms 生成的 .xlsx 工作簿", "Upload the .xlsx workbook carbonms generated")
        try:
            info, rows, errors = workbook.read(staged.temp_path.read_bytes())
        except ValueError as exc:
            raise Invalid("工作簿无法读取", "The workbook cannot be read") from exc
        enterprise = get_enterprise(session, enterprise_id=enterprise_id, user=actor)
        code = info.get("统一社会信用代码")
        if code and str(code).strip() != enterprise.credit_code:
            errors.append(
                workbook.RowError(
                    workbook.INFO, 2, "统一社会信用代码", "工作簿属于另一家企业", "The workbook is another enterprise's"
                )
            )
        if info.get("年度") not in (None, "") and str(info.get("年度")).strip() != str(year):
            errors.append(
                workbook.RowError(
                    workbook.INFO, 3, "年度", f"工作簿的年度不是 {year}", f"The workbook is not for {year}"
                )
            )
        if errors:
            raise RowErrors(errors)
        return prepare(
            session,
            actor=actor,
            enterprise_id=enterprise_id,
            year=year,
            month=None,
            rows=[],
            numbered=rows,
            sheet=workbook.SHEET,
        )
    finally:
        storage.discard(staged)
