"""roster version, needs report numbers, calendar generation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 22:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roster_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("calendar_generation", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "needs_report_numbers",
        sa.Column("forum_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forum_id"], ["forums.id"], name=op.f("fk_needs_report_numbers_forum_id_forums"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("forum_id", "year", name=op.f("pk_needs_report_numbers")),
    )
    # Numbers already given go on from the highest.
    op.execute(
        "INSERT INTO needs_report_numbers (forum_id, year, last) "
        "SELECT forum_id, year, MAX(number) FROM needs_reports WHERE number IS NOT NULL GROUP BY forum_id, year"
    )


def downgrade() -> None:
    op.drop_table("needs_report_numbers")
    with op.batch_alter_table("forums", schema=None) as batch_op:
        batch_op.drop_column("calendar_generation")
        batch_op.drop_column("roster_version")
