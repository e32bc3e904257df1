"""Importing a factor data set from .xlsx or .csv: every row checked as the API checks one factor, every error
listed by sheet, row, column and reason; nothing is written unless every row is right."""

import csv
import io
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session

from app.config import get_settings
from app.documents import storage
from app.documents.extract import XLSX
from app.errors import AppError, Invalid
from app.inventory import factors
from app.inventory.models import EmissionFactor, FactorDataSet
from app.inventory.rows import RowErrors
from app.inventory.service import require_manager
from app.inventory.workbook import RowError
from app.users.models import User

# Column headers (Chinese as the template has them, or the field names).
HEADERS: dict[str, str] = {
    "编码": "code",
    "类型": "kind",
    "适用对象": "quantity",
    "活动数据单位": "activity_unit",
    "低位发热量": "ncv",
    "单位热值含碳量": "carbon_content",
    "碳氧化率": "oxidation_rate",
    "排放因子": "direct_factor",
    "起始年度": "valid_from_year",
    "截止年度": "valid_to_year",
    "区域": "region",
    "来源类型": "origin",
    "来源文件": "source_document",
    "表": "source_table",
    "行": "source_row",
}
KINDS_ZH = {"燃料": "fuel", "工业生产过程": "process", "废弃物处置处理": "waste", "电力": "electricity", "热力": "heat"}
ORIGINS_ZH = {"公开发布": "published", "实测": "measured", "供应商提供": "supplier"}
SHEET = "排放因子"


def _rows(staged: storage.StagedFile) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    data = staged.temp_path.read_bytes()
    if staged.media_type == XLSX:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        lines = [list(line) for line in sheet.iter_rows(values_only=True)]
        name = sheet.title
        book.close()
    elif staged.media_type.startswith("text/"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid("CSV 文件须为 UTF-8 编码", "A CSV file must be UTF-8") from exc
        lines = [list(line) for line in csv.reader(io.StringIO(text))]
        name = staged.file_name
    else:
        raise Invalid("排放因子只能从 .xlsx 或 .csv 导入", "Factors are imported from .xlsx or .csv")
    if not lines:
        return name, []
    header = [str(cell).strip() if cell is not None else "" for cell in lines[0]]
    keys = [HEADERS.get(cell, cell if cell in HEADERS.values() else "") for cell in header]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in line):
            continue
        rows.append((number, {key: cell for key, cell in zip(keys, line, strict=False) if key}))
    return name, rows


def import_data_set(
    session: Session, *, actor: User, staged: storage.StagedFile, code: str, name: str, source_document: str = ""
) -> tuple[FactorDataSet, list[EmissionFactor]]:
    """A new data set (version) holding every row of the file; the file itself is kept as its evidence."""
    try:
        require_manager(actor, "factor_data_set")
        sheet, rows = _rows(staged)
        columns = {value: key for key, value in HEADERS.items()}  # field → Chinese header
        errors: list[RowError] = []
        checked: list[dict[str, Any]] = []
        codes: set[str] = set()
        if not rows:
            errors.append(RowError(sheet, 0, "", "文件中没有排放因子", "The file holds no factors"))
        for number, raw in rows:
            raw["kind"] = KINDS_ZH.get(str(raw.get("kind") or "").strip(), raw.get("kind"))
            raw["origin"] = ORIGINS_ZH.get(str(raw.get("origin") or "").strip(), raw.get("origin") or "published")
            try:
                values = factors.checked_values(raw, has_evidence=True)  # the imported file is the evidence
            except AppError as exc:
                errors.append(RowError(sheet, number, _column_of(exc, columns), exc.message_zh, exc.message_en))
                continue
            if values["code"] in codes:
                errors.append(RowError(sheet, number, "编码", "编码在文件中重复", "The code is repeated in the file"))
            codes.add(values["code"])
            checked.append(values)
        if errors:
            raise RowErrors(errors)
        storage.store_blob(session, staged, blob_dir=get_settings().blob_dir)
        data_set = factors.create_data_set(
            session,
            actor=actor,
            code=code,
            name=name,
            source_document=source_document,
            evidence=(staged.sha256, staged.file_name),
        )
        created = []
        for values in checked:
            previous = factors.latest_version(session, actor.park_id, values["code"])
            created.append(
                factors.add_factor(
                    session,
                    actor=actor,
                    data_set_id=data_set.id or 0,
                    values=values,
                    supersedes=previous,
                    change_reason=f"导入数据集 {data_set.code} 第 {data_set.version} 版" if previous else "",
                )
            )
        return data_set, created
    finally:
        storage.discard(staged)


def _column_of(exc: AppError, columns: dict[str, str]) -> str:
    """Which column a factor check refers to, from its message (the checks name the field in Chinese)."""
    for zh in columns.values():
        if zh in exc.message_zh:
            return zh
    hints = {
        "来源": "来源文件",
        "单位": "活动数据单位",
        "因子类型": "类型",
        "年度": "起始年度",
        "燃料因子": "低位发热量",
    }
    for word, column in hints.items():
        if word in exc.message_zh:
            return column
    return ""
