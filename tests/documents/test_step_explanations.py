"""Why a step is not offered, and who acts next: lifecycle.refused_actions and next_step (no database).

The reasons come from the same checks transition() applies, so a page that explains and a step that refuses agree.
"""

import pytest

from app.clauses.models import DocKind
from app.documents import lifecycle
from app.documents.lifecycle import Action
from app.documents.models import RevisionState, SignatureMeaning
from app.users.models import Role
from tests.documents.test_lifecycle_table import _doc_type, _document, _revision, _user

S = RevisionState


def _refused(state, kind, user, signers=None, approver_role=Role.approver, preparer_id=1):
    refusals = lifecycle.refused_actions(
        _revision(state, preparer_id=preparer_id), _document(kind), _doc_type(kind, approver_role), user, signers or {}
    )
    return {str(item.action): item.message_zh for item in refusals}, {
        str(item.action): item.message_en for item in refusals
    }


def test_the_reviewer_is_told_they_may_not_also_approve() -> None:
    zh, en = _refused(S.in_approval, DocKind.document, _user(Role.approver, 2), {SignatureMeaning.review: 2})
    assert "您审核了此版本，不能再批准它" in zh["approve"]
    assert "You reviewed this revision and may not also approve it" in en["approve"]


def test_a_top_management_type_names_who_must_approve() -> None:
    zh, en = _refused(S.in_approval, DocKind.document, _user(Role.approver, 2), approver_role=Role.top_management)
    assert zh["approve"] == "此类文件必须由最高管理者批准"
    assert en["approve"] == "This type must be approved by top management"
    assert "reject" in zh  # returning it is the approver's step too


def test_the_preparer_is_told_they_prepared_it() -> None:
    zh, en = _refused(S.in_review, DocKind.document, _user(Role.approver, 1), preparer_id=1)
    assert zh["review"].startswith("您编制了此版本") and en["review"].startswith("You prepared this revision")


@pytest.mark.parametrize(
    ("state", "kind", "role", "action", "words"),
    [
        (S.draft, DocKind.document, Role.approver, "submit", "只有体系管理员或编制人可以提交"),
        (S.approved, DocKind.document, Role.approver, "publish", "只有体系管理员可以发布"),
        (S.effective, DocKind.document, Role.top_management, "obsolete", "只有体系管理员可以作废"),
        (S.filed, DocKind.record, Role.approver, "void", "只有体系管理员可以作废记录"),
        (S.in_review, DocKind.document, Role.auditor, "review", "需要部门负责人或最高管理者签署"),
    ],
)
def test_role_reasons(state, kind, role, action, words) -> None:
    zh, en = _refused(state, kind, _user(role, 2))
    assert words in zh[action] and en[action]


def test_allowed_and_refused_split_the_offered_steps() -> None:
    revision, document, doc_type = _revision(S.in_approval), _document(DocKind.document), _doc_type(DocKind.document)
    for role in Role:
        user = _user(role, 2)
        allowed = lifecycle.allowed_actions(revision, document, doc_type, user, {})
        refused = [item.action for item in lifecycle.refused_actions(revision, document, doc_type, user, {})]
        assert sorted(allowed + refused) == sorted(lifecycle.offered_steps(revision, document))
        assert not set(allowed) & set(refused)


def test_next_step_names_roles_and_people() -> None:
    people = [_user(Role.approver, 1), _user(Role.approver, 2), _user(Role.top_management, 3), _user(Role.auditor, 4)]
    following = lifecycle.next_step(
        _revision(S.in_review, preparer_id=1), _document(DocKind.document), _doc_type(DocKind.document), {}, people
    )
    assert following is not None and following.action == Action.review
    assert following.roles == [Role.approver, Role.top_management]
    assert [p.id for p in following.people] == [2, 3]  # not the preparer, not the auditor


def test_next_step_after_the_review_leaves_out_the_reviewer() -> None:
    people = [_user(Role.approver, 2), _user(Role.approver, 5), _user(Role.top_management, 3)]
    following = lifecycle.next_step(
        _revision(S.in_approval),
        _document(DocKind.document),
        _doc_type(DocKind.document, Role.top_management),
        {SignatureMeaning.review: 2},
        people,
    )
    assert following is not None and following.action == Action.approve
    assert following.roles == [Role.top_management] and [p.id for p in following.people] == [3]


def test_no_next_step_once_effective_or_filed() -> None:
    for state, kind in ((S.effective, DocKind.document), (S.filed, DocKind.record), (S.void, DocKind.record)):
        assert lifecycle.next_step(_revision(state), _document(kind), _doc_type(kind), {}, []) is None
