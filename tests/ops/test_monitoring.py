"""Prometheus, Alertmanager, Grafana and Traefik configuration, checked by their own tools where they have one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.ops.promql import dashboard_queries, metric_names, rule_queries
from tests.ops.test_compose import DEV, PORTS, services

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
REQUIRED_ALERTS = {
    "ServiceDown",
    "NoWorkerOnline",
    "QueueBacklogGrowing",
    "TaskFailureRateHigh",
    "ApiLatencyP99High",
    "GpuMemoryNearFull",
    "DiskSpaceLow",
}


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, (
        f"{name} is required by tests/ops and is missing: `make ops-tools` installs it "
        "(Debian packages prometheus, prometheus-alertmanager, shellcheck)"
    )
    return path


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_promtool_accepts_the_config_and_the_rules() -> None:
    promtool = tool("promtool")
    config = run(promtool, "check", "config", MONITORING / "prometheus/prometheus.yml")
    assert config.returncode == 0, config.stdout + config.stderr
    rules = run(promtool, "check", "rules", MONITORING / "prometheus/alerts.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr


def test_alert_rule_unit_tests_pass() -> None:
    result = run(tool("promtool"), "test", "rules", MONITORING / "prometheus/tests/alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (MONITORING / "prometheus/tests/alerts_test.yml").read_text()))
    assert {"NoWorkerOnline", "QueueBacklogGrowing"} <= tested


def test_the_rule_tests_catch_a_broken_rule(tmp_path: Path) -> None:
    """Mutation check: the unit tests fail when the worker-down rule stops seeing a missing worker."""
    (tmp_path / "tests").mkdir()
    alerts = (MONITORING / "prometheus/alerts.yml").read_text()
    broken = alerts.replace("(sum(flower_worker_online) or vector(0)) < 1", "sum(flower_worker_online) < 1")
    assert broken != alerts
    (tmp_path / "alerts.yml").write_text(broken)
    shutil.copy(MONITORING / "prometheus/tests/alerts_test.yml", tmp_path / "tests/alerts_test.yml")
    result = run(tool("promtool"), "test", "rules", tmp_path / "tests/alerts_test.yml")
    assert result.returncode != 0


def test_the_required_alerts_exist() -> None:
    assert {where.split(" / ")[1] for where in rule_queries()} >= REQUIRED_ALERTS


def test_alertmanager_accepts_its_config() -> None:
    result = run(tool("amtool"), "check-config", MONITORING / "alertmanager/alertmanager.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_scrapes_every_service_where_it_listens() -> None:
    config = yaml.safe_load((MONITORING / "prometheus/prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    for name in ("api-gateway", "auth-service", "image-service", "gallery-service", "flower"):
        assert targets[name] == [f"{name}:{PORTS[name]}"]
    assert targets["nvidia-gpu"] == [f"nvidia-exporter:{PORTS['nvidia-exporter']}"]
    compose = services(DEV)
    for target_list in targets.values():
        host = target_list[0].split(":")[0]
        assert host == "localhost" or host in compose, f"scrape target {host} is no compose service"
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["alertmanager:9093"]


def test_dashboards_are_provisioned_and_parse() -> None:
    datasource = yaml.safe_load((MONITORING / "grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = next(d["uid"] for d in datasource["datasources"] if d["type"] == "prometheus")
    provider = yaml.safe_load((MONITORING / "grafana/provisioning/dashboards/zimage.yml").read_text())
    mount = f"{MONITORING.relative_to(ROOT)}/grafana/dashboards"
    assert any(
        v == f"./{mount}:{provider['providers'][0]['options']['path']}:ro" for v in services(DEV)["grafana"]["volumes"]
    )
    uids = set()
    for path in sorted((MONITORING / "grafana/dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        uids.add(board["uid"])
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == uid, f"{path.name}: {panel['title']}"
    assert {"zimage-overview", "zimage-gpu"} <= uids
    queries = dashboard_queries()
    for where, expr in queries.items():
        assert metric_names(expr), f"{where} queries no metric"
    text = " ".join(queries.values())
    for needed in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "zimage_queue_depth",
        "zimage_task_queue_wait_seconds_bucket",
        "zimage_active_users",
        "zimage_tasks_finished_total",
        "nvidia_smi_utilization_gpu_ratio",
        "nvidia_smi_memory_used_bytes",
        "nvidia_smi_temperature_gpu",
        "zimage_task_stage_seconds_bucket",
        "zimage_images_generated_total",
    ):
        assert needed in text, f"no dashboard shows {needed}"


def test_traefik_routes_the_paths_the_architecture_names() -> None:
    dynamic = ROOT / "traefik/dynamic"
    routes = yaml.safe_load((dynamic / "routers.yml").read_text())["http"]
    middlewares = yaml.safe_load((dynamic / "middlewares.yml").read_text())["http"]["middlewares"]
    routers, backends = routes["routers"], routes["services"]
    assert "PathPrefix(`/api`)" in routers["api"]["rule"] and routers["api"]["service"] == "api-gateway"
    assert routers["frontend"]["service"] == "frontend"
    assert "Host(`admin." in routers["admin"]["rule"] and routers["admin"]["service"] == "admin-ui"
    assert "Host(`flower." in routers["flower"]["rule"] and "!PathPrefix(`/metrics`)" in routers["flower"]["rule"]
    assert "Host(`grafana." in routers["grafana"]["rule"]
    assert "Method(`GET`)" in routers["objects"]["rule"]
    for name, router in routers.items():
        assert router["service"] in backends, name
        assert set(router.get("middlewares", [])) <= set(middlewares), name
    assert not any("stripPrefix" in m for m in middlewares.values()), "the gateway serves /api/v1 itself"
    assert "text/event-stream" in middlewares["compress"]["compress"]["excludedContentTypes"]
    compose = services(DEV)
    for backend in backends.values():
        url = backend["loadBalancer"]["servers"][0]["url"]
        host, port = re.match(r"http://([\w-]+):(\d+)$", url).groups()  # type: ignore[union-attr]
        assert host in compose and int(port) == PORTS.get(host, {"grafana": 3000}.get(host)), url
    static = yaml.safe_load((ROOT / "traefik/traefik.yml").read_text())
    assert static["providers"]["file"]["directory"] == "/etc/traefik/dynamic"


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh", "health-check.sh", "bootstrap.sh", "build-frontend.sh"])
def test_shell_scripts_pass_shellcheck(script: str) -> None:
    result = run(tool("shellcheck"), ROOT / "scripts" / script)
    assert result.returncode == 0, result.stdout
