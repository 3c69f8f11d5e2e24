"""grant reports: what an organisation reports back on a granted needs report

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 08:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grant_reports",
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("draft", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("money_used", sa.BigInteger(), nullable=True),
        sa.Column("unused", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["needs_reports.id"],
            name=op.f("fk_grant_reports_report_id_needs_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_grant_reports")),
    )
    op.create_index("ix_grant_reports_forum", "grant_reports", ["forum_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_grant_reports_forum", table_name="grant_reports")
    op.drop_table("grant_reports")
