"""roster changes: the Statsforvalter's changes to the roster from Teams, which stand over the file

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 11:35:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_changes",
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_roster_changes_forum_id_forums"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forum_id", "place", name=op.f("pk_roster_changes")),
    )


def downgrade() -> None:
    op.drop_table("roster_changes")
