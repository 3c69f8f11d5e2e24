"""needs reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:07:43.254399
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "competence_area_lists",
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name=op.f("fk_competence_area_lists_forum_id_forums"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("forum_id", "year", name=op.f("pk_competence_area_lists")),
    )
    op.create_table(
        "needs_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("competence_areas", sa.JSON(), nullable=False),
        sa.Column("amount_applied", sa.BigInteger(), nullable=True),
        sa.Column("granted_amount", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["forum_id", "organisation_id"],
            ["organisations.forum_id", "organisations.id"],
            name=op.f("fk_needs_reports_forum_id_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs_reports")),
        sa.UniqueConstraint("forum_id", "year", "number", name=op.f("uq_needs_reports_forum_id_year_number")),
    )
    with op.batch_alter_table("needs_reports", schema=None) as batch_op:
        batch_op.create_index("ix_needs_reports_forum_year", ["forum_id", "year"], unique=False)

    op.create_table(
        "needs_report_revisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["needs_reports.id"],
            name=op.f("fk_needs_report_revisions_report_id_needs_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs_report_revisions")),
        sa.UniqueConstraint("report_id", "revision", name=op.f("uq_needs_report_revisions_report_id_revision")),
    )
    op.create_table(
        "needs_report_status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("granted_amount", sa.BigInteger(), nullable=True),
        sa.Column("by", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["needs_reports.id"],
            name=op.f("fk_needs_report_status_changes_report_id_needs_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs_report_status_changes")),
    )


def downgrade() -> None:
    op.drop_table("needs_report_status_changes")
    op.drop_table("needs_report_revisions")
    with op.batch_alter_table("needs_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_needs_reports_forum_year")

    op.drop_table("needs_reports")
    op.drop_table("competence_area_lists")
