"""The admin system page: each service's health, the queue, the workers, recent failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from zimage_image.config import Settings
from zimage_image.system import repository as repo
from zimage_image.system.schemas import QueueDepth, RecentFailure, ServiceStatus, SystemLinks, SystemOut
from zimage_image.tasks import repository as tasks_repo
from zimage_image.tasks.models import TaskStatus
from zimage_image.workers import service as workers

RECENT_FAILURES = 20
Check = Callable[[], Awaitable[Any]]


async def probe(http: httpx.AsyncClient, name: str, base_url: str, *, ready: bool = True) -> ServiceStatus:
    """GET /health (and /ready) at once; any error or timeout is `unavailable`, never an exception."""
    base = base_url.rstrip("/")
    started = time.perf_counter()
    paths = ["/health", "/ready"] if ready else ["/health"]
    try:
        answers = await asyncio.gather(*(http.get(base + p) for p in paths))
    except (httpx.HTTPError, OSError) as exc:
        return ServiceStatus(name=name, status="unavailable", version=None, latency_ms=None, detail=_why(exc))
    latency = round((time.perf_counter() - started) * 1000, 1)
    health = answers[0]
    version = _json(health).get("version")
    if health.status_code != 200:
        detail = f"/health answered {health.status_code}"
        return ServiceStatus(name=name, status="unavailable", version=version, latency_ms=latency, detail=detail)
    if ready and answers[1].status_code != 200:
        checks = _json(answers[1]).get("checks") or {}
        failing = ", ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok")
        detail = f"not ready ({failing})" if failing else f"/ready answered {answers[1].status_code}"
        return ServiceStatus(name=name, status="unavailable", version=version, latency_ms=latency, detail=detail)
    return ServiceStatus(name=name, status="ok", version=version, latency_ms=latency, detail=None)


async def probe_self(name: str, version: str, checks: Mapping[str, Check], seconds: float) -> ServiceStatus:
    """This service's own readiness checks, run in-process."""
    started = time.perf_counter()

    async def run(check: Check) -> str:
        try:
            await asyncio.wait_for(check(), seconds)
            return "ok"
        except Exception as exc:
            return f"unavailable: {type(exc).__name__}"

    results = dict(zip(checks, await asyncio.gather(*(run(c) for c in checks.values())), strict=True))
    latency = round((time.perf_counter() - started) * 1000, 1)
    failing = ", ".join(f"{k}: {v}" for k, v in results.items() if v != "ok")
    return ServiceStatus(
        name=name,
        status="unavailable" if failing else "ok",
        version=version,
        latency_ms=latency,
        detail=f"not ready ({failing})" if failing else None,
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _why(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    return f"unreachable ({type(exc).__name__})"


async def services(settings: Settings, version: str, own_checks: Mapping[str, Check]) -> list[ServiceStatus]:
    timeout = settings.probe_timeout_seconds
    async with httpx.AsyncClient(timeout=httpx.Timeout(timeout)) as http:
        probes = [
            probe(http, "auth", settings.auth_service_url),
            probe_self("image", version, own_checks, timeout),
            probe(http, "gallery", settings.gallery_service_url),
            probe(http, "gateway", settings.gateway_url, ready=False),  # its /ready repeats the others' health
        ]
        return list(await asyncio.gather(*probes))


async def system(session: AsyncSession, settings: Settings, version: str, own_checks: Mapping[str, Check]) -> SystemOut:
    statuses = await services(settings, version, own_checks)
    counts = await tasks_repo.count_by_status(session, [TaskStatus.pending, TaskStatus.processing])
    failures = [
        RecentFailure(
            task_id=row.id, user_id=row.user_id, error=row.error, attempts=row.attempts, finished_at=row.finished_at
        )
        for row in await repo.recent_failures(session, RECENT_FAILURES)
    ]
    return SystemOut(
        services=statuses,
        queue=QueueDepth(pending=counts[TaskStatus.pending], processing=counts[TaskStatus.processing]),
        workers=await workers.listed(session),
        recent_failures=failures,
        links=SystemLinks(grafana_url=settings.grafana_url, flower_url=settings.flower_url),
    )
