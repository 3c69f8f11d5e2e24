"""award letters: the letters of a decided allocation, and their delivery to each person

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "award_letters",
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("deadline_event_id", sa.Integer(), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name=op.f("fk_award_letters_forum_id_forums"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("forum_id", "year", name=op.f("pk_award_letters")),
    )
    op.create_table(
        "award_letter_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["forum_id", "year"],
            ["award_letters.forum_id", "award_letters.year"],
            name=op.f("fk_award_letter_deliveries_forum_id_award_letters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_letter_deliveries")),
        sa.UniqueConstraint(
            "forum_id",
            "year",
            "organisation_id",
            "target",
            name=op.f("uq_award_letter_deliveries_forum_id_year_organisation_id_target"),
        ),
    )
    op.create_index("ix_award_letter_deliveries_status", "award_letter_deliveries", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_award_letter_deliveries_status", table_name="award_letter_deliveries")
    op.drop_table("award_letter_deliveries")
    op.drop_table("award_letters")
