"""The activity data workbook: generated per enterprise and year (its sources, units and drop-down lists), and read
back row by row. Reading never writes: it returns the rows and every error by sheet, row, column and reason."""

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from app.inventory import units
from app.inventory.models import DataQuality, EmissionSource
from app.labels import LABELS

SHEET = "活动数据"
LISTS = "选项"
INFO = "说明"
COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_id", "排放源编号"),
    ("source_name", "排放源"),
    ("category", "排放类别"),
    ("month", "月份（全年填写留空）"),
    ("quantity", "数量"),
    ("unit", "单位"),
    ("quality", "数据质量"),
    ("ncv", "实测低位发热量（GJ/单位）"),
    ("carbon_content", "实测单位热值含碳量（tC/GJ）"),
    ("oxidation_rate", "实测碳氧化率"),
    ("purity", "CO₂ 纯度"),
    ("meter_ref", "计量器具编号"),
    ("note", "备注"),
)
HEADERS = {header: key for key, header in COLUMNS}
QUALITY_ZH = {quality.value: LABELS["data_quality"][quality.value][0] for quality in DataQuality}
QUALITY_BY_ZH = {zh: code for code, zh in QUALITY_ZH.items()}
MAX_ROWS = 200_000


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def _category_zh(category: str) -> str:
    return LABELS["source_category"][category][0]


def generate(
    *,
    enterprise_name: str,
    credit_code: str,
    year: int,
    sources: list[EmissionSource],
    rows: list[dict[str, Any]] | None = None,
    evidence: list[tuple[str, str]] | None = None,
) -> bytes:
    """The workbook for an enterprise and year: one line per source (or the given rows), drop-downs for unit and
    quality. With `rows` it is the file of a submission, so the record's hash covers the data."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([header for _, header in COLUMNS])
    lists = book.create_sheet(LISTS)
    lists.append(["数据质量", *QUALITY_ZH.values()])
    unit_rows: dict[str, int] = {}
    for source in sources:
        if source.unit and source.unit not in unit_rows:
            lists.append([source.unit, *units.units_like(source.unit)])
            unit_rows[source.unit] = lists.max_row
    by_id = {source.id: source for source in sources}
    lines = rows if rows is not None else [{"source_id": source.id} for source in sources]
    quality_list = f"{quote_sheetname(LISTS)}!$B$1:${get_column_letter(len(QUALITY_ZH) + 1)}$1"
    quality_dv = DataValidation(type="list", formula1=quality_list, allow_blank=True)
    sheet.add_data_validation(quality_dv)
    unit_dvs: dict[str, DataValidation] = {}

    def unit_dv(unit: str) -> DataValidation:
        """One drop-down per unit family (the units of the same dimension), shared by its rows."""
        if unit not in unit_dvs:
            width, row = len(units.units_like(unit)) + 1, unit_rows[unit]
            unit_dvs[unit] = DataValidation(
                type="list",
                formula1=f"{quote_sheetname(LISTS)}!$B${row}:${get_column_letter(width)}${row}",
                allow_blank=True,
            )
            sheet.add_data_validation(unit_dvs[unit])
        return unit_dvs[unit]

    for index, line in enumerate(lines, start=2):
        row_source = by_id.get(line.get("source_id"))
        values: list[Any] = []
        for key, _ in COLUMNS:
            if key == "source_name":
                values.append(row_source.name if row_source else "")
            elif key == "category":
                values.append(_category_zh(row_source.category) if row_source else "")
            elif key == "unit":
                values.append(line.get("unit") or (row_source.unit if row_source else ""))
            elif key == "quality":
                values.append(QUALITY_ZH.get(str(line.get("quality") or ""), ""))
            else:
                value = line.get(key)
                values.append(format(value, "f") if isinstance(value, Decimal) else value)
        sheet.append(values)
        quality_dv.add(f"G{index}")
        if row_source is not None and row_source.unit in unit_rows:
            unit_dv(row_source.unit).add(f"F{index}")
    lists.sheet_state = "hidden"
    info = book.create_sheet(INFO)
    info.append(["企业", enterprise_name])
    info.append(["统一社会信用代码", credit_code])
    info.append(["年度", year])
    info.append(["说明", "每行一个排放源（按月填报时每月一行）；数量不能为负；实测参数留空时采用排放因子库的缺省值。"])
    for sha256, name in evidence or []:
        info.append(["证据文件", name, sha256])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(data: bytes) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The info sheet's values, the data rows (with their row numbers) and the errors of the workbook's shape."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ValueError(str(exc)) from exc
    if SHEET not in book.sheetnames:
        return {}, [], [RowError(SHEET, 0, "", f"工作簿缺少“{SHEET}”工作表", f"The workbook has no sheet '{SHEET}'")]
    info: dict[str, Any] = {}
    if INFO in book.sheetnames:
        for line in book[INFO].iter_rows(values_only=True):
            if line and line[0]:
                info[str(line[0])] = line[1] if len(line) > 1 else None
    sheet = book[SHEET]
    errors: list[RowError] = []
    iterator = sheet.iter_rows(values_only=True)
    header = next(iterator, None) or ()
    keys = [HEADERS.get(str(cell).strip()) if cell is not None else None for cell in header]
    for needed in ("source_id", "quantity", "unit", "quality"):
        if needed not in keys:
            label = dict(COLUMNS)[needed]
            errors.append(RowError(SHEET, 1, label, f"缺少“{label}”列", f"The column '{label}' is missing"))
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(iterator, start=2):
        if number > MAX_ROWS:
            errors.append(RowError(SHEET, number, "", f"最多 {MAX_ROWS} 行", f"At most {MAX_ROWS} rows"))
            break
        if line is None or all(cell is None or str(cell).strip() == "" for cell in line):
            continue
        rows.append((number, {key: cell for key, cell in zip(keys, line, strict=False) if key}))
    book.close()
    return info, rows, errors
