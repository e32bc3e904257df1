"""Carbon management performance (7.1, 7.2, 7.4, 7.5, 10.1.1): indicators, manual values, baselines, objectives,
targets, responsibility letters, measures with their targets, milestones and progress, and significant deviations.

Revision ID: 0008_performance
Revises: 0007_readiness_cycles
Create Date: 2026-12-01 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_performance"
down_revision: str | None = "0007_readiness_cycles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "performance_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.String(length=16), server_default="annual", nullable=False),
        sa.Column("formula", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=8), server_default="lower", nullable=False),
        sa.Column("deviation_percent", sa.String(length=40), nullable=True),
        sa.Column("deviation_reference", sa.String(length=16), server_default="target", nullable=False),
        sa.Column("method", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_performance_indicator_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_performance_indicator_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_performance_indicator_park_id_park")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["emission_source.id"], name=op.f("fk_performance_indicator_source_id_emission_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_indicator")),
        sa.UniqueConstraint("park_id", "code", name="uq_performance_indicator_code"),
    )
    with op.batch_alter_table("performance_indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_indicator_park_id"), ["park_id"], unique=False)

    op.create_table(
        "performance_objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=True),
        sa.Column("considerations_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_performance_objective_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_performance_objective_park_id_park")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_objective")),
    )
    with op.batch_alter_table("performance_objective", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_objective_park_id"), ["park_id"], unique=False)

    op.create_table(
        "indicator_manual_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), server_default="0", nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("evidence_document_id", sa.Integer(), nullable=True),
        sa.Column("evidence_note", sa.Text(), server_default="", nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("change_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["app_user.id"], name=op.f("fk_indicator_manual_value_entered_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["evidence_document_id"],
            ["document.id"],
            name=op.f("fk_indicator_manual_value_evidence_document_id_document"),
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["performance_indicator.id"],
            name=op.f("fk_indicator_manual_value_indicator_id_performance_indicator"),
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_indicator_manual_value_park_id_park")),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["indicator_manual_value.id"],
            name=op.f("fk_indicator_manual_value_supersedes_id_indicator_manual_value"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_manual_value")),
    )
    with op.batch_alter_table("indicator_manual_value", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_manual_value_park_id"), ["park_id"], unique=False)
        batch_op.create_index("ix_indicator_manual_value_period", ["indicator_id", "year", "period"], unique=False)

    op.create_table(
        "performance_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), server_default="", nullable=False),
        sa.Column("technical_content", sa.Text(), server_default="", nullable=False),
        sa.Column("expected_reduction", sa.String(length=40), nullable=True),
        sa.Column("path_method", sa.Text(), server_default="", nullable=False),
        sa.Column("responsible_unit", sa.String(length=200), nullable=False),
        sa.Column("resources_people", sa.Text(), server_default="", nullable=False),
        sa.Column("resources_equipment", sa.Text(), server_default="", nullable=False),
        sa.Column("budget", sa.String(length=40), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("verification_method", sa.Text(), server_default="", nullable=False),
        sa.Column("plan_document_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_performance_measure_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_performance_measure_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_performance_measure_park_id_park")),
        sa.ForeignKeyConstraint(
            ["plan_document_id"], ["document.id"], name=op.f("fk_performance_measure_plan_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["emission_source.id"], name=op.f("fk_performance_measure_source_id_emission_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_measure")),
    )
    with op.batch_alter_table("performance_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_measure_park_id"), ["park_id"], unique=False)

    op.create_table(
        "performance_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("target_value", sa.String(length=40), nullable=False),
        sa.Column("base_year", sa.Integer(), nullable=True),
        sa.Column("start_year", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("responsible_unit", sa.String(length=200), nullable=False),
        sa.Column("responsible_enterprise_id", sa.Integer(), nullable=True),
        sa.Column("responsible_person", sa.String(length=100), server_default="", nullable=False),
        sa.Column("considerations_json", sa.Text(), server_default="{}", nullable=False),
        sa.Column("industry_benchmark", sa.String(length=40), nullable=True),
        sa.Column("benchmark_source", sa.Text(), server_default="", nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_performance_target_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["performance_indicator.id"],
            name=op.f("fk_performance_target_indicator_id_performance_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["performance_objective.id"],
            name=op.f("fk_performance_target_objective_id_performance_objective"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["performance_target.id"], name=op.f("fk_performance_target_parent_id_performance_target")
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_performance_target_park_id_park")),
        sa.ForeignKeyConstraint(
            ["responsible_enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_performance_target_responsible_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_target")),
    )
    with op.batch_alter_table("performance_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_target_indicator_id"), ["indicator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_target_objective_id"), ["objective_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_target_park_id"), ["park_id"], unique=False)

    op.create_table(
        "performance_baseline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("base_year", sa.Integer(), nullable=True),
        sa.Column("base_line", sa.Text(), server_default="", nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("variables_json", sa.Text(), server_default="[]", nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("adjustment_reason", sa.String(length=40), server_default="", nullable=False),
        sa.Column("adjustment_note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_performance_baseline_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_performance_baseline_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["performance_indicator.id"],
            name=op.f("fk_performance_baseline_indicator_id_performance_indicator"),
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_performance_baseline_park_id_park")),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revision.id"], name=op.f("fk_performance_baseline_revision_id_revision")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["performance_baseline.id"],
            name=op.f("fk_performance_baseline_supersedes_id_performance_baseline"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_baseline")),
        sa.UniqueConstraint("indicator_id", "version", name="uq_performance_baseline_version"),
    )
    with op.batch_alter_table("performance_baseline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_baseline_indicator_id"), ["indicator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_baseline_park_id"), ["park_id"], unique=False)

    op.create_table(
        "performance_measure_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("achieved_reduction", sa.String(length=40), nullable=True),
        sa.Column("verification", sa.Text(), server_default="", nullable=False),
        sa.Column("evidence_document_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_document_id"],
            ["document.id"],
            name=op.f("fk_performance_measure_progress_evidence_document_id_document"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["performance_measure.id"],
            name=op.f("fk_performance_measure_progress_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["app_user.id"], name=op.f("fk_performance_measure_progress_recorded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_measure_progress")),
    )
    with op.batch_alter_table("performance_measure_progress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_measure_progress_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "performance_measure_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["performance_measure.id"],
            name=op.f("fk_performance_measure_target_measure_id_performance_measure"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["performance_target.id"],
            name=op.f("fk_performance_measure_target_target_id_performance_target"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_measure_target")),
        sa.UniqueConstraint("measure_id", "target_id", name="uq_performance_measure_target"),
    )
    with op.batch_alter_table("performance_measure_target", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_measure_target_measure_id"), ["measure_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_measure_target_target_id"), ["target_id"], unique=False)

    op.create_table(
        "performance_milestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["performance_measure.id"],
            name=op.f("fk_performance_milestone_measure_id_performance_measure"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_milestone")),
    )
    with op.batch_alter_table("performance_milestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_milestone_measure_id"), ["measure_id"], unique=False)

    op.create_table(
        "responsibility_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("responsible_unit", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("targets_json", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_responsibility_letter_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_responsibility_letter_document_id_document")
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_responsibility_letter_park_id_park")),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revision.id"], name=op.f("fk_responsibility_letter_revision_id_revision")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responsibility_letter")),
    )
    with op.batch_alter_table("responsibility_letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_responsibility_letter_park_id"), ["park_id"], unique=False)

    op.create_table(
        "performance_deviation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("park_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("baseline_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sa.Integer(), server_default="0", nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("reference_value", sa.String(length=40), nullable=False),
        sa.Column("reference_kind", sa.String(length=16), nullable=False),
        sa.Column("deviation_percent", sa.String(length=40), nullable=False),
        sa.Column("threshold_percent", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("investigation", sa.Text(), server_default="", nullable=False),
        sa.Column("response", sa.Text(), server_default="", nullable=False),
        sa.Column("nonconformity_id", sa.Integer(), nullable=True),
        sa.Column("record_document_id", sa.Integer(), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["app_user.id"], name=op.f("fk_performance_deviation_assignee_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["baseline_id"],
            ["performance_baseline.id"],
            name=op.f("fk_performance_deviation_baseline_id_performance_baseline"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["app_user.id"], name=op.f("fk_performance_deviation_closed_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["performance_indicator.id"],
            name=op.f("fk_performance_deviation_indicator_id_performance_indicator"),
        ),
        sa.ForeignKeyConstraint(
            ["nonconformity_id"],
            ["nonconformity.id"],
            name=op.f("fk_performance_deviation_nonconformity_id_nonconformity"),
        ),
        sa.ForeignKeyConstraint(["park_id"], ["park.id"], name=op.f("fk_performance_deviation_park_id_park")),
        sa.ForeignKeyConstraint(
            ["record_document_id"], ["document.id"], name=op.f("fk_performance_deviation_record_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["performance_target.id"], name=op.f("fk_performance_deviation_target_id_performance_target")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_deviation")),
        sa.UniqueConstraint("indicator_id", "year", "period", name="uq_performance_deviation_period"),
    )
    with op.batch_alter_table("performance_deviation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_deviation_park_id"), ["park_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("performance_deviation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_deviation_park_id"))

    op.drop_table("performance_deviation")
    with op.batch_alter_table("responsibility_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responsibility_letter_park_id"))

    op.drop_table("responsibility_letter")
    with op.batch_alter_table("performance_milestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_milestone_measure_id"))

    op.drop_table("performance_milestone")
    with op.batch_alter_table("performance_measure_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_measure_target_target_id"))
        batch_op.drop_index(batch_op.f("ix_performance_measure_target_measure_id"))

    op.drop_table("performance_measure_target")
    with op.batch_alter_table("performance_measure_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_measure_progress_measure_id"))

    op.drop_table("performance_measure_progress")
    with op.batch_alter_table("performance_baseline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_baseline_park_id"))
        batch_op.drop_index(batch_op.f("ix_performance_baseline_indicator_id"))

    op.drop_table("performance_baseline")
    with op.batch_alter_table("performance_target", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_target_park_id"))
        batch_op.drop_index(batch_op.f("ix_performance_target_objective_id"))
        batch_op.drop_index(batch_op.f("ix_performance_target_indicator_id"))

    op.drop_table("performance_target")
    with op.batch_alter_table("performance_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_measure_park_id"))

    op.drop_table("performance_measure")
    with op.batch_alter_table("indicator_manual_value", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_manual_value_period")
        batch_op.drop_index(batch_op.f("ix_indicator_manual_value_park_id"))

    op.drop_table("indicator_manual_value")
    with op.batch_alter_table("performance_objective", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_objective_park_id"))

    op.drop_table("performance_objective")
    with op.batch_alter_table("performance_indicator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_indicator_park_id"))

    op.drop_table("performance_indicator")
