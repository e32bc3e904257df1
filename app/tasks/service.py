"""What is due, per user: the one place that computes tasks (/tasks, GET /api/tasks, the dashboard, `carbonms remind`).

- revisions waiting on the user (review, approve, publish) and drafts returned to their preparer;
- effective revisions distributed to the user and not yet confirmed (阅读并确认, 8.4 d));
- documents whose periodic review is due within REVIEW_DUE_DAYS days or overdue (coordinators);
- the records readiness finds missing, overdue or due soon (coordinators);
- audits to start or finish (the audit team);
- actions due (their owner);
- nonconformities waiting on someone (coordinators, verifiers);
- management reviews to close (top management);
- completed audits and closed reviews whose report is not filed yet (coordinators);
- compliance evaluations, risk reviews and calibrations due in the registers (coordinators);
- significant performance deviations to investigate and respond to, and their records to file (10.1.1);
- disposition batches (鉴定销毁) to appraise, to approve with a signature and to destroy.
"Today" is a parameter everywhere, so reminders can be computed for a fixed date.
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app.audits.common import loads, stored_id
from app.audits.lifecycle import team_ids
from app.audits.models import Audit, AuditState
from app.clauses.models import DocKind
from app.common import utcnow
from app.documents.distribution import PendingRead, pending_reads
from app.documents.task_queries import REVIEW_DUE_DAYS, revision_tasks
from app.nonconformities import lifecycle
from app.nonconformities.models import ActionState, CorrectiveAction, NcState, Nonconformity
from app.nonconformities.queries import action_facts, nc_code
from app.nonconformities.service import action_link
from app.performance.deviations import indicators_by_id, live_deviations, percent
from app.performance.models import DeviationState
from app.readiness import service as readiness
from app.registers.queries import due_items
from app.reviews.models import ManagementReview, ReviewState
from app.tasks.disposition import disposition_tasks
from app.tasks.schemas import Task
from app.users.models import Role, User

_REVISION_KINDS = {
    "review": ("审核", "Review"),
    "approve": ("批准", "Approve"),
    "publish": ("发布", "Publish"),
    "returned": ("修改被退回的草稿", "Rework the returned draft"),
}


def today_utc() -> date:
    return utcnow().date()


def _sort_key(task: Task) -> tuple:
    return (not task.overdue, task.due_date is None, task.due_date or date.max, task.kind, str(task.entity_id))


def _revision_part(session: Session, user: User, today: date) -> list[Task]:
    tasks = []
    for item in revision_tasks(session, user=user, today=today):
        link = f"/documents/{item.document_id}"
        ids = {"document_id": item.document_id, "revision_id": item.revision_id}
        if item.kind in _REVISION_KINDS:
            zh, en = _REVISION_KINDS[item.kind]
            tasks.append(
                Task(
                    f"revision_{item.kind}",
                    f"{zh}：{item.control_no} {item.title} 第{item.number}版",
                    f"{en}: {item.control_no} {item.title} revision {item.number}",
                    None,
                    False,
                    link,
                    "revision",
                    item.revision_id,
                    ids,
                )
            )
        elif item.kind in ("review_due", "review_overdue") and user.role == Role.coordinator:
            overdue = item.kind == "review_overdue"
            tasks.append(
                Task(
                    "document_review",
                    f"文件定期复审{'已逾期' if overdue else '即将到期'}："
                    f"{item.control_no} {item.title}（{item.due} 前）",
                    f"Periodic review {'overdue' if overdue else 'due'}: {item.control_no} {item.title} "
                    f"(by {item.due})",
                    item.due if isinstance(item.due, date) else None,
                    overdue,
                    link,
                    "document",
                    item.document_id,
                    ids,
                )
            )
    return tasks


def _read_task(read: PendingRead) -> Task:
    return Task(
        "document_read_confirm",
        f"阅读并确认：{read.control_no} {read.title} 第{read.number}版",
        f"Read and confirm: {read.control_no} {read.title} revision {read.number}",
        None,
        False,
        f"/documents/{read.document_id}#distribution-h",
        "revision",
        read.revision_id,
        {"document_id": read.document_id, "revision_id": read.revision_id},
    )


def _record_tasks(session: Session, park_id: int, today: date) -> list[Task]:
    """The records readiness finds owed: overdue, never filed, or due within REVIEW_DUE_DAYS (the one due-date rule,
    `app.clauses.cycles`, as readiness applies it: what /tasks says is overdue the dashboard counts as overdue)."""
    result = readiness.compute_readiness(session, park_id=park_id, as_of=today)
    horizon = today + timedelta(days=REVIEW_DUE_DAYS)
    tasks = []
    for clause in result["clauses"]:
        for item in clause["items"]:
            # Once per counted item: a type shared with sub-clauses is listed where it counts (10.3, not 10.3.1).
            if item["kind"] != DocKind.record or item["counted_in"] != clause["id"] or not item["due_date"]:
                continue
            state, due = item["state"], date.fromisoformat(item["due_date"])
            clause_id, code = clause["id"], item["doc_type"]
            title_zh, title_en = f"{item['title_zh']}（{clause_id}）", f"{item['title_en']} ({clause_id})"
            ids = {"clause_id": clause_id, "doc_type": code}
            if state == "missing":
                kind, zh, en = "record_missing", f"缺少记录：{title_zh}", f"Record missing: {title_en}"
            elif state == "overdue":
                kind, zh, en = (
                    "record_due",
                    f"记录已逾期：{title_zh}，{due} 前",
                    f"Record overdue: {title_en}, by {due}",
                )
            elif state == "due" and due <= horizon:
                kind, zh, en = "record_due", f"记录即将到期：{title_zh}，{due} 前", f"Record due: {title_en}, by {due}"
            else:
                continue
            if item["evidence"]:
                ids["document_id"] = item["evidence"][0]
            tasks.append(Task(kind, zh, en, due, state == "overdue", f"/clauses/{clause_id}", "doc_type", code, ids))
    return tasks


def park_tasks(
    session: Session, park_id: int, today: date | None = None, only_user_id: int | None = None
) -> dict[int, list[Task]]:
    """user id -> their tasks, for every active user of the park (or only the one asked for)."""
    today = today or today_utc()
    users = list(
        session.execute(
            select(User).where(col(User.park_id) == park_id, col(User.is_active).is_(True)).order_by(col(User.id))
        ).scalars()
    )
    by_role: dict[Role, list[User]] = {}
    for user in users:
        by_role.setdefault(Role(user.role), []).append(user)
    out: dict[int, list[Task]] = {user.id: [] for user in users if only_user_id in (None, user.id)}

    def give(user_ids: list[int], task: Task) -> None:
        for uid in dict.fromkeys(user_ids):
            if uid in out:
                out[uid].append(task)

    coordinators = [stored_id(u) for u in by_role.get(Role.coordinator, [])]
    for user in users:
        if user.id in out:
            out[user.id].extend(_revision_part(session, user, today))
    for read in pending_reads(session, park_id):
        give([read.user_id], _read_task(read))
    for task in _record_tasks(session, park_id, today):
        give(coordinators, task)
    for item in due_items(session, park_id, today):  # the registers: evaluations, risk reviews, calibrations
        give(
            coordinators,
            Task(
                item.kind,
                item.title_zh,
                item.title_en,
                item.due_date,
                item.due_date < today,
                item.link,
                item.entity_type,
                item.entity_id,
            ),
        )

    for audit in session.execute(
        select(Audit).where(
            col(Audit.park_id) == park_id, col(Audit.state).in_([AuditState.planned, AuditState.in_progress])
        )
    ).scalars():
        planned = audit.state == AuditState.planned
        due = audit.planned_start if planned else audit.planned_end
        give(
            team_ids(audit),
            Task(
                "audit_start" if planned else "audit_finish",
                f"{'实施' if planned else '完成'}内部审核：{audit.title}（{due}）",
                f"{'Start' if planned else 'Finish'} the internal audit: {audit.title} ({due})",
                due,
                due < today,
                f"/audits/{audit.id}",
                "audit",
                audit.id,
                {"audit_id": audit.id, "units": loads(audit.units_json, [])},
            ),
        )

    unfiled_audits = select(Audit).where(
        col(Audit.park_id) == park_id, col(Audit.state) == AuditState.completed, col(Audit.report_document_id).is_(None)
    )
    for audit in session.execute(unfiled_audits).scalars():
        give(
            coordinators,
            Task(
                "audit_file_report",
                f"将内审报告归档为 10.2 记录：{audit.title}",
                f"File the audit report as the record of 10.2: {audit.title}",
                None,
                False,
                f"/audits/{audit.id}",
                "audit",
                audit.id,
                {"audit_id": audit.id},
            ),
        )
    unfiled_reviews = select(ManagementReview).where(
        col(ManagementReview.park_id) == park_id,
        col(ManagementReview.state) == ReviewState.closed,
        col(ManagementReview.report_document_id).is_(None),
    )
    for review in session.execute(unfiled_reviews).scalars():
        give(
            coordinators,
            Task(
                "review_file_report",
                f"将管理评审报告归档为 10.3.2 记录：{review.title}",
                f"File the review report as the record of 10.3.2: {review.title}",
                None,
                False,
                f"/reviews/{review.id}",
                "review",
                review.id,
                {"review_id": review.id},
            ),
        )

    for action in session.execute(
        select(CorrectiveAction).where(
            col(CorrectiveAction.park_id) == park_id, col(CorrectiveAction.state) == ActionState.open
        )
    ).scalars():
        ids = {"action_id": action.id, "nonconformity_id": action.nonconformity_id, "decision_id": action.decision_id}
        give(
            [action.owner_id],
            Task(
                "action_due",
                f"完成措施：{action.description}（{action.due_date} 前）",
                f"Complete the action: {action.description} (by {action.due_date})",
                action.due_date,
                action.due_date < today,
                action_link(action, session),
                "corrective_action",
                action.id,
                ids,
            ),
        )

    verifiers = [u for role in lifecycle.VERIFIERS for u in by_role.get(role, [])]
    live = (NcState.open, NcState.cause_analysed, NcState.action_planned, NcState.actions_done, NcState.verified)
    for nc in session.execute(
        select(Nonconformity).where(col(Nonconformity.park_id) == park_id, col(Nonconformity.state).in_(live))
    ).scalars():
        actions = list(
            session.execute(select(CorrectiveAction).where(col(CorrectiveAction.nonconformity_id) == nc.id)).scalars()
        )
        owners, open_count = action_facts(actions)
        code, link, ids = nc_code(nc), f"/nonconformities/{nc.id}", {"nonconformity_id": nc.id}
        state = NcState(nc.state)
        due = max((a.due_date for a in actions if a.state == ActionState.open), default=None)
        if state == NcState.action_planned and open_count:
            continue  # the owners have their action tasks
        steps = {
            NcState.open: ("nc_analyse", "分析原因", "Analyse the cause", coordinators),
            NcState.cause_analysed: ("nc_plan", "制定纠正措施", "Plan corrective actions", coordinators),
            NcState.action_planned: ("nc_complete", "确认纠正措施完成", "Confirm the actions are done", coordinators),
            NcState.actions_done: (
                "nc_verify",
                "验证纠正措施的有效性",
                "Verify the effectiveness of the actions",
                [stored_id(u) for u in verifiers if u.id not in owners],
            ),
            NcState.verified: ("nc_close", "关闭不符合项", "Close the nonconformity", coordinators),
        }
        kind, zh, en, who = steps[state]
        give(
            who,
            Task(
                kind,
                f"{zh}：{code} {nc.description[:60]}",
                f"{en}: {code} {nc.description[:60]}",
                due,
                bool(due and due < today),
                link,
                "nonconformity",
                nc.id,
                ids,
            ),
        )

    drafts = select(ManagementReview).where(
        col(ManagementReview.park_id) == park_id, col(ManagementReview.state) == ReviewState.draft
    )
    for review in session.execute(drafts).scalars():
        give(
            [stored_id(u) for u in by_role.get(Role.top_management, [])],
            Task(
                "review_close",
                f"主持并签署关闭管理评审：{review.title}（{review.review_date}）",
                f"Hold and sign off the management review: {review.title} ({review.review_date})",
                review.review_date,
                review.review_date < today,
                f"/reviews/{review.id}",
                "review",
                review.id,
                {"review_id": review.id},
            ),
        )
    for user_ids, task in _deviation_tasks(session, park_id, coordinators):
        give(user_ids, task)
    for user_ids, task in disposition_tasks(session, park_id, users):
        give(user_ids, task)
    return {uid: sorted(tasks, key=_sort_key) for uid, tasks in out.items()}


_DEVIATION_STEPS = {
    DeviationState.open: ("deviation_investigate", "调查偏离", "Investigate the deviation"),
    DeviationState.investigating: ("deviation_respond", "完成偏离的调查和响应", "Finish investigating and respond"),
    DeviationState.closed: ("deviation_file_record", "归档偏离调查和响应记录", "File the deviation's record"),
}


def _deviation_tasks(session: Session, park_id: int, coordinators: list[int]) -> list[tuple[list[int], Task]]:
    """An open deviation is the assignee's task (the coordinators' while none is named); filing the record of a
    closed one is the coordinators'."""
    rows = live_deviations(session, park_id)
    indicators = indicators_by_id(session, {row.indicator_id for row in rows})
    out = []
    for deviation in rows:
        kind, zh, en = _DEVIATION_STEPS[DeviationState(deviation.state)]
        indicator = indicators[deviation.indicator_id]
        who = coordinators
        if deviation.assignee_id is not None and deviation.state != DeviationState.closed:
            who = [deviation.assignee_id]
        what = f"{indicator.name} {deviation.year}（{percent(deviation.deviation_percent)}%）"
        task = Task(
            kind,
            f"{zh}：{what}",
            f"{en}: {what}",
            None,
            False,
            f"/performance/deviations/{deviation.id}",
            "deviation",
            deviation.id,
            {"deviation_id": deviation.id, "indicator_id": deviation.indicator_id},
        )
        out.append((who, task))
    return out


def tasks_for(session: Session, user: User, today: date | None = None) -> list[Task]:
    return park_tasks(session, user.park_id, today, only_user_id=stored_id(user)).get(stored_id(user), [])


def overdue_count(tasks: list[Task]) -> int:
    """The one count of what is overdue: /api/tasks, /tasks and the dashboard's figure all use it."""
    return sum(1 for task in tasks if task.overdue)
