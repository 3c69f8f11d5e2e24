"""the forum's decision on the allocation: the approval vote's year, and the table as decided

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("allocation_year", sa.Integer(), nullable=True))
    with op.batch_alter_table("allocation_proposals") as batch:
        batch.add_column(sa.Column("decided_lines", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decided_vote_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("allocation_proposals") as batch:
        batch.drop_column("decided_vote_id")
        batch.drop_column("decided_at")
        batch.drop_column("decided_lines")
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("allocation_year")
