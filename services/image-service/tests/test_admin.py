"""Admin routes of image-service: RBAC, quota overrides (audited), the system page, worker heartbeats,
and the internal usage route auth-service reads."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from zimage_common.audit import RemoteAuditLog

from tests.support.servers import free_port

API = "/api/v1"


@pytest.fixture(scope="module")
def image_overrides() -> dict[str, Any]:
    return {
        "daily_image_quota": 2,
        "max_active_tasks": 3,
        # nothing listens on these: the system page must report them, not fail
        "gateway_url": f"http://127.0.0.1:{free_port()}",
        "grafana_url": "http://grafana.example/d/zimage",
        "flower_url": None,
    }


ADMIN_ROUTES = [
    ("GET", f"{API}/admin/quotas/{uuid.uuid4()}", None),
    ("PUT", f"{API}/admin/quotas/{uuid.uuid4()}", {"images_per_day": 10, "max_active_tasks": None}),
    ("GET", f"{API}/admin/stats", None),
    ("GET", f"{API}/admin/system", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
async def test_admin_routes_answer_admins_only(image: Any, method: str, path: str, body: Any) -> None:
    user, admin = await image.user(), await image.admin()
    for who, expected in ((None, 401), (user, 403)):
        resp = await image.http.request(method, image.url + path, json=body, headers=who.headers if who else {})
        assert resp.status_code == expected, (who, resp.text)
        assert resp.json()["error"] == ("Unauthorized" if expected == 401 else "Forbidden")
    resp = await image.http.request(method, image.url + path, json=body, headers=admin.headers)
    assert resp.status_code == 200, resp.text


async def audit_entries(image: Any, admin: Any, target_id: str) -> list[dict[str, Any]]:
    resp = await image.http.get(
        f"{image.stack.auth.url}{API}/admin/audit", params={"target_id": target_id}, headers=admin.headers
    )
    assert resp.status_code == 200, resp.text
    return list(resp.json()["items"])


async def test_raised_quota_applies_to_the_next_submit_and_is_audited(image: Any) -> None:
    user, admin = await image.user(), await image.admin()
    await image.submit(user, num_images=2)
    refused = await image.generate(user, {"prompt": "over the default", "num_images": 1})
    assert refused.status_code == 429, refused.text

    quota_url = f"{image.url}{API}/admin/quotas/{user.id}"
    before = (await image.http.get(quota_url, headers=admin.headers)).json()
    assert before == {
        "user_id": user.id,
        "images_per_day": None,
        "max_active_tasks": None,
        "default_images_per_day": 2,
        "default_max_active_tasks": 3,
        "effective_images_per_day": 2,
        "effective_max_active_tasks": 3,
        "images_today": 2,
        "active_tasks": 1,
    }
    resp = await image.http.put(quota_url, json={"images_per_day": 5, "max_active_tasks": None}, headers=admin.headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["images_per_day"] == 5 and resp.json()["effective_images_per_day"] == 5

    accepted = await image.generate(user, {"prompt": "now allowed", "num_images": 1})
    assert accepted.status_code == 202, accepted.text

    entries = await audit_entries(image, admin, user.id)
    assert len(entries) == 1, entries
    entry = entries[0]
    assert (entry["action"], entry["target_type"], entry["target_id"]) == ("quota.update", "user", user.id)
    assert entry["actor_id"] == admin.id
    assert entry["detail"]["before"] == {"images_per_day": None, "max_active_tasks": None}
    assert entry["detail"]["after"] == {"images_per_day": 5, "max_active_tasks": None}

    # clearing the override puts the user back on the default at once
    resp = await image.http.put(
        quota_url, json={"images_per_day": None, "max_active_tasks": None}, headers=admin.headers
    )
    assert resp.status_code == 200 and resp.json()["effective_images_per_day"] == 2, resp.text
    assert (await image.generate(user, {"prompt": "over again"})).status_code == 429
    assert len(await audit_entries(image, admin, user.id)) == 2


async def test_lowered_concurrency_limit_applies_to_the_next_submit(image: Any) -> None:
    user, admin = await image.user(), await image.admin()
    await image.submit(user)
    resp = await image.http.put(
        f"{image.url}{API}/admin/quotas/{user.id}",
        json={"images_per_day": None, "max_active_tasks": 1},
        headers=admin.headers,
    )
    assert resp.status_code == 200, resp.text
    refused = await image.generate(user, {"prompt": "second at once"})
    assert refused.status_code == 429 and "limit 1" in refused.json()["detail"], refused.text


@pytest.mark.parametrize(
    "body",
    [
        {"images_per_day": 0, "max_active_tasks": None},
        {"images_per_day": 100_001, "max_active_tasks": None},
        {"images_per_day": None, "max_active_tasks": 101},
        {"images_per_day": None},
    ],
)
async def test_invalid_quotas_are_refused_and_change_nothing(image: Any, body: dict[str, Any]) -> None:
    user, admin = await image.user(), await image.admin()
    url = f"{image.url}{API}/admin/quotas/{user.id}"
    resp = await image.http.put(url, json=body, headers=admin.headers)
    assert resp.status_code == 422, resp.text
    assert (await image.http.get(url, headers=admin.headers)).json()["images_per_day"] is None
    assert await audit_entries(image, admin, user.id) == []


async def test_quota_change_without_the_audit_log_answers_503_and_changes_nothing(image: Any) -> None:
    user, admin = await image.user(), await image.admin()
    app = image.stack.image.server.config.app
    working = app.state.audit
    app.state.audit = RemoteAuditLog(f"http://127.0.0.1:{free_port()}", image.INTERNAL_TOKEN)
    try:
        resp = await image.http.put(
            f"{image.url}{API}/admin/quotas/{user.id}",
            json={"images_per_day": 50, "max_active_tasks": 5},
            headers=admin.headers,
        )
    finally:
        await app.state.audit.close()
        app.state.audit = working
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"] == "ServiceUnavailable"
    quota = (await image.http.get(f"{image.url}{API}/admin/quotas/{user.id}", headers=admin.headers)).json()
    assert quota["images_per_day"] is None and quota["max_active_tasks"] is None


# ---- workers and the system page --------------------------------------------------------------------


def worker_report(worker_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": worker_id,
        "hostname": "gpu-box",
        "engine": "zimage-turbo",
        "model": "Tongyi-MAI/Z-Image-Turbo",
        "device": "cuda:0",
        "gpu_name": "NVIDIA GeForce RTX 3090",
        "gpu_memory_used_bytes": 20 * 2**30,
        "gpu_memory_total_bytes": 24 * 2**30,
        "gpu_utilization": 0.93,
        "state": "busy",
        "current_task_id": str(uuid.uuid4()),
        "tasks_done": 7,
        "interval_seconds": 10,
        "started_at": datetime.now(UTC).isoformat(),
    } | changes


async def report(image: Any, body: dict[str, Any], token: str | None = None) -> Any:
    token = image.INTERNAL_TOKEN if token is None else token
    headers = {"X-Internal-Token": token} if token else {}
    return await image.http.post(f"{image.url}/internal/v1/workers/heartbeat", json=body, headers=headers)


async def system(image: Any) -> dict[str, Any]:
    admin = await image.admin()
    resp = await image.http.get(f"{image.url}{API}/admin/system", headers=admin.headers)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


async def test_worker_heartbeats_upsert_one_row_per_worker(image: Any) -> None:
    worker_id = f"celery@{uuid.uuid4().hex[:8]}"
    assert (await report(image, worker_report(worker_id, tasks_done=7))).status_code == 204
    assert (
        await report(image, worker_report(worker_id, tasks_done=8, state="idle", current_task_id=None))
    ).status_code == 204

    listed = [w for w in (await system(image))["workers"] if w["id"] == worker_id]
    assert len(listed) == 1, listed
    worker = listed[0]
    assert worker["online"] is True
    assert (worker["state"], worker["tasks_done"], worker["current_task_id"]) == ("idle", 8, None)
    assert worker["gpu_memory_total_bytes"] == 24 * 2**30 and worker["gpu_utilization"] == pytest.approx(0.93)
    assert worker["engine"] == "zimage-turbo" and worker["device"] == "cuda:0"


async def test_a_worker_that_stops_reporting_goes_offline(image: Any) -> None:
    quiet, cpu = f"celery@quiet-{uuid.uuid4().hex[:6]}", f"celery@cpu-{uuid.uuid4().hex[:6]}"
    await report(image, worker_report(quiet, interval_seconds=0.1))
    cpu_body = worker_report(
        cpu,
        device="cpu",
        engine="tiny",
        gpu_name=None,
        gpu_memory_used_bytes=None,
        gpu_memory_total_bytes=None,
        gpu_utilization=None,
        state="starting",
        current_task_id=None,
        tasks_done=0,
    )
    await report(image, cpu_body)
    await asyncio.sleep(0.5)  # five missed 0.1 s heartbeats

    workers = {w["id"]: w for w in (await system(image))["workers"]}
    assert workers[quiet]["online"] is False
    assert workers[cpu]["online"] is True
    assert workers[cpu]["gpu_name"] is None and workers[cpu]["gpu_utilization"] is None


@pytest.mark.parametrize("token", ["", "wrong-token"])
async def test_worker_heartbeat_needs_the_service_token(image: Any, token: str) -> None:
    worker_id = f"celery@intruder-{uuid.uuid4().hex[:6]}"
    resp = await report(image, worker_report(worker_id), token=token)
    assert resp.status_code == 401, resp.text
    assert worker_id not in {w["id"] for w in (await system(image))["workers"]}


@pytest.mark.parametrize("change", [{"gpu_utilization": 1.5}, {"state": "sleeping"}, {"device": ""} | {"id": ""}])
async def test_malformed_worker_reports_are_refused(image: Any, change: dict[str, Any]) -> None:
    resp = await report(image, worker_report(f"celery@{uuid.uuid4().hex[:6]}", **change))
    assert resp.status_code == 422, resp.text


async def test_system_reports_a_down_service_as_unavailable(image: Any) -> None:
    user, other = await image.user(), await image.user()
    pending = await image.submit(other)
    processing = await image.submit(other)
    await image.claimed(processing["id"])
    failed = await image.submit(user)
    claim = await image.claimed(failed["id"])
    fail = {"attempt": claim["attempt"], "error": "CUDA out of memory"}
    assert (await image.internal(failed["id"], "fail", fail)).status_code == 200

    page = await system(image)

    services = {s["name"]: s for s in page["services"]}
    assert set(services) == {"auth", "image", "gallery", "gateway"}
    assert services["auth"]["status"] == "ok" and services["auth"]["version"]
    assert services["auth"]["latency_ms"] >= 0
    assert services["image"]["status"] == "ok" and services["image"]["detail"] is None
    for down in ("gallery", "gateway"):  # nothing listens there in this test
        assert services[down]["status"] == "unavailable", services[down]
        assert services[down]["detail"] and services[down]["latency_ms"] is None
    assert page["queue"]["pending"] >= 1 and page["queue"]["processing"] >= 1
    assert page["recent_failures"][0]["task_id"] == failed["id"]
    assert page["recent_failures"][0]["error"] == "CUDA out of memory"
    assert page["recent_failures"][0]["attempts"] == 1 and page["recent_failures"][0]["user_id"] == user.id
    assert page["links"] == {"grafana_url": "http://grafana.example/d/zimage", "flower_url": None}
    assert pending["id"] not in {f["task_id"] for f in page["recent_failures"]}


async def test_system_queue_depth_comes_from_the_tasks_table(image: Any) -> None:
    before = (await system(image))["queue"]
    user = await image.user()
    await image.submit(user)
    after = (await system(image))["queue"]
    assert after == {"pending": before["pending"] + 1, "processing": before["processing"]}


# ---- usage for auth-service's user list -------------------------------------------------------------


async def usage(image: Any, token: str | None = None, **params: str) -> Any:
    token = image.INTERNAL_TOKEN if token is None else token
    return await image.http.get(
        f"{image.url}/internal/v1/usage/images-this-month",
        params=params,
        headers={"X-Internal-Token": token} if token else {},
    )


async def test_images_this_month_counts_completed_images_per_user(image: Any) -> None:
    busy, idle, failing = await image.user(), await image.user(), await image.user()
    for n in (1, 1):
        task = await image.submit(busy, num_images=n)
        await image.run_to_completion(task["id"])
    task = await image.submit(failing, num_images=2)
    claim = await image.claimed(task["id"])
    await image.internal(task["id"], "fail", {"attempt": claim["attempt"], "error": "broken"})

    resp = await usage(image, user_ids=f"{busy.id},{idle.id}, {failing.id}")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"counts": {busy.id: 2}}

    everyone = (await usage(image)).json()["counts"]
    assert everyone[busy.id] == 2 and idle.id not in everyone and failing.id not in everyone


@pytest.mark.parametrize("token", ["", "wrong-token"])
async def test_usage_needs_the_service_token(image: Any, token: str) -> None:
    assert (await usage(image, token=token)).status_code == 401


async def test_usage_refuses_malformed_ids(image: Any) -> None:
    resp = await usage(image, user_ids="not-a-uuid")
    assert resp.status_code == 422 and resp.json()["error"] == "ValidationError", resp.text
