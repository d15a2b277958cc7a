"""The worker's client for image-service's internal routes (claim, heartbeat, report)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx


class ImageServiceUnavailable(RuntimeError):
    """image-service could not be reached; the task will be retried."""


class ClaimLost(RuntimeError):
    """Another attempt owns the task now (or it finished); stop without reporting."""


@dataclass(frozen=True)
class ClaimedTask:
    task_id: uuid.UUID
    user_id: uuid.UUID
    attempt: int
    prompt: str
    negative_prompt: str | None
    width: int
    height: int
    generation_width: int
    generation_height: int
    num_images: int
    seed: int
    steps: int
    guidance_scale: float
    lease_seconds: float


@dataclass(frozen=True)
class ClaimRefused:
    reason: str
    retry_after: float | None  # None: the message is done with (task finished, canceled, gone)


class ImageServiceClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0, retries: int = 3) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/internal/v1/tasks",
            headers={"X-Internal-Token": token},
            timeout=timeout,
        )
        self.retries = retries

    def close(self) -> None:
        self.http.close()

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        delay = 0.5
        for attempt in range(self.retries + 1):
            try:
                response = self.http.post(path, json=body)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise ImageServiceUnavailable(f"image-service unreachable: {exc}") from exc
            else:
                if response.status_code != 503:
                    return response
                if attempt == self.retries:
                    raise ImageServiceUnavailable("image-service answered 503")
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def claim(self, task_id: str, worker: str) -> ClaimedTask | ClaimRefused:
        response = self._post(f"/{task_id}/claim", {"worker": worker})
        if response.status_code == 409:
            retry = response.headers.get("Retry-After")
            return ClaimRefused(response.json().get("detail", "refused"), float(retry) if retry else None)
        if response.status_code == 422:  # not a task id at all
            return ClaimRefused("malformed task id", None)
        response.raise_for_status()
        data = response.json()
        data["task_id"] = uuid.UUID(data["task_id"])
        data["user_id"] = uuid.UUID(data["user_id"])
        return ClaimedTask(**data)

    def heartbeat(self, task: ClaimedTask, step: int | None = None, total: int | None = None) -> bool:
        """Renews the lease; returns True when the user asked to cancel."""
        response = self._post(f"/{task.task_id}/heartbeat", {"attempt": task.attempt, "step": step, "total": total})
        if response.status_code == 409:
            raise ClaimLost(response.json().get("detail", ""))
        response.raise_for_status()
        return bool(response.json()["cancel"])

    def complete(
        self, task: ClaimedTask, *, engine: str, model: str, gpu_seconds: float, images: list[dict[str, Any]]
    ) -> None:
        body = {
            "attempt": task.attempt,
            "engine": engine,
            "model": model,
            "gpu_seconds": gpu_seconds,
            "images": images,
        }
        response = self._post(f"/{task.task_id}/complete", body)
        if response.status_code == 409:
            raise ClaimLost(response.json().get("detail", ""))
        response.raise_for_status()

    def fail(self, task: ClaimedTask, error: str, *, retryable: bool, engine: str | None, model: str | None) -> None:
        body = {
            "attempt": task.attempt,
            "error": error,
            "retryable": retryable,
            "engine": engine,
            "model": model,
        }
        self._post(f"/{task.task_id}/fail", body).raise_for_status()

    def canceled(self, task: ClaimedTask) -> None:
        self._post(f"/{task.task_id}/canceled", {"attempt": task.attempt}).raise_for_status()
