"""ranked (Borda) and points votes: the vote's kind, its N points and the places it prioritises; a ballot's points

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), server_default="one", nullable=False))
        batch.add_column(sa.Column("points", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("places", sa.Integer(), nullable=True))
    # Until now the kind was told by the number of choices alone.
    op.execute("UPDATE votes SET kind = 'up_to' WHERE max_choices > 1")
    for table in ("ballots", "ballot_casts"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("points", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in ("ballot_casts", "ballots"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("points")
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("places")
        batch.drop_column("points")
        batch.drop_column("kind")
