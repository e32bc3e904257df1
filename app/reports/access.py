"""Who may make which report or export: the one rule the API's role gates and the reports page both read."""

from app.audits.common import READERS
from app.users.models import Role, User

# Reading roles that may export; contributors export only what they may read (public documents and their own).
EXPORTERS = frozenset({Role.coordinator, Role.auditor, Role.top_management, Role.approver, Role.contributor})
# The whole system's picture (the Annex B review report, OSCAL): not for contributors.
REVIEWERS = frozenset({Role.coordinator, Role.auditor, Role.top_management, Role.approver})
# Drafting a revision from its type's template.
DRAFTERS = frozenset({Role.coordinator})


def may_export(user: User) -> bool:
    """Evidence packages and the register (.xlsx/.csv)."""
    return user.role in EXPORTERS


def may_read_system_reports(user: User) -> bool:
    """The Annex B review report and the OSCAL exports."""
    return user.role in REVIEWERS


def may_draft_from_template(user: User) -> bool:
    return user.role in DRAFTERS


def may_read_audit_reports(user: User) -> bool:
    """Audit, nonconformity and management review reports: whoever may read audits (app.audits.common.READERS)."""
    return user.role in READERS


def may_open_reports_page(user: User) -> bool:
    """Whether the reports and exports page offers this user anything (its link in the navigation)."""
    return may_export(user) or may_read_system_reports(user) or may_read_audit_reports(user)
