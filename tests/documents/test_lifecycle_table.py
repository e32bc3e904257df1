"""The document and record transition table of app/documents/lifecycle.py, checked cell by cell (no database).

The expected table is written out here from DOMAIN.md, independently of TRANSITIONS: every (kind, action, state)
listed is allowed and leads to the one target; every other combination is refused with 409 before anything changes.
"""

import itertools

import pytest

from app.clauses.models import DocKind, DocType
from app.documents import lifecycle
from app.documents.lifecycle import Action, transition
from app.documents.models import AccessLevel, Document, Revision, RevisionState, SignatureMeaning
from app.errors import InvalidTransition
from app.users.models import Role, User

S = RevisionState

# (kind, action, from state) -> (to state, signature made by the step)
EXPECTED: dict[tuple[DocKind, Action, RevisionState], tuple[RevisionState, SignatureMeaning | None]] = {
    (DocKind.document, Action.submit, S.draft): (S.in_review, None),
    (DocKind.document, Action.review, S.in_review): (S.in_approval, SignatureMeaning.review),
    (DocKind.document, Action.approve, S.in_approval): (S.approved, SignatureMeaning.approve),
    (DocKind.document, Action.reject, S.in_review): (S.draft, None),
    (DocKind.document, Action.reject, S.in_approval): (S.draft, None),
    (DocKind.document, Action.publish, S.approved): (S.effective, None),
    (DocKind.document, Action.obsolete, S.effective): (S.obsolete, None),
    (DocKind.record, Action.submit, S.draft): (S.in_approval, None),
    (DocKind.record, Action.approve, S.in_approval): (S.filed, SignatureMeaning.confirm),
    (DocKind.record, Action.reject, S.in_approval): (S.draft, None),
    (DocKind.record, Action.void, S.filed): (S.void, None),
}
NEEDS_COMMENT = {Action.reject, Action.obsolete, Action.void}

ALL_CELLS = list(itertools.product(DocKind, Action, RevisionState))
ALLOWED_CELLS = [cell for cell in ALL_CELLS if cell in EXPECTED]
REFUSED_CELLS = [cell for cell in ALL_CELLS if cell not in EXPECTED]


def _cell_id(cell: tuple[DocKind, Action, RevisionState]) -> str:
    kind, action, state = cell
    return f"{kind}-{action}-{state}"


def _revision(state: RevisionState, preparer_id: int = 1) -> Revision:
    return Revision(
        id=10,
        park_id=1,
        document_id=5,
        number=1,
        state=state,
        preparer_id=preparer_id,
        cycle=1,
        version=1,
        blob_sha256="0" * 64,
        file_name="a.docx",
        media_type="application/pdf",
        size_bytes=1,
    )


def _document(kind: DocKind) -> Document:
    return Document(
        id=5,
        park_id=1,
        kind=kind,
        version=1,
        control_no="P-T-001",
        doc_type="T",
        title="文件",
        access_level=AccessLevel.internal,
        created_by_id=1,
    )


def _doc_type(kind: DocKind, approver_role: Role = Role.approver) -> DocType:
    return DocType(code="T", title_zh="类型", title_en="type", kind=kind, approver_role=approver_role)


def _user(role: Role, user_id: int) -> User:
    return User(id=user_id, park_id=1, username=f"u{user_id}", full_name="某人", role=role, password_hash="-")


def test_the_expected_table_covers_every_cell() -> None:
    assert len(ALL_CELLS) == len(DocKind) * len(Action) * len(RevisionState) == 2 * 7 * 9
    assert len(ALLOWED_CELLS) == 11
    assert len(REFUSED_CELLS) == 126 - 11


@pytest.mark.parametrize("cell", ALLOWED_CELLS, ids=_cell_id)
def test_allowed_transition(cell: tuple[DocKind, Action, RevisionState]) -> None:
    kind, action, state = cell
    target, signature = EXPECTED[cell]
    step = lifecycle.step_for(kind, action)
    assert state in step.sources
    assert step.target == target
    assert step.signature == signature
    assert step.needs_comment == (action in NEEDS_COMMENT)


@pytest.mark.parametrize("cell", REFUSED_CELLS, ids=_cell_id)
def test_refused_transition(cell: tuple[DocKind, Action, RevisionState]) -> None:
    """transition() refuses with 409 before it reads or writes anything (no session is needed to prove it)."""
    kind, action, state = cell
    revision = _revision(state)
    with pytest.raises(InvalidTransition) as raised:
        transition(
            None,  # type: ignore[arg-type]  # never reached: the refusal comes first
            revision,
            action,
            actor=_user(Role.coordinator, 2),
            document=_document(kind),
            doc_type=_doc_type(kind),
            comment="原因",
        )
    assert raised.value.status_code == 409
    assert revision.state == state and revision.version == 1


def test_the_table_has_no_step_beyond_the_expected_ones() -> None:
    actual = {
        (kind, action, source): (step.target, step.signature)
        for (kind, action), step in lifecycle.TRANSITIONS.items()
        for source in step.sources
    }
    assert actual == EXPECTED


def test_superseded_and_obsolete_and_void_are_final() -> None:
    final = {S.superseded, S.obsolete, S.void}
    assert not any(state in final for (_, _, state) in EXPECTED)


# allowed_actions: what a page offers, per role, in each state (preparer id 1; the signers are other people)
OFFERED = [
    (DocKind.document, S.draft, Role.coordinator, [Action.submit]),
    (DocKind.document, S.in_review, Role.approver, [Action.review, Action.reject]),
    (DocKind.document, S.in_review, Role.coordinator, []),
    (DocKind.document, S.in_approval, Role.top_management, [Action.approve, Action.reject]),
    (DocKind.document, S.approved, Role.coordinator, [Action.publish]),
    (DocKind.document, S.approved, Role.approver, []),
    (DocKind.document, S.effective, Role.coordinator, [Action.obsolete]),
    (DocKind.document, S.superseded, Role.coordinator, []),
    (DocKind.document, S.obsolete, Role.coordinator, []),
    (DocKind.record, S.draft, Role.coordinator, [Action.submit]),
    (DocKind.record, S.in_approval, Role.approver, [Action.approve, Action.reject]),
    (DocKind.record, S.filed, Role.coordinator, [Action.void]),
    (DocKind.record, S.void, Role.coordinator, []),
    (DocKind.document, S.draft, Role.auditor, []),
    (DocKind.document, S.in_review, Role.auditor, []),
]


@pytest.mark.parametrize(("kind", "state", "role", "offered"), OFFERED)
def test_allowed_actions(kind: DocKind, state: RevisionState, role: Role, offered: list[Action]) -> None:
    actions = lifecycle.allowed_actions(_revision(state), _document(kind), _doc_type(kind), _user(role, 2), {})
    assert actions == offered


def test_the_preparer_is_offered_no_signature() -> None:
    preparer = _user(Role.approver, 1)
    revision = _revision(S.in_review, preparer_id=1)
    assert (
        lifecycle.allowed_actions(revision, _document(DocKind.document), _doc_type(DocKind.document), preparer, {})
        == []
    )


def test_the_reviewer_is_not_offered_the_approval() -> None:
    reviewer = _user(Role.approver, 2)
    signers = {SignatureMeaning.review: 2}
    actions = lifecycle.allowed_actions(
        _revision(S.in_approval), _document(DocKind.document), _doc_type(DocKind.document), reviewer, signers
    )
    assert actions == []


def test_top_management_types_are_not_offered_to_approvers() -> None:
    doc_type = _doc_type(DocKind.document, approver_role=Role.top_management)
    revision, document = _revision(S.in_approval), _document(DocKind.document)
    assert lifecycle.allowed_actions(revision, document, doc_type, _user(Role.approver, 2), {}) == []
    top = _user(Role.top_management, 3)
    assert lifecycle.allowed_actions(revision, document, doc_type, top, {}) == [Action.approve, Action.reject]
