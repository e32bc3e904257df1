"""The checks of an archival run grouped under the four properties, and what a run found: an outcome per check item
(passed, failed, or not checked because its precondition failed), counted per property and per check, and the list
of problems (revision, property, check, message in Chinese and English)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.archival.models import Outcome, Property, Verdict

# Property → its checks, in the report's order. Scope-wide checks (one item per run): audit_chain, part_files;
# per document: version_chain; every other check has one item per revision (record_period: per record).
CHECKS: dict[Property, tuple[str, ...]] = {
    Property.authenticity: ("blob_hash", "signature_hash", "audit_chain", "lifecycle_events"),
    Property.integrity: ("blob_present", "metadata", "version_chain", "record_period"),
    Property.usability: ("media_type", "openable", "format_allowed"),
    Property.security: ("access_level", "file_mode", "part_files"),
}
PROPERTY_OF: dict[str, Property] = {check: prop for prop, checks in CHECKS.items() for check in checks}


@dataclass(frozen=True)
class Target:
    """What a problem is about: a revision of a document, a document, or (all None) the whole scope."""

    document_id: int | None = None
    revision_id: int | None = None
    control_no: str = ""
    revision_number: int | None = None


SCOPE_WIDE = Target()


@dataclass
class Finding:
    property: Property
    check: str
    target: Target
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "property": str(self.property),
            "check": self.check,
            "document_id": self.target.document_id,
            "revision_id": self.target.revision_id,
            "control_no": self.target.control_no,
            "revision_number": self.target.revision_number,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def empty_figures() -> dict[str, dict[str, Any]]:
    return {
        str(prop): {
            "passed": 0,
            "failed": 0,
            "not_checked": 0,
            "checks": {check: {"passed": 0, "failed": 0, "not_checked": 0} for check in checks},
        }
        for prop, checks in CHECKS.items()
    }


@dataclass
class CheckResult:
    figures: dict[str, dict[str, Any]] = field(default_factory=empty_figures)
    problems: list[Finding] = field(default_factory=list)
    documents_checked: int = 0
    revisions_checked: int = 0
    destroyed: int = 0
    chain: dict[str, Any] = field(default_factory=dict)

    def outcome(self, check: str, outcome: Outcome, target: Target = SCOPE_WIDE, message: tuple[str, str] = ("", "")):
        """Count one check item; a failed one is also a problem with its message (Chinese, English)."""
        prop = PROPERTY_OF[check]
        self.figures[prop]["checks"][check][outcome] += 1
        self.figures[prop][outcome] += 1
        if outcome == Outcome.failed:
            self.problems.append(Finding(prop, check, target, *message))

    def passed(self, check: str, target: Target = SCOPE_WIDE) -> None:
        self.outcome(check, Outcome.passed, target)

    def failed(self, check: str, target: Target, zh: str, en: str) -> None:
        self.outcome(check, Outcome.failed, target, (zh, en))

    def not_checked(self, check: str, target: Target = SCOPE_WIDE) -> None:
        self.outcome(check, Outcome.not_checked, target)

    def check(self, check: str, target: Target, problem: tuple[str, str] | None) -> None:
        """Passed when `problem` is None, else failed with it."""
        if problem is None:
            self.passed(check, target)
        else:
            self.failed(check, target, *problem)

    @property
    def verdict(self) -> Verdict:
        return Verdict.failed if self.problems else Verdict.passed

    def failed_checks(self) -> set[str]:
        return {finding.check for finding in self.problems}
