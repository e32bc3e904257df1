"""The document and record lifecycle: the states, the allowed transitions, and the one function that performs them.

No other code assigns a revision's state.

document: draft -submit-> in_review -review(审核)-> in_approval -approve(批准)-> approved -publish(发布)-> effective
          in_review / in_approval -reject-> draft;  effective -obsolete-> obsolete;
          effective -> superseded when the next revision is published
record:   draft -submit-> in_approval -approve(确认)-> filed -void-> void;  in_approval -reject-> draft
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from sqlmodel import Session, col

from app.clauses.models import DocKind, DocType
from app.common import utcnow
from app.documents import distribution
from app.documents.models import Document, Revision, RevisionState, Signature, SignatureMeaning
from app.errors import Forbidden, Invalid, InvalidTransition
from app.events import service as events
from app.events.refusals import Rule, refusal
from app.labels import LABELS
from app.users.models import Role, User
from app.users.service import require_signature

S = RevisionState


class Action(StrEnum):
    submit = "submit"
    review = "review"
    approve = "approve"
    reject = "reject"
    publish = "publish"
    obsolete = "obsolete"
    void = "void"


@dataclass(frozen=True)
class Step:
    sources: frozenset[RevisionState]
    target: RevisionState
    signature: SignatureMeaning | None = None
    needs_comment: bool = False


TRANSITIONS: dict[tuple[DocKind, Action], Step] = {
    (DocKind.document, Action.submit): Step(frozenset({S.draft}), S.in_review),
    (DocKind.document, Action.review): Step(frozenset({S.in_review}), S.in_approval, SignatureMeaning.review),
    (DocKind.document, Action.approve): Step(frozenset({S.in_approval}), S.approved, SignatureMeaning.approve),
    (DocKind.document, Action.reject): Step(frozenset({S.in_review, S.in_approval}), S.draft, needs_comment=True),
    (DocKind.document, Action.publish): Step(frozenset({S.approved}), S.effective),
    (DocKind.document, Action.obsolete): Step(frozenset({S.effective}), S.obsolete, needs_comment=True),
    (DocKind.record, Action.submit): Step(frozenset({S.draft}), S.in_approval),
    (DocKind.record, Action.approve): Step(frozenset({S.in_approval}), S.filed, SignatureMeaning.confirm),
    (DocKind.record, Action.reject): Step(frozenset({S.in_approval}), S.draft, needs_comment=True),
    (DocKind.record, Action.void): Step(frozenset({S.filed}), S.void, needs_comment=True),
}

STATE_LABELS = LABELS["state"]

ACTION_LABELS = LABELS["action"]

SIGNING_ROLES = frozenset({Role.approver, Role.top_management})


SIGNING_ACTIONS = frozenset(action for (_, action), step in TRANSITIONS.items() if step.signature is not None)


def initial_state() -> RevisionState:
    return S.draft


def step_for(kind: DocKind | str, action: Action) -> Step:
    step = TRANSITIONS.get((DocKind(kind), action))
    if step is None:
        zh, en = ACTION_LABELS[action]
        raise InvalidTransition(
            f"{'记录' if kind == DocKind.record else '文件'}不能执行“{zh}”操作", f"A {kind} cannot be asked to {en}"
        )
    return step


class RevisionFacts(Protocol):
    """What the authority checks read of a revision: a Revision, or the columns of one selected for a task list."""

    @property
    def state(self) -> RevisionState: ...

    @property
    def preparer_id(self) -> int: ...


class DocumentFacts(Protocol):
    @property
    def kind(self) -> str: ...


class TypeFacts(Protocol):
    @property
    def approver_role(self) -> str: ...


def approver_roles(doc_type: TypeFacts) -> frozenset[Role]:
    """Who may give the final signature: top management also signs what approvers may sign."""
    if doc_type.approver_role == Role.top_management:
        return frozenset({Role.top_management})
    if doc_type.approver_role == Role.coordinator:  # e.g. activity data submissions: the coordinator confirms
        return frozenset({Role.coordinator})
    return SIGNING_ROLES


class ActorFacts(Protocol):
    """What the authority checks read of a person: a User, or a probe standing for any holder of a role."""

    @property
    def id(self) -> int | None: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class Refusal:
    """A step the revision's state offers that this person may not take, and why (for the document page)."""

    action: Action
    message_zh: str
    message_en: str
    rule: Rule


@dataclass(frozen=True)
class RoleProbe:
    """Any holder of `role` who neither prepared nor signed the revision: who could take a step, by role."""

    role: str
    id: int | None = None


def offered_steps(revision: RevisionFacts, document: DocumentFacts) -> list[Action]:
    """The steps the revision's state offers to someone (before asking who may take them)."""
    return [
        action
        for (kind, action), step in TRANSITIONS.items()
        if kind == document.kind and revision.state in step.sources
    ]


def allowed_actions(
    revision: RevisionFacts,
    document: DocumentFacts,
    doc_type: TypeFacts,
    user: ActorFacts,
    signers: dict[SignatureMeaning, int],
) -> list[Action]:
    """The actions this user may take on this revision now (for buttons and task lists)."""
    return [
        action
        for action in offered_steps(revision, document)
        if _authority_problem(action, revision, document, doc_type, user, signers) is None
    ]


def refused_actions(
    revision: RevisionFacts,
    document: DocumentFacts,
    doc_type: TypeFacts,
    user: ActorFacts,
    signers: dict[SignatureMeaning, int],
) -> list[Refusal]:
    """The offered steps this user may not take, each with the reason transition() would give."""
    result = []
    for action in offered_steps(revision, document):
        problem = _authority_problem(action, revision, document, doc_type, user, signers)
        if problem is not None:
            result.append(Refusal(action, *problem))
    return result


FORWARD_EXCLUDED = frozenset({Action.reject, Action.obsolete, Action.void})


@dataclass(frozen=True)
class NextStep:
    """Who moves the revision on: the step, the roles that may take it, the people of the park who may."""

    action: Action
    roles: list[Role]
    people: list[ActorFacts]


def next_step(
    revision: RevisionFacts,
    document: DocumentFacts,
    doc_type: TypeFacts,
    signers: dict[SignatureMeaning, int],
    people: Sequence[ActorFacts],
) -> NextStep | None:
    """The forward step the state offers and who may take it (the same checks as allowed_actions), or None."""
    forward = [action for action in offered_steps(revision, document) if action not in FORWARD_EXCLUDED]
    if not forward:
        return None
    action = forward[0]

    def may(actor: ActorFacts) -> bool:
        return _authority_problem(action, revision, document, doc_type, actor, signers) is None

    roles = [role for role in Role if may(RoleProbe(role.value))]
    return NextStep(action, roles, [person for person in people if may(person)])


def _authority_problem(
    action: Action,
    revision: RevisionFacts,
    document: DocumentFacts,
    doc_type: TypeFacts,
    actor: ActorFacts,
    signers: dict[SignatureMeaning, int],
) -> tuple[str, str, Rule] | None:
    """Why `actor` may not take this step (Chinese, English, the rule), or None."""
    role = Role(actor.role)
    is_preparer = actor.id is not None and revision.preparer_id == actor.id
    zh, en = ACTION_LABELS[action]
    if action == Action.submit:
        if role == Role.coordinator or (role == Role.contributor and is_preparer):
            return None
        return ("只有体系管理员或编制人可以提交", "Only a coordinator or the preparer may submit", Rule.role)
    if action in (Action.publish, Action.obsolete, Action.void):
        if role == Role.coordinator:
            return None
        return (f"只有体系管理员可以{zh}", f"Only a coordinator may {en}", Rule.role)
    # review, approve, reject: signing roles, never the preparer, never both signatures by one person
    pending = action
    if action == Action.reject:
        pending = Action.review if revision.state == S.in_review else Action.approve
    allowed = SIGNING_ROLES if pending == Action.review else approver_roles(doc_type)
    if role not in allowed:
        names_zh = "或".join(LABELS["role"][r][0] for r in Role if r in allowed)
        names_en = " or ".join(LABELS["role"][r][1].lower() for r in Role if r in allowed)
        if pending == Action.approve and allowed == {Role.top_management}:
            return (
                f"此类文件必须由{names_zh}批准",
                f"This type must be approved by {names_en}",
                Rule.role,
            )
        step_zh, step_en = ACTION_LABELS[pending]
        return (
            f"此步骤（{step_zh}）需要{names_zh}签署",
            f"This step ({step_en}) must be signed by {names_en}",
            Rule.role,
        )
    if is_preparer:
        return (
            f"您编制了此版本，编制人不能{zh}自己编制的版本",
            f"You prepared this revision: the preparer may not {en} it",
            Rule.separation_of_duties,
        )
    if pending == Action.approve and actor.id is not None and signers.get(SignatureMeaning.review) == actor.id:
        return (
            f"您审核了此版本，不能再{zh}它（审核人与批准人必须是不同的人）",
            f"You reviewed this revision and may not also {en} it (reviewer and approver must differ)",
            Rule.separation_of_duties,
        )
    return None


def current_signers(session: Session, revision: Revision) -> dict[SignatureMeaning, int]:
    from sqlalchemy import select

    rows = session.execute(
        select(col(Signature.meaning), col(Signature.signer_id)).where(
            col(Signature.revision_id) == revision.id, col(Signature.cycle) == revision.cycle
        )
    ).all()
    return {SignatureMeaning(meaning): signer_id for meaning, signer_id in rows}


def _snapshot(revision: Revision) -> dict:
    return {"state": str(revision.state), "version": revision.version, "sha256": revision.blob_sha256}


def transition(
    session: Session,
    revision: Revision,
    action: Action,
    *,
    actor: User,
    document: Document,
    doc_type: DocType,
    comment: str = "",
    password: str | None = None,
    signature_verified: bool = False,
) -> Signature | None:
    """Check and perform one step; writes the signature (if the step is one) and the audit event."""
    step = step_for(document.kind, action)
    if revision.state not in step.sources:
        zh, en = ACTION_LABELS[action]
        state_zh, state_en = STATE_LABELS[str(revision.state)]
        raise InvalidTransition(f"版本当前状态为“{state_zh}”，不能{zh}", f"A revision that is {state_en} cannot {en}")
    problem = _authority_problem(action, revision, document, doc_type, actor, current_signers(session, revision))
    if problem:
        zh, en, rule = problem
        raise Forbidden(zh, en, audit=refusal(actor, rule, "revision", revision.id))
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise Invalid("此操作必须填写原因或意见", "This step needs a comment or reason")
    if step.signature is not None and not signature_verified:
        require_signature(session, actor, password, entity_type="revision", entity_id=revision.id)

    before = _snapshot(revision)
    now = utcnow()
    signature = None
    if action == Action.submit:
        revision.cycle += 1
        revision.submitted_at = now
    if action == Action.publish:
        _supersede_effective(session, document, replaced_by=revision, actor=actor, now=now)
        revision.effective_from = now
        revision.last_reviewed_at = now
        revision.published_by_id = actor.id
    if step.target in (S.approved, S.filed):
        revision.approved_at = now
    if step.target == S.filed:
        revision.effective_from = now
    if step.target in (S.obsolete, S.void):
        revision.ended_at = now
        revision.end_reason = comment
    if step.signature is not None:
        assert revision.id is not None and actor.id is not None  # stored rows
        signature = Signature(
            park_id=revision.park_id,
            revision_id=revision.id,
            signer_id=actor.id,
            signer_name=actor.full_name,
            meaning=step.signature,
            signed_at=now,
            file_sha256=revision.blob_sha256,
            comment=comment,
            cycle=revision.cycle,
        )
        session.add(signature)

    revision.state = step.target
    revision.version += 1
    document.version += 1
    session.add(revision)
    session.add(document)
    session.flush()
    after = _snapshot(revision) | ({"comment": comment} if comment else {})
    if signature is not None:
        after["signature"] = {
            "id": signature.id,
            "meaning": str(signature.meaning),
            "signer": actor.username,
            "signer_name": actor.full_name,
        }
    events.record(
        session,
        action=f"revision.{action}",
        entity_type="revision",
        entity_id=revision.id,
        park_id=revision.park_id,
        actor=actor,
        before=before,
        after=after,
    )
    if action == Action.publish:  # the new effective revision reaches the document's distribution list at once
        distribution.on_effective(session, document, revision, actor=actor)
    return signature


def _supersede_effective(session: Session, document: Document, *, replaced_by: Revision, actor: User, now) -> None:
    from sqlalchemy import select

    previous = (
        session.execute(
            select(Revision).where(col(Revision.document_id) == document.id, col(Revision.state) == S.effective)
        )
        .scalars()
        .first()
    )
    if previous is None:
        return
    before = _snapshot(previous)
    previous.state = S.superseded
    previous.ended_at = now
    previous.end_reason = f"被第 {replaced_by.number} 版替代 / superseded by revision {replaced_by.number}"
    previous.version += 1
    session.add(previous)
    session.flush()  # the one-effective-revision index must see this before the new one becomes effective
    events.record(
        session,
        action="revision.supersede",
        entity_type="revision",
        entity_id=previous.id,
        park_id=previous.park_id,
        actor=actor,
        before=before,
        after=_snapshot(previous),
    )
