"""The generation queue: one Celery configuration that the publisher (image-service) and the worker share.

Messages carry only a task id; the task row in image-service is the truth (ARCHITECTURE §4).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from celery import Celery

from zimage_common.errors import ServiceUnavailable

QUEUE = "image_generation"
GENERATE_TASK = "zimage.generate"


def resolve_broker_url(broker_url: str | None, redis_url: str | None) -> str:
    """Explicit CELERY_BROKER_URL, else Redis when REDIS_URL is set, else the embedded filesystem queue."""
    if broker_url:
        return broker_url
    return redis_url or "filesystem://"


def celery_config(broker_url: str, data_dir: Path, *, soft_time_limit: int, hard_time_limit: int) -> dict[str, Any]:
    # Redis redelivers unacked messages after the visibility timeout: keep it well past the hard limit.
    visibility_timeout = max(2 * hard_time_limit, 3600)
    transport: dict[str, Any] = {"visibility_timeout": visibility_timeout}
    if broker_url.startswith("filesystem://"):
        folder = (data_dir / "queue").resolve()
        (folder / "messages").mkdir(parents=True, exist_ok=True)
        (folder / "control").mkdir(parents=True, exist_ok=True)
        transport = {
            "data_folder_in": str(folder / "messages"),
            "data_folder_out": str(folder / "messages"),
            # broadcast (remote control, Flower) state; kombu's default is ./control in the working directory
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.1,
        }
    elif broker_url.startswith(("redis://", "rediss://")):
        # No retry_on_timeout: it gives redis-py connections a silent reconnect-and-retry, and on the
        # worker's pub/sub (remote control) socket that turns a broker restart into a read that blocks
        # forever on a fresh, unsubscribed connection. Kombu must see the error and reconnect itself.
        transport |= {"socket_timeout": 5, "socket_connect_timeout": 5}
    return {
        "broker_url": broker_url,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "result_backend": None,
        "task_ignore_result": True,
        "task_default_queue": QUEUE,
        "task_routes": {GENERATE_TASK: {"queue": QUEUE}},
        "task_serializer": "json",
        "accept_content": ["json"],
        # at-least-once: ack after the task ran, requeue if the process running it dies
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "worker_concurrency": 1,
        "task_soft_time_limit": soft_time_limit,
        "task_time_limit": hard_time_limit,
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "broker_pool_limit": 4,
    }


def make_celery(
    name: str, broker_url: str, data_dir: Path, *, soft_time_limit: int = 300, hard_time_limit: int = 360
) -> Celery:
    app = Celery(name)
    app.conf.update(
        celery_config(broker_url, data_dir, soft_time_limit=soft_time_limit, hard_time_limit=hard_time_limit)
    )
    return app


class JobQueue(ABC):
    @abstractmethod
    async def publish_generation(self, task_id: str) -> None: ...

    @abstractmethod
    async def depth(self) -> int | None:
        """Messages waiting, where the broker can tell."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        pass


class CeleryJobQueue(JobQueue):
    def __init__(self, app: Celery) -> None:
        self.app = app

    def _publish(self, task_id: str) -> None:
        self.app.send_task(
            GENERATE_TASK,
            args=[task_id],
            queue=QUEUE,
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        )

    async def publish_generation(self, task_id: str) -> None:
        try:
            await asyncio.to_thread(self._publish, task_id)
        except Exception as exc:  # kombu raises many types for a dead broker
            raise ServiceUnavailable("the job queue is unavailable") from exc

    def _depth(self) -> int | None:
        with self.app.connection_for_write() as conn:
            _, count, _ = conn.default_channel.queue_declare(queue=QUEUE, passive=True)
            return int(count)

    async def depth(self) -> int | None:
        try:
            return await asyncio.to_thread(self._depth)
        except Exception:
            return None

    async def close(self) -> None:
        await asyncio.to_thread(self.app.close)
