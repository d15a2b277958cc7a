"""All SQL for tasks, their images, the outbox and quotas."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CursorResult, and_, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_image.outbox.models import OutboxMessage
from zimage_image.quotas.models import UserQuota
from zimage_image.tasks.models import Task, TaskImage, TaskStatus

GENERATE_TOPIC = "generate"
GALLERY_TOPIC = "gallery_ingest"


async def add_task_with_outbox(session: AsyncSession, task: Task) -> None:
    """The task and the message announcing it, in one transaction (the outbox pattern)."""
    session.add(task)
    session.add(OutboxMessage(topic=GENERATE_TOPIC, payload={"task_id": str(task.id)}))
    await session.flush()


async def add_outbox(session: AsyncSession, task_id: uuid.UUID) -> None:
    session.add(OutboxMessage(topic=GENERATE_TOPIC, payload={"task_id": str(task_id)}))


async def add_gallery_ingest(session: AsyncSession, images: list[dict[str, Any]]) -> None:
    session.add(OutboxMessage(topic=GALLERY_TOPIC, payload={"images": images}))


async def get_task(session: AsyncSession, task_id: uuid.UUID, *, fresh: bool = False) -> Task | None:
    stmt = select(Task).where(Task.id == task_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user_task(session: AsyncSession, user_id: uuid.UUID, task_id: uuid.UUID) -> Task | None:
    stmt = select(Task).where(Task.id == task_id, Task.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_user_tasks(
    session: AsyncSession,
    user_id: uuid.UUID,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None,
    status: str | None = None,
) -> Sequence[Task]:
    stmt = select(Task).where(Task.user_id == user_id)
    if status:
        stmt = stmt.where(Task.status == status)
    if after:
        created, task_id = after
        stmt = stmt.where(or_(Task.created_at < created, and_(Task.created_at == created, Task.id < task_id)))
    stmt = stmt.order_by(Task.created_at.desc(), Task.id.desc()).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def images_requested_since(session: AsyncSession, user_id: uuid.UUID, since: datetime) -> int:
    stmt = select(func.coalesce(func.sum(Task.num_images), 0)).where(
        Task.user_id == user_id,
        Task.created_at >= since,
        Task.status.not_in([TaskStatus.failed, TaskStatus.canceled]),
    )
    return int((await session.execute(stmt)).scalar_one())


async def active_task_count(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        Task.user_id == user_id, Task.status.in_([TaskStatus.pending, TaskStatus.processing])
    )
    return int((await session.execute(stmt)).scalar_one())


async def queue_position(session: AsyncSession, task: Task) -> int:
    """1 for the next task to run; counts every pending task submitted earlier."""
    stmt = select(func.count()).where(Task.status == TaskStatus.pending, Task.created_at < task.created_at)
    return int((await session.execute(stmt)).scalar_one()) + 1


async def pending_count(session: AsyncSession) -> int:
    stmt = select(func.count()).where(Task.status == TaskStatus.pending)
    return int((await session.execute(stmt)).scalar_one())


async def lock_user_submissions(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Until commit, make the user's other submissions wait, so each checks its quota after the last one's insert."""
    if session.get_bind().dialect.name == "postgresql":
        key = user_id.int & 0x7FFF_FFFF_FFFF_FFFF  # a bigint; a collision only makes two users take turns
        await session.execute(select(func.pg_advisory_xact_lock(literal(key, BigInteger))))
    else:  # SQLite: a write statement, even one matching no row, holds the database's write lock until commit
        await session.execute(
            update(UserQuota)
            .where(UserQuota.user_id == user_id)
            .values(user_id=UserQuota.user_id)
            .execution_options(synchronize_session=False)
        )


async def get_quota(session: AsyncSession, user_id: uuid.UUID) -> UserQuota | None:
    return await session.get(UserQuota, user_id)


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


async def try_claim(
    session: AsyncSession, task_id: uuid.UUID, *, worker: str, now: datetime, lease_until: datetime, max_attempts: int
) -> bool:
    """Atomically take a pending task, or a processing one whose worker stopped renewing its lease."""
    stmt = (
        update(Task)
        .where(
            Task.id == task_id,
            Task.attempts < max_attempts,
            Task.cancel_requested.is_(False),
            or_(
                Task.status == TaskStatus.pending,
                and_(Task.status == TaskStatus.processing, Task.lease_until < now),
            ),
        )
        .values(
            status=TaskStatus.processing,
            attempts=Task.attempts + 1,
            worker=worker,
            lease_until=lease_until,
            started_at=func.coalesce(Task.started_at, now),
            progress_step=0,
            event_seq=Task.event_seq + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(stmt)) == 1


async def renew_lease(
    session: AsyncSession,
    task_id: uuid.UUID,
    attempt: int,
    *,
    lease_until: datetime,
    step: int | None,
    total: int | None,
) -> bool:
    values: dict[str, Any] = {"lease_until": lease_until}
    if step is not None:
        values |= {"progress_step": step, "progress_total": total or 0, "event_seq": Task.event_seq + 1}
    stmt = (
        update(Task)
        .where(Task.id == task_id, Task.attempts == attempt, Task.status == TaskStatus.processing)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(stmt)) == 1


async def finish(
    session: AsyncSession,
    task_id: uuid.UUID,
    attempt: int | None,
    status: TaskStatus,
    now: datetime,
    only_from: tuple[TaskStatus, ...] = (TaskStatus.pending, TaskStatus.processing),
    **values: Any,
) -> bool:
    """Move a live task to a terminal state; `attempt` guards against a superseded worker."""
    conditions = [Task.id == task_id, Task.status.in_(only_from)]
    if attempt is not None:
        conditions.append(Task.attempts == attempt)
    stmt = (
        update(Task)
        .where(*conditions)
        .values(status=status, finished_at=now, lease_until=None, event_seq=Task.event_seq + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(await session.execute(stmt)) == 1


async def request_cancel(session: AsyncSession, task_id: uuid.UUID) -> None:
    stmt = (
        update(Task)
        .where(Task.id == task_id, Task.status == TaskStatus.processing)
        .values(cancel_requested=True, event_seq=Task.event_seq + 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)


async def upsert_images(session: AsyncSession, task_id: uuid.UUID, images: list[TaskImage]) -> None:
    """One visible result per task: a redelivery replaces rows with the same (task, index)."""
    await session.execute(delete(TaskImage).where(TaskImage.task_id == task_id))
    session.add_all(images)
    await session.flush()


async def stale_pending(session: AsyncSession, published_before: datetime, limit: int = 200) -> Sequence[uuid.UUID]:
    stmt = (
        select(Task.id)
        .where(
            Task.status == TaskStatus.pending,
            or_(
                Task.published_at < published_before,
                and_(Task.published_at.is_(None), Task.created_at < published_before),
            ),
        )
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


async def expired_leases(session: AsyncSession, expired_before: datetime, limit: int = 200) -> Sequence[Task]:
    stmt = select(Task).where(Task.status == TaskStatus.processing, Task.lease_until < expired_before).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def mark_republished(session: AsyncSession, task_ids: Sequence[uuid.UUID], now: datetime) -> None:
    if task_ids:
        await session.execute(
            update(Task)
            .where(Task.id.in_(task_ids))
            .values(published_at=now)
            .execution_options(synchronize_session=False)
        )


async def unpublished_outbox(session: AsyncSession, limit: int = 100) -> Sequence[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.published_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def mark_outbox_published(
    session: AsyncSession, message_id: int, task_id: uuid.UUID | None, now: datetime
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(published_at=now)
        .execution_options(synchronize_session=False)
    )
    if task_id is not None:
        await session.execute(
            update(Task).where(Task.id == task_id).values(published_at=now).execution_options(synchronize_session=False)
        )


async def note_outbox_failure(session: AsyncSession, message_id: int) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )


async def purge_outbox(session: AsyncSession, published_before: datetime) -> None:
    await session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.published_at.is_not(None), OutboxMessage.published_at < published_before
        )
    )


# ---- metrics (read by the sweeper for zimage_image.metrics) -------------------------------------


async def count_by_status(session: AsyncSession, statuses: Sequence[TaskStatus]) -> dict[str, int]:
    stmt = select(Task.status, func.count()).where(Task.status.in_(statuses)).group_by(Task.status)
    counts = {str(s): 0 for s in statuses}
    for status, count in (await session.execute(stmt)).all():
        counts[str(status)] = int(count)
    return counts


async def oldest_pending_created_at(session: AsyncSession) -> datetime | None:
    stmt = select(func.min(Task.created_at)).where(Task.status == TaskStatus.pending)
    return (await session.execute(stmt)).scalar_one_or_none()


async def users_submitting_since(session: AsyncSession, since: datetime) -> int:
    stmt = select(func.count(func.distinct(Task.user_id))).where(Task.created_at >= since)
    return int((await session.execute(stmt)).scalar_one())
