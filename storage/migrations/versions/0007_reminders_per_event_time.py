"""reminders per event time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:12:41.318204
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_starts_at", sa.DateTime(timezone=True), nullable=True))
    # Existing reminders are for the time their event has now.
    op.execute(
        "UPDATE reminders SET event_starts_at = "
        "(SELECT wheel_events.starts_at FROM wheel_events WHERE wheel_events.id = reminders.event_id)"
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.alter_column("event_starts_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.drop_constraint("uq_reminders_event_id_offset_minutes_target", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_reminders_event_id_event_starts_at_offset_minutes_target"),
            ["event_id", "event_starts_at", "offset_minutes", "target"],
        )


def downgrade() -> None:
    # Only the newest row of each (event, offset, target) can stay.
    op.execute(
        "DELETE FROM reminders WHERE EXISTS (SELECT 1 FROM reminders AS newer "
        "WHERE newer.event_id = reminders.event_id AND newer.offset_minutes = reminders.offset_minutes "
        "AND newer.target = reminders.target AND newer.id > reminders.id)"
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_reminders_event_id_event_starts_at_offset_minutes_target", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_reminders_event_id_offset_minutes_target"), ["event_id", "offset_minutes", "target"]
        )
        batch_op.drop_column("event_starts_at")
