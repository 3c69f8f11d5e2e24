"""language choices: the language a person chose with «språk»

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 11:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "language_choices",
        sa.Column("aad_object_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("aad_object_id", name=op.f("pk_language_choices")),
    )


def downgrade() -> None:
    op.drop_table("language_choices")
