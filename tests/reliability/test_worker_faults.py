"""Worker faults against real processes: duplicate delivery, a poison task, cancel, `kill -9` of the
pool process, `kill -9` of the whole worker (RELIABILITY.md P1, P2, P4; the test plan's first rows).

One stack for the module (PostgreSQL, a private Redis with AOF, local object folder, tiny engine),
each step slowed by 0.1 s so a task lasts about a second and can be hit mid-denoising.

Sizes (the plan's in brackets): the pool process is killed 10 times across 50 tasks [same], each kill
landing mid-denoising (the test watches the output for a claim and kills two steps later, so a kill costs
little more than the 10–20 s a fresh pool process takes to import torch and load the engine); the whole
worker is killed twice, the supervisor restarting it each time within its own backoff [killed once,
restarted after 5 s].

The whole-worker test runs last on purpose: the message a dead worker held stays in Redis's
`unacked` hash until the visibility timeout (an hour) while the sweeper republishes the task.
"""

from __future__ import annotations

import functools
import os
import re
import signal
import time

import psutil
import pytest
from zimage_common.queue import GENERATE_TASK, QUEUE, make_celery

from tests.reliability.helpers import (
    TERMINAL,
    Api,
    expected_objects,
    image_row_count,
    kill_process_group,
    lines_since,
    object_files,
    pids_gone,
    queue_counts,
    queue_mentions,
    user_object_files,
    wait_until,
    wait_worker_ready,
    worker_main,
    worker_pool,
)
from tests.support.redis_server import RedisServer
from tests.support.stack import Stack

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

STEP_DELAY = 0.1
STACK_ENV = {"WORKER_FAULT_STEP_DELAY_SECONDS": str(STEP_DELAY)}
STEPS = 8
CHILD_KILL_TASKS = 50
CHILD_KILLS = 10


def mid_denoising(api: Api, exclude: set[str]) -> dict | None:
    """A task on its first attempt with at least three steps still to go (so a kill lands mid-task)."""
    for task in (api.tasks("processing") or {}).values():
        if task["id"] not in exclude and task["attempts"] == 1 and 1 <= task["progress"]["step"] <= STEPS - 3:
            return task
    return None


def next_first_claim(stack: Stack, start: int, ids: set[str]) -> str | None:
    """The first of these tasks claimed for its first attempt in the output from line `start` on."""
    for line in stack.lines[start:]:
        if "task_claimed" in line and "attempt=1 " in line:
            match = re.search(r"task_id=([0-9a-f-]{36})", line)
            if match and match.group(1) in ids:
                return match.group(1)
    return None


def assert_one_clean_result(stack: Stack, task: dict) -> None:
    n = task["num_images"]
    assert task["status"] == "completed", task
    assert sorted(i["index"] for i in task["images"]) == list(range(n)), task["images"]
    assert object_files(stack, task["id"]) == expected_objects(n), task["id"]


def test_duplicate_delivery_gives_one_result(stack: Stack, api: Api, broker: RedisServer, module_pg: str) -> None:
    """Plan: publish the same task message 3 times → images = objects = num_images."""
    mark = len(stack.lines)
    task = api.submit("duplicate delivery", num_images=2)
    app = make_celery("reliability-duplicates", broker.url, stack.data_dir)
    try:
        extra = [app.send_task(GENERATE_TASK, args=[task["id"]], queue=QUEUE).id for _ in range(3)]
    finally:
        app.close()

    done = api.wait_terminal([task["id"]], 120)[task["id"]]
    assert_one_clean_result(stack, done)
    assert len(done["images"]) == 2
    assert image_row_count(module_pg, task["id"]) == 2
    assert done["attempts"] == 1, "a duplicate message must not cost an attempt"

    # every extra delivery reached the worker and was turned away without running the engine again
    def all_handled() -> list[str]:
        found = [
            next((ln for ln in lines_since(stack, mark, f"Task {GENERATE_TASK}[{c}] succeeded")), "") for c in extra
        ]
        return found if all(found) else []

    handled = wait_until(all_handled, 60, "the three extra deliveries to be handled")
    results = [re.search(r"succeeded in [0-9.]+s: '(\w+)'", line) for line in handled]
    assert all(results), handled
    # one of the four deliveries may be the one that ran it: "completed", or "publishing" when its encode and
    # upload were handed to the background publisher (the default)
    assert {m.group(1) for m in results if m} <= {"skipped", "completed", "publishing"}, handled
    runs = [ln for ln in lines_since(stack, mark, "task_completed") if task["id"] in ln]
    assert len(runs) == 1, f"the engine ran {len(runs)} times for one task"
    wait_until(lambda: queue_mentions(broker.client(), task["id"]) == 0, 30, "no message left for the task")
    assert object_files(stack, task["id"]) == expected_objects(2)


def test_poison_task_fails_after_exactly_three_attempts(stack: Stack, api: Api, broker: RedisServer) -> None:
    """Plan: a task that always kills its process → `failed` after exactly 3 attempts, queue empty."""
    wait_worker_ready(stack)
    mark = len(stack.lines)
    poison = api.submit("[[crash-worker]] a prompt that takes the worker down")
    done = api.wait_terminal([poison["id"]], 180)[poison["id"]]

    assert done["status"] == "failed", done
    assert done["attempts"] == 3, done
    error = done["error"] or ""
    assert "3 times" in error and "Traceback" not in error and len(error) < 500, error
    assert done["images"] == [] and object_files(stack, poison["id"]) == []
    claims = lines_since(stack, mark, "task_claimed")
    assert len([ln for ln in claims if poison["id"] in ln]) == 3, claims
    kills = lines_since(stack, mark, "exited with 'signal 9 (SIGKILL)'")
    assert len(kills) == 3, kills

    # the worker recovers and the queue holds nothing more for the poison task
    after = [api.submit(f"after the poison {i}")["id"] for i in range(2)]
    for task in api.wait_terminal(after, 120).values():
        assert_one_clean_result(stack, task)
    client = broker.client()
    wait_until(lambda: queue_counts(client)[0] == 0 and queue_mentions(client, poison["id"]) == 0, 60, "empty queue")
    assert (api.get(poison["id"]) or {}).get("status") == "failed"


def test_cancel_running_and_pending(stack: Stack, api: Api, module_pg: str) -> None:
    """A running task canceled stores nothing; a pending task canceled never runs."""
    wait_worker_ready(stack)
    mark = len(stack.lines)
    running = api.submit("cancel me while I run", num_images=2)
    blockers = [api.submit(f"keeps the worker busy {i}")["id"] for i in range(2)]
    # cancel it from its claim on: with 0.1 s steps, waiting for progress through the API first could leave
    # too few steps for the cancel to land on a busy machine
    claimed = functools.partial(next_first_claim, stack, mark, {running["id"]})
    wait_until(claimed, 60, "the first task to be claimed", interval=0.02)
    current = api.get(running["id"])
    assert current and current["status"] == "processing", current

    r = api.cancel(running["id"])
    assert r.status_code == 200, r.text
    pending = api.submit("cancel me before I start")
    r = api.cancel(pending["id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "canceled", r.json()

    seen: dict[str, list[str]] = {running["id"]: [], pending["id"]: []}

    def settled() -> bool:
        for task_id, statuses in seen.items():
            task = api.get(task_id)
            if task and (not statuses or statuses[-1] != task["status"]):
                statuses.append(task["status"])
        blockers_done = all((api.get(b) or {}).get("status") in TERMINAL for b in blockers)
        # the pending task's message reached the worker and was turned away at the claim
        refused = any(
            f"/internal/v1/tasks/{pending['id']}/claim" in ln and "status=409" in ln for ln in stack.lines[mark:]
        )
        return blockers_done and refused and seen[running["id"]][-1:] == ["canceled"]

    wait_until(settled, 120, "both cancels to settle", interval=0.1)

    run = api.get(running["id"])
    assert run and run["status"] == "canceled" and run["images"] == [], run
    assert run["attempts"] == 1
    assert object_files(stack, running["id"]) == []
    assert image_row_count(module_pg, running["id"]) == 0

    never = api.get(pending["id"])
    assert never and never["status"] == "canceled", never
    assert "processing" not in seen[pending["id"]], seen
    assert never["attempts"] == 0 and never["started_at"] is None, never
    assert object_files(stack, pending["id"]) == []
    assert not [ln for ln in lines_since(stack, mark, "task_claimed") if pending["id"] in ln]
    for task in api.wait_terminal(blockers, 60).values():
        assert_one_clean_result(stack, task)


def test_pool_process_kill_9_mid_task(stack: Stack, api: Api, module_pg: str) -> None:
    """Plan: 50 tasks, kill the pool child 10 times mid-task → 50/50 completed, 0 duplicate image rows."""
    main, _ = wait_worker_ready(stack)
    mark = len(stack.lines)
    ids = api.submit_many([f"child kill {i}" for i in range(CHILD_KILL_TASKS)], lambda i: 1 + i % 2)
    victims: dict[str, int] = {}  # task id -> the step its denoising had reached when its process died
    deadline = time.monotonic() + 360
    while len(victims) < CHILD_KILLS and time.monotonic() < deadline:
        # the pool process logs its claim just before the first step: kill it two steps later
        fresh = functools.partial(next_first_claim, stack, len(stack.lines), set(ids) - set(victims))
        target = wait_until(fresh, 60, "a fresh claim", interval=0.02)
        time.sleep(2 * STEP_DELAY)
        pool = worker_pool(stack)
        assert len(pool) == 1, pool
        pool[0].send_signal(signal.SIGKILL)  # as the OOM killer would
        wait_until(functools.partial(pids_gone, [pool[0].pid]), 15, "the killed pool process to be gone")
        time.sleep(0.5)  # let a report that was already on the wire land
        task = api.get(target) or {}
        if task.get("status") == "processing" and 1 <= task["progress"]["step"] < STEPS:
            victims[target] = task["progress"]["step"]  # otherwise the kill came before or after denoising
    assert len(victims) == CHILD_KILLS, f"only {len(victims)} kills landed mid-denoising: {victims}"

    final = api.wait_terminal(ids, 300)
    for task in final.values():
        assert_one_clean_result(stack, task)
        assert 1 <= task["attempts"] <= 3, task
    for task_id in victims:
        assert final[task_id]["attempts"] >= 2, final[task_id]
    duplicates = {i: n for i, t in final.items() if (n := image_row_count(module_pg, i)) != t["num_images"]}
    assert not duplicates, f"image rows per task differ from num_images: {duplicates}"
    expected_files = sum(2 * t["num_images"] for t in final.values())
    assert len(user_object_files(stack, api.user_id)) == expected_files  # nothing outside the tasks' images

    # Celery's main process replaced its pool process each time; the supervisor had nothing to do
    now = worker_main(stack)
    assert now is not None and now.pid == main.pid
    assert not lines_since(stack, mark, "worker exited with code")
    assert len(lines_since(stack, mark, "exited with 'signal 9 (SIGKILL)'")) >= CHILD_KILLS


def _backoff(line: str) -> int:
    match = re.search(r"restart #(\d+) in (\d+) s", line)
    assert match, line
    return int(match.group(2))


def test_whole_worker_kill_9_is_restarted_and_loses_nothing(stack: Stack, api: Api) -> None:
    """Plan: kill the worker's main process and its children → restarted, every task terminal, none lost."""
    main, child = wait_worker_ready(stack)
    assert os.getpgid(main.pid) == main.pid, "the supervisor starts each service as its own process group"
    mark = len(stack.lines)
    ids = [api.submit(f"whole worker {i}", num_images=1 + i % 2)["id"] for i in range(8)]
    victim = wait_until(lambda: mid_denoising(api, set()), 60, "a task mid-denoising")

    old = [main.pid, child.pid]
    kill_process_group(main.pid)
    wait_until(lambda: pids_gone(old), 15, "every process of the killed worker to be gone")
    time.sleep(0.5)  # a report already on the wire lands; the victim finished first if it is completed now
    victim_hit = (api.get(victim["id"]) or {}).get("status") != "completed"
    first = wait_until(lambda: lines_since(stack, mark, "worker exited with code -9"), 30, "the supervisor to notice")
    new_main, _ = wait_worker_ready(stack)
    assert new_main.pid not in old

    # crash it again soon after it came back: the supervisor backs off harder
    second_mark = len(stack.lines)
    ran = time.time() - new_main.create_time()
    kill_process_group(new_main.pid)
    second = wait_until(lambda: lines_since(stack, second_mark, "worker exited with code -9"), 30, "the second restart")
    assert "restart #" in first[0] and "restart #" in second[0]
    if ran < 25:  # well inside the supervisor's 30 s "healthy run" window
        assert _backoff(second[0]) > _backoff(first[0]), (first, second)
    last_main, _ = wait_worker_ready(stack)
    assert last_main.pid not in (*old, new_main.pid)

    final = api.wait_terminal(ids, 300)
    for task in final.values():
        assert_one_clean_result(stack, task)
    if victim_hit:
        assert final[victim["id"]]["attempts"] >= 2, final[victim["id"]]
    # the dead worker's message sits unacknowledged for an hour; the sweeper republished the task
    assert lines_since(stack, mark, "tasks_republished")
    # nothing of the killed workers is left running
    assert all(not psutil.pid_exists(pid) or pids_gone([pid]) for pid in (*old, new_main.pid))
