"""The one retention rule: which date a revision's period counts from, and when it ends.

《企业文件材料归档范围和档案保管期限规定》(国家档案局令第10号, 2012) sets three periods for enterprises' archives:
永久 (permanent), 30 年 and 10 年. Archives count a period from 1 January of the year after the file was archived,
so a revision's retention ends on 31 December of (the year it started + the period's years), the year taken in
the park's time zone. What starts the count:

- a record (filed, or voided after filing): the day it was filed (`effective_from`);
- a document's revision: the day it stopped being effective (`ended_at`: superseded or made obsolete).

An effective document, an open revision or a record not yet filed has no end date: its period has not begun.
An appraisal may keep a revision longer (`keep_until`): its end is then the later of the two dates.
"""

from datetime import date, datetime

from app import timezones
from app.clauses.models import RETENTION_YEARS, RetentionClass
from app.documents.models import RevisionState

S = RevisionState
# The states whose retention period is running, and the column that starts it.
_FROM_FILED = frozenset({S.filed, S.void})
_FROM_ENDED = frozenset({S.superseded, S.obsolete})
RUNNING_STATES = _FROM_FILED | _FROM_ENDED


def retention_start(state: str, effective_from: datetime | None, ended_at: datetime | None) -> datetime | None:
    """The moment a revision's retention period starts counting from (see the module docstring), or None."""
    if state in _FROM_FILED:
        return effective_from
    if state in _FROM_ENDED:
        return ended_at
    return None


def retention_end(
    retention: RetentionClass | str,
    state: str,
    effective_from: datetime | None,
    ended_at: datetime | None,
    zone_name: str | None,
    keep_until: date | None = None,
) -> date | None:
    """The last day a revision must be kept; None when it is permanent or its period has not begun."""
    years = RETENTION_YEARS[RetentionClass(retention)]
    start = retention_start(state, effective_from, ended_at)
    if years is None or start is None:
        return None
    end = date(timezones.local(start, zone_name).year + years, 12, 31)
    return max(end, keep_until) if keep_until is not None else end
