"""forum choices: the forum a person in several forums uses in their 1:1 chat

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 11:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forum_choices",
        sa.Column("aad_object_id", sa.String(length=64), nullable=False),
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"],
            ["forums.id"],
            name=op.f("fk_forum_choices_forum_id_forums"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("aad_object_id", name=op.f("pk_forum_choices")),
    )


def downgrade() -> None:
    op.drop_table("forum_choices")
