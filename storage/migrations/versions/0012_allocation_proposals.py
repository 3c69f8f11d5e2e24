"""the allocation proposal: the year's open reports in priority order with the amounts proposed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "allocation_proposals",
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("from_vote_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.String(length=64), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name=op.f("fk_allocation_proposals_forum_id_forums"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("forum_id", "year", name=op.f("pk_allocation_proposals")),
    )


def downgrade() -> None:
    op.drop_table("allocation_proposals")
