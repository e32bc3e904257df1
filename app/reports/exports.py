"""Evidence packages (.zip) for auditors, and their verification (the register's exports are in `register`).

An evidence package holds, for a clause, a chapter or the whole system:
- `files/…`: the effective documents and filed records that serve as evidence, as marked controlled copies;
- `index.html`: clause → items → evidence with states, signatures and reasons, self-contained and escaped, for
  an auditor to open offline;
- `readiness.json`: the readiness snapshot of the scope;
- `manifest.json`: the SHA-256 and size of every other file, checked by `carbonms verify-package`;
- `archival_check.docx`: the archival check (四性检测, app/archival) of the package's documents, run before the
  files are packed; a failed check does not stop the export, and index.html and the manifest state its verdict.
Packages are written into a temporary file (never held whole in memory) that the caller streams and deletes.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2 import Environment, StrictUndefined
from sqlalchemy import select
from sqlmodel import Session, col

from app import timezones
from app.archival import export_check
from app.clauses.models import Clause, DocKind
from app.common import utcnow
from app.config import get_settings
from app.documents import detail_queries, lifecycle, storage
from app.documents.access import can_read
from app.documents.models import Document, Revision, RevisionState
from app.errors import Conflict, Invalid, NotFound
from app.hashing import sha256_bytes, sha256_stream
from app.parks.queries import park_time_zone
from app.readiness import service as readiness
from app.reports import controlled_copy
from app.reports.render import clause_context
from app.users.models import Park, User

PACKAGE_FORMAT = "carbonms-evidence-package/1"
MANIFEST = "manifest.json"


# ---------------------------------------------------------------------- evidence packages


@dataclass(frozen=True)
class Scope:
    kind: str  # all | chapter | clause
    value: str

    @property
    def label(self) -> str:
        return {
            "all": "全部条款 / whole system",
            "chapter": f"第{self.value}章 / chapter {self.value}",
            "clause": f"条款 {self.value} / clause {self.value}",
        }[self.kind]

    def includes(self, clause_id: str, chapter: str) -> bool:
        if self.kind == "all":
            return True
        if self.kind == "chapter":
            return chapter == self.value
        return clause_id == self.value or clause_id.startswith(self.value + ".")


def parse_scope(session: Session, text: str) -> Scope:
    """`all`, a chapter (`7`) or a clause (`7.3.2`, with its sub-clauses)."""
    text = (text or "").strip()
    if text.lower() == "all":
        return Scope("all", "all")
    if text in readiness.READINESS_CHAPTERS:
        return Scope("chapter", text)
    if re.fullmatch(r"\d+(\.\d+)+", text) and session.get(Clause, text) is not None:
        return Scope("clause", text)
    raise Invalid(
        f"范围无效：{text}（应为 all、章号如 7 或条款号如 7.3.2）",
        f"Invalid scope: {text} (use all, a chapter such as 7, or a clause such as 7.3.2)",
    )


EVIDENCE_STATES = (str(RevisionState.effective), str(RevisionState.filed))


@dataclass
class PackageSummary:
    scope: Scope
    clauses: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    size_bytes: int = 0
    archival: dict[str, Any] | None = None  # the archival check run before the export: id, verdict, problems


def _member_name(document: Document, revision: Revision) -> str:
    """A path from ids only: nothing a person typed (control number, file name) becomes a path part.

    The manifest and index.html name each file's control number, title and revision.
    """
    suffix = PurePosixPath(storage.sanitize_filename(revision.file_name)).suffix.lower()
    extension = suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""
    return f"files/{document.id}/r{revision.number}{extension}"


def unsafe_member(name: str) -> bool:
    """A zip member name that could leave the folder it is unpacked into (absolute, `..`, a drive, a backslash)."""
    path = PurePosixPath(name)
    return path.is_absolute() or ".." in path.parts or "\\" in name or ":" in name


def evidence_plan(session: Session, *, user: User, scope: Scope) -> dict[str, Any]:
    """What a package holds: the readiness of the scope and the evidence revisions, before any file is read."""
    result = readiness.compute_readiness(session, park_id=user.park_id, user=user)
    clauses = [clause for clause in result["clauses"] if scope.includes(clause["id"], clause["chapter"])]
    if not clauses:
        raise NotFound("该范围内没有参与就绪度评价的条款", "No clause in this scope takes part in readiness")
    revision_ids = sorted(
        {
            detail["revision_id"]
            for clause in clauses
            for item in clause["items"]
            for detail in item.get("evidence_detail", [])
            if detail["state"] in EVIDENCE_STATES
        }
    )
    revisions = (
        {
            row.id: row
            for row in session.execute(
                select(Revision).where(col(Revision.id).in_(revision_ids), col(Revision.park_id) == user.park_id)
            ).scalars()
        }
        if revision_ids
        else {}
    )
    documents = (
        {
            row.id: row
            for row in session.execute(
                select(Document).where(col(Document.id).in_({r.document_id for r in revisions.values()}))
            ).scalars()
        }
        if revisions
        else {}
    )
    revisions = {rid: rev for rid, rev in revisions.items() if can_read(user, documents[rev.document_id])}
    signatures = detail_queries.signatures_of(session, list(revisions))
    texts = {
        row.id: clause_context(row)
        for row in session.execute(
            select(Clause).where(col(Clause.id).in_([clause["id"] for clause in clauses]))
        ).scalars()
    }
    chapters = sorted({clause["chapter"] for clause in clauses}, key=int)
    return {
        "readiness": result,
        "clauses": clauses,
        "revisions": revisions,
        "documents": documents,
        "signatures": signatures,
        "texts": texts,
        "chapters": [chapter for chapter in result["chapters"] if chapter["id"] in chapters],
    }


_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ park.name }} 证据包 / evidence package — {{ scope.label }}</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",SimSun,sans-serif;margin:2em;color:#222;
line-height:1.5}
h1{font-size:1.5em}h2{border-bottom:2px solid #2a6;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:4px 6px;
text-align:left;vertical-align:top;font-size:.92em}th{background:#eef5f0}
.met{color:#176f2c;font-weight:bold}.partial,.in_progress,.review_overdue,.overdue{color:#a66300;font-weight:bold}
.gap,.missing{color:#b00020;font-weight:bold}.not_applicable{color:#666}
.req{background:#f7f7f2;padding:.5em 1em;border-left:4px solid #ccc}.mono{font-family:monospace;font-size:.85em;
word-break:break-all}.muted{color:#666}
.req p{margin:.25em 0}.req .item{padding-left:1em}.req .sub{padding-left:2.5em}.req .note{font-size:.92em}
.req .editorial{padding-left:2.5em;font-size:.88em;color:#6b5200}
</style></head><body>
<h1>{{ park.name }}（{{ park.code }}）碳排放管理体系证据包 / Evidence package</h1>
<p>范围 / scope：<b>{{ scope.label }}</b>　生成时间 / generated：{{ generated_local }}
　生成人 / by：{{ user_name }}　就绪度截至 / readiness as of：{{ readiness.as_of }}</p>
<p>依据 T/CPQS ZC001—2025《产业园区碳排放管理体系建设规范》。文件为受控副本（已加盖受控标识）；
每个文件的 SHA-256 见 manifest.json，可用 <code>carbonms verify-package</code> 校验。</p>
<p class="muted">{{ zone_zh }} {{ zone_en }}</p>
{% if archival %}<p>导出前四性检测 / archival check before export（第 {{ archival.id }} 号）：
<b>{{ archival.verdict_zh }} / {{ archival.verdict_en }}</b>，问题 {{ archival.problems }} 项 / problems；
报告见 / report:
<a href="{{ archival.report }}">{{ archival.report }}</a>{% if archival.verdict != 'passed' %}
（检测未通过不阻止导出 / a failed check does not block the export）{% endif %}</p>{% endif %}
<h2>就绪度概览 / Readiness</h2>
<table><tr><th>章 / chapter</th><th>状态 / status</th><th>覆盖率 / coverage</th><th>进展 / progress</th>
<th>满足/适用事项 / met/applicable</th></tr>
{% for chapter in chapters %}<tr><td>第{{ chapter.id }}章 {{ chapter.title_zh }}</td>
<td class="{{ chapter.status }}">{{ status_labels[chapter.status] }}</td><td>{{ pct(chapter.coverage) }}</td>
<td>{{ pct(chapter.progress) }}</td><td>{{ chapter.counts.met }}/{{ chapter.counts.applicable_items }}</td></tr>
{% endfor %}</table>
{% for clause in clauses %}
<h2 id="c{{ clause.id }}">{{ clause.id }} {{ clause.title_zh }} <span class="muted">{{ clause.title_en }}</span></h2>
<p>状态 / status：<span class="{{ clause.status }}">{{ status_labels[clause.status] }}</span>
　覆盖率 {{ pct(clause.coverage) }}　进展 {{ pct(clause.progress) }}
{% if clause.not_applicable_reason %}　不适用理由：{{ clause.not_applicable_reason }}{% endif %}</p>
{% set text = texts.get(clause.id) %}{% if text %}<div class="req">
{% for line in text.lines %}<p class="{{ line.kind }}">{{ line.text }}</p>
{% endfor %}</div>{% endif %}
<table><tr><th>所需文件化信息 / required</th><th>状态 / status</th><th>说明 / reason</th><th>证据 / evidence</th></tr>
{% for item in clause["items"] %}<tr><td>{{ item.title_zh }}<br><span class="muted">{{ item.doc_type }}
（{{ kind_labels[item.kind] }}）</span></td><td class="{{ item.status }}">{{ item_labels[item.status] }}</td>
<td>{{ item.reason_zh }}<br><span class="muted">{{ item.reason_en }}</span></td><td>
{% for detail in item.evidence_detail %}{% set entry = files.get(detail.revision_id) %}
<div><b>{{ detail.control_no }}</b> 第{{ detail.revision }}版 · {{ state_labels.get(detail.state, detail.state) }}
{% if detail.effective_from %} · {{ fmt_date(detail.effective_from) }}{% endif %}
{% if detail.period_end %} · 期间 {{ detail.period_start }}/{{ detail.period_end }}{% endif %}
{% if entry %}《{{ entry.title }}》<br><a href="{{ entry.path }}">{{ entry.path }}</a>
<br><span class="mono">SHA-256 {{ entry.sha256 }}</span>
{% if entry.change_reason %}<br>变更原因 / reason：{{ entry.change_reason }}{% endif %}
{% for sig in entry.signatures %}<br>✔ {{ sig.meaning_zh }}：{{ sig.signer_name }}（{{ sig.signed_at }}）
{% if sig.comment %}“{{ sig.comment }}”{% endif %}{% endfor %}
{% else %}<br><span class="muted">（未生效或未归档，未收入文件 / not effective or filed: not included）</span>
{% endif %}
</div>{% else %}<span class="muted">—</span>{% endfor %}</td></tr>
{% endfor %}</table>
{% endfor %}
</body></html>
"""


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def render_index(
    *,
    park: Park,
    scope: Scope,
    plan: dict[str, Any],
    files: dict[int, dict[str, Any]],
    user: User,
    generated_at: str,
    zone: str | None = None,
    archival: dict[str, Any] | None = None,
) -> str:
    """The package's index.html; times in the park's zone, named once (the manifest keeps UTC for machines)."""
    env = Environment(autoescape=True, undefined=StrictUndefined)
    template = env.from_string(_INDEX_TEMPLATE)
    return template.render(
        park=park,
        scope=scope,
        generated_local=timezones.fmt_time(generated_at, zone),
        zone_zh=timezones.zone_note(zone, "zh"),
        zone_en=timezones.zone_note(zone, "en"),
        fmt_date=lambda value: timezones.fmt_date(value, zone),
        user_name=user.full_name or user.username,
        readiness=plan["readiness"],
        chapters=plan["chapters"],
        clauses=plan["clauses"],
        texts=plan["texts"],
        files=files,
        pct=_pct,
        status_labels={key: f"{zh} / {en}" for key, (zh, en) in readiness.STATUS_LABELS.items()},
        item_labels={key: f"{zh} / {en}" for key, (zh, en) in readiness.ITEM_STATUS_LABELS.items()},
        state_labels={key: zh for key, (zh, _) in lifecycle.STATE_LABELS.items()},
        kind_labels={str(DocKind.document): "文件", str(DocKind.record): "记录"},
        archival=archival,
    )


def build_evidence_package(
    session: Session,
    *,
    user: User,
    scope: Scope,
    target: Path,
    progress: Callable[[int], None] | None = None,
    plan: dict[str, Any] | None = None,
) -> PackageSummary:
    """Write the package for `scope` to `target` (a .zip). `progress(n)` is told of every n files added."""
    plan = plan or evidence_plan(session, user=user, scope=scope)
    park = session.get_one(Park, user.park_id)
    blob_dir = get_settings().blob_dir
    summary = PackageSummary(scope=scope, clauses=len(plan["clauses"]))
    manifest_files: list[dict[str, Any]] = []
    files: dict[int, dict[str, Any]] = {}
    generated_at = utcnow().replace(microsecond=0).isoformat()
    zone = park_time_zone(session, user.park_id)
    # The archival check of the package's documents comes first; its verdict never stops the export.
    checked = export_check.check_before_export(
        session,
        user=user,
        document_ids={revision.document_id for revision in plan["revisions"].values()},
        export_scope=scope.value,
    )
    summary.archival = checked.manifest_entry() | {"verdict_zh": checked.verdict_zh, "verdict_en": checked.verdict_en}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes, **extra: Any) -> dict[str, Any]:
            archive.writestr(name, data)
            entry = {"path": name, "sha256": sha256_bytes(data), "size": len(data), **extra}
            manifest_files.append(entry)
            summary.size_bytes += len(data)
            return entry

        for revision_id, revision in sorted(plan["revisions"].items()):
            document = plan["documents"][revision.document_id]
            source = storage.open_blob(blob_dir, revision.blob_sha256)
            marking = controlled_copy.marking_for(document, revision, zone)
            try:
                data = controlled_copy.marked_bytes(source, revision.media_type, marking)
            except Conflict:  # e.g. an encrypted PDF: the original goes in, flagged unmarked in the manifest
                data = None
            marked = data is not None
            if data is None:
                data = source.read_bytes()
            entry = add(
                _member_name(document, revision),
                data,
                revision_id=revision.id,
                document_id=document.id,
                control_no=document.control_no,
                title=document.title,
                revision=revision.number,
                state=str(revision.state),
                marked=marked,
                original_sha256=revision.blob_sha256,
                media_type=revision.media_type,
            )
            files[revision_id] = entry | {
                "change_reason": revision.change_reason,
                "signatures": [
                    {
                        "meaning_zh": sig.meaning_zh,
                        "signer_name": sig.signer_name,
                        "signed_at": timezones.fmt_time(sig.signed_at, zone),
                        "comment": sig.comment,
                    }
                    for sig in plan["signatures"].get(revision_id, [])
                ],
            }
            summary.files.append(entry)
            if progress:
                progress(1)
        snapshot = {
            "scope": {"kind": scope.kind, "value": scope.value},
            "as_of": plan["readiness"]["as_of"],
            "overall": plan["readiness"]["overall"],
            "chapters": plan["chapters"],
            "clauses": plan["clauses"],
        }
        add("readiness.json", json.dumps(snapshot, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
        add(checked.member, checked.report, archival_check_id=checked.check_id, verdict=checked.verdict)
        index = render_index(
            park=park,
            scope=scope,
            plan=plan,
            files=files,
            user=user,
            generated_at=generated_at,
            zone=zone,
            archival=summary.archival,
        )
        add("index.html", index.encode("utf-8"))
        manifest = {
            "format": PACKAGE_FORMAT,
            "park": {"code": park.code, "name": park.name},
            "scope": {"kind": scope.kind, "value": scope.value},
            "generated_at": generated_at,
            "generated_by": user.username,
            "algorithm": "sha256",
            "files": manifest_files,
            "archival_check": checked.manifest_entry(),
        }
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        if progress:
            progress(1)
    return summary


# ---------------------------------------------------------------------- verification


@dataclass
class VerifyReport:
    ok: bool
    checked: int = 0
    problems: list[str] = field(default_factory=list)


def verify_package(path: Path) -> VerifyReport:
    """Check a package against its manifest: every listed file present with its SHA-256, nothing unlisted."""
    report = VerifyReport(ok=False)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                report.problems.append("缺少 manifest.json / manifest.json is missing")
                return report
            try:
                manifest = json.loads(archive.read(MANIFEST))
                entries = manifest["files"]
            except (ValueError, KeyError, TypeError):
                report.problems.append("manifest.json 无法解析 / manifest.json is not valid")
                return report
            for name in sorted(names):
                if unsafe_member(name):
                    report.problems.append(f"不安全的路径 / unsafe path: {name}")
            listed = set()
            for entry in entries:
                name = entry.get("path", "")
                listed.add(name)
                if name not in names:
                    report.problems.append(f"缺少文件 / missing file: {name}")
                    continue
                with archive.open(name) as member:
                    digest = sha256_stream(member)
                report.checked += 1
                if digest != entry.get("sha256"):
                    report.problems.append(f"SHA-256 不符 / hash mismatch: {name}")
            for name in sorted(names - listed - {MANIFEST}):
                if not name.endswith("/"):
                    report.problems.append(f"清单外的文件 / file not in the manifest: {name}")
    except (zipfile.BadZipFile, OSError) as exc:
        report.problems.append(f"无法读取压缩包 / cannot read the package: {exc}")
        return report
    report.ok = not report.problems
    return report
