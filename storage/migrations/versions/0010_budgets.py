"""the year's budget: the frame from the allocation letter and amounts set aside per competence area

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 13:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budgets",
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("frame", sa.BigInteger(), nullable=False),
        sa.Column("reserved", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name=op.f("fk_budgets_forum_id_forums"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("forum_id", "year", name=op.f("pk_budgets")),
    )


def downgrade() -> None:
    op.drop_table("budgets")
