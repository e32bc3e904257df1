"""`carbonms verify`, the inventory part: every stored sum a year's totals read (`inventory_sum`) equals the
activity rows it sums. A difference is an error: the park's totals would not be its rows' totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from app.inventory import sums

if TYPE_CHECKING:
    from app.ops.verify import VerifyReport


def check_inventory_sums(session: Session, report: VerifyReport) -> None:
    found = sums.mismatches(session)
    report.counts["inventory_sum_mismatches"] = len(found)
    for item in found:
        report._error(
            "inventory_sum",
            f"清单汇总与活动数据不一致 / the stored sum of submission {item.submission_id}, source "
            f"{item.source_id} is {item.stored} (emission, energy, rows) but its rows give {item.rows}; "
            "repair with app.inventory.sums.rebuild",
        )
