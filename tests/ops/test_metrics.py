"""Every metric a dashboard or an alert rule uses is one our services, Flower or an exporter really exports."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.platform import SERVICES, Platform, running_platform
from tests.ops.promql import dashboard_queries, exposition_names, metric_names, rule_queries

EXPORTERS = Path(__file__).parent / "schemas" / "exporter-metrics.txt"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(None, tmp_path_factory.mktemp("ops-metrics")) as running:
        yield running


def exporter_names() -> set[str]:
    lines = [line.split() for line in EXPORTERS.read_text().splitlines() if line and not line.startswith("#")]
    assert all(len(parts) == 2 for parts in lines), "exporter-metrics.txt: '<source> <metric>' per line"
    return {name for _, name in lines}


def sample(text: str, name: str, labels: str) -> float:
    selector = re.escape(name) + (rf"\{{{re.escape(labels)}\}}" if labels else "")
    match = re.search(rf"^{selector} (\S+)$", text, flags=re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_the_parser_finds_metric_names() -> None:
    assert metric_names('sum by (s) (rate(a_total{x="1"}[$__rate_interval])) / on() b or vector(0)') == {"a_total", "b"}


def test_every_queried_metric_is_exported(platform: Platform) -> None:
    for service in SERVICES:  # a little traffic, so labelled series exist too
        platform.http.get(f"{platform.urls[service]}/ready")
    exported = exporter_names()
    for service in SERVICES:
        exported |= exposition_names(platform.metrics(service))
    queries = dashboard_queries() | rule_queries()
    assert len(queries) > 20
    unknown = {where: sorted(metric_names(expr) - exported) for where, expr in queries.items()}
    unknown = {where: names for where, names in unknown.items() if names}
    assert not unknown, f"queried but exported by nothing we run: {unknown}"


def test_the_http_metrics_carry_the_labels_the_dashboards_group_by(platform: Platform) -> None:
    platform.http.get(f"{platform.urls['auth-service']}/health")
    lines = platform.metrics("auth-service").splitlines()
    requests = [line for line in lines if line.startswith("http_requests_total{")]
    assert any(
        all(label in line for label in ('service="auth-service"', 'route="/health"', 'status="200"', 'method="GET"'))
        for line in requests
    ), requests
    assert any(
        line.startswith("http_request_duration_seconds_bucket{") and 'service="auth-service"' in line and 'le="' in line
        for line in lines
    )


def test_a_generation_moves_the_task_metrics(platform: Platform) -> None:
    before = platform.metrics("image-service")
    headers = platform.user()
    task_id = platform.submit(headers, num_images=2)
    platform.complete(task_id, worker="gpu-box-1:4242")
    after = platform.metrics("image-service")

    def delta(name: str, labels: str) -> float:
        return sample(after, name, labels) - sample(before, name, labels)

    assert delta("zimage_tasks_submitted_total", 'source="web"') == 1
    assert delta("zimage_tasks_finished_total", 'status="completed"') == 1
    assert delta("zimage_images_generated_total", 'worker="gpu-box-1"') == 2  # per host, not per process
    assert delta("zimage_gpu_seconds_total", 'worker="gpu-box-1"') == pytest.approx(0.5)
    assert delta("zimage_task_stage_seconds_count", 'stage="generate"') == 1
    assert delta("zimage_task_queue_wait_seconds_count", "") == 1


def test_the_sweeper_publishes_the_backlog(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    from zimage_image import metrics

    monkeypatch.setattr(metrics, "BACKLOG_EVERY_SECONDS", 0.0)  # the test process ran other sweepers before
    monkeypatch.setattr(metrics, "ACTIVE_USERS_EVERY_SECONDS", 0.0)
    headers = platform.user()
    platform.submit(headers, num_images=1)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        text = platform.metrics("image-service")
        if sample(text, "zimage_queue_depth", "") >= 1 and sample(text, "zimage_active_users", 'window="1h"') >= 1:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("zimage_queue_depth / zimage_active_users never reflected the waiting task")
