"""usage rollup for admin statistics (per hour and day, per user, with a queue-wait histogram), backfilled
from the finished tasks

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import zimage_common.db
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Same bounds as zimage_image.stats.repository.WAIT_LOWER_BOUNDS (a test keeps them equal).
WAIT_LOWER_BOUNDS = (0.0, *(0.001 * 1.05**k for k in range(376)))
EVERYONE = "00000000-0000-0000-0000-000000000000"


def upgrade() -> None:
    op.create_table(
        "usage_rollup",
        sa.Column("period", sa.String(length=4), nullable=False),
        sa.Column("period_start", zimage_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("images", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("canceled", sa.Integer(), nullable=False),
        sa.Column("gpu_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("period", "period_start", "user_id", name=op.f("pk_usage_rollup")),
    )
    op.create_table(
        "queue_wait_rollup",
        sa.Column("period", sa.String(length=4), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", zimage_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("wait_bin", sa.SmallInteger(), nullable=False),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "user_id", "period_start", "wait_bin", name=op.f("pk_queue_wait_rollup")),
    )
    bins = op.create_table(
        "queue_wait_bins",
        sa.Column("wait_bin", sa.SmallInteger(), nullable=False),
        sa.Column("lower_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("wait_bin", name=op.f("pk_queue_wait_bins")),
        sa.UniqueConstraint("lower_seconds", name=op.f("uq_queue_wait_bins_lower_seconds")),
    )
    op.bulk_insert(bins, [{"wait_bin": i, "lower_seconds": lower} for i, lower in enumerate(WAIT_LOWER_BOUNDS)])
    backfill()


def backfill() -> None:
    """Every task finished so far, counted as stats.repository.record_finished would have: hourly rows from the
    tasks, daily rows from the hourly ones, the all-users histogram from the per-user one."""
    postgres = op.get_bind().dialect.name == "postgresql"

    def truncate(column: str, period: str) -> str:
        if postgres:  # timestamptz in, timestamptz out, whatever the session's time zone
            return f"timezone('UTC', date_trunc('{period}', timezone('UTC', {column})))"
        # SQLite keeps UTC as naive text in SQLAlchemy's format, microseconds included
        pattern = "%Y-%m-%d %H:00:00.000000" if period == "hour" else "%Y-%m-%d 00:00:00.000000"
        return f"strftime('{pattern}', {column})"

    everyone = f"'{EVERYONE}'::uuid" if postgres else f"'{EVERYONE.replace('-', '')}'"
    hour_of_task = truncate("finished_at", "hour")
    day_of_hour = truncate("period_start", "day")
    op.execute(
        f"""
        INSERT INTO usage_rollup (period, period_start, user_id, tasks, images, failures, canceled, gpu_seconds)
        SELECT 'hour', {hour_of_task}, user_id, count(*),
               coalesce(sum(CASE WHEN status = 'completed' THEN num_images ELSE 0 END), 0),
               coalesce(sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN status = 'canceled' THEN 1 ELSE 0 END), 0),
               coalesce(sum(gpu_seconds), 0.0)
        FROM tasks WHERE finished_at IS NOT NULL
        GROUP BY {hour_of_task}, user_id
        """  # noqa: S608 - no outside input
    )
    op.execute(
        f"""
        INSERT INTO usage_rollup (period, period_start, user_id, tasks, images, failures, canceled, gpu_seconds)
        SELECT 'day', {day_of_hour}, user_id, sum(tasks), sum(images), sum(failures), sum(canceled), sum(gpu_seconds)
        FROM usage_rollup WHERE period = 'hour'
        GROUP BY {day_of_hour}, user_id
        """  # noqa: S608
    )
    # the largest lower bound not above the wait (an index seek), as bisect does in Python
    bin_of_task = (
        "coalesce((SELECT b.wait_bin FROM queue_wait_bins b WHERE b.lower_seconds <= t.queue_wait_seconds "
        "ORDER BY b.lower_seconds DESC LIMIT 1), 0)"
    )
    op.execute(
        f"""
        INSERT INTO queue_wait_rollup (period, user_id, period_start, wait_bin, tasks)
        SELECT 'hour', user_id, hour_start, wait_bin, count(*)
        FROM (SELECT t.user_id, {truncate("t.finished_at", "hour")} AS hour_start, {bin_of_task} AS wait_bin
              FROM tasks t WHERE t.finished_at IS NOT NULL AND t.queue_wait_seconds IS NOT NULL) binned
        GROUP BY user_id, hour_start, wait_bin
        """  # noqa: S608
    )
    op.execute(
        f"""
        INSERT INTO queue_wait_rollup (period, user_id, period_start, wait_bin, tasks)
        SELECT 'day', user_id, {day_of_hour}, wait_bin, sum(tasks)
        FROM queue_wait_rollup WHERE period = 'hour'
        GROUP BY user_id, {day_of_hour}, wait_bin
        """  # noqa: S608
    )
    op.execute(
        f"""
        INSERT INTO queue_wait_rollup (period, user_id, period_start, wait_bin, tasks)
        SELECT period, {everyone}, period_start, wait_bin, sum(tasks)
        FROM queue_wait_rollup
        GROUP BY period, period_start, wait_bin
        """  # noqa: S608
    )


def downgrade() -> None:
    op.drop_table("queue_wait_bins")
    op.drop_table("queue_wait_rollup")
    op.drop_table("usage_rollup")
