"""The compose files: valid against the Compose Specification, wired the way ARCHITECTURE says, safe in production.

No Docker engine runs here, so the files are checked, not run: schema, ports, URLs, health checks,
dependencies, images, secrets, and the Dockerfiles they build.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV, PROD = ROOT / "docker-compose.yml", ROOT / "docker-compose.prod.yml"
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
# ARCHITECTURE §1: service -> port it listens on inside the network
PORTS = {
    "api-gateway": 8000, "auth-service": 8001, "image-service": 8002, "gallery-service": 8003,
    "frontend": 3000, "admin-ui": 3001, "flower": 5555, "prometheus": 9090, "alertmanager": 9093,
    "nvidia-exporter": 9835, "postgres": 5432, "redis": 6379, "minio": 9000,
}
# compose service -> (Python package, module served) for every image we build from this repository
PYTHON_IMAGES = {
    "api-gateway": ("zimage-gateway", "zimage_gateway"),
    "auth-service": ("zimage-auth", "zimage_auth"),
    "image-service": ("zimage-image", "zimage_image"),
    "gallery-service": ("zimage-gallery", "zimage_gallery"),
    "ml-worker": ("zimage-worker", "zimage_worker"),
}
DATA_STORES = ("postgres", "redis", "minio")


class ComposeLoader(yaml.SafeLoader):
    """PyYAML plus Compose's merge tags (`!override`, `!reset`), read as the plain value they carry."""


for _tag in ("!override", "!reset"):
    ComposeLoader.add_constructor(
        _tag,
        lambda loader, node: (
            loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
            else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
            else loader.construct_scalar(node)
        ),
    )


def load(path: Path) -> dict[str, Any]:
    return dict(yaml.load(path.read_text(), Loader=ComposeLoader))  # noqa: S506 - a SafeLoader subclass


def validator() -> jsonschema.Draft7Validator:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    return jsonschema.Draft7Validator(SCHEMA)


def services(path: Path) -> dict[str, Any]:
    return dict(load(path)["services"])


def published(service: dict[str, Any]) -> list[tuple[str, int]]:
    """(host part, container port) for every published port."""
    out = []
    for entry in service.get("ports", []):
        parts = str(entry).split(":")
        out.append((":".join(parts[:-1]), int(parts[-1].split("/")[0])))
    return out


@pytest.mark.parametrize("path", [DEV, PROD, ROOT / "deploy/compose/gpus.example.yml"], ids=lambda p: p.name)
def test_compose_files_follow_the_compose_specification(path: Path) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(load(path))]
    assert not errors, errors


def test_the_schema_refuses_what_compose_would_refuse() -> None:
    broken = copy.deepcopy(load(DEV))
    broken["services"]["redis"]["healthcheck"]["intervall"] = "5s"
    broken["services"]["postgres"]["depends_on"] = {"redis": {"condition": "service_ready"}}
    assert len(list(validator().iter_errors(broken))) >= 2


def test_services_listen_where_architecture_says() -> None:
    dev = services(DEV)
    for name, port in PORTS.items():
        assert name in dev, f"{name} missing from docker-compose.yml"
        if name in ("grafana",):
            continue
        assert port in [p for _, p in published(dev[name])], f"{name} does not publish {port} in development"
    assert ("127.0.0.1:3002", 3000) in published(dev["grafana"])  # Grafana listens on 3000, published as 3002
    env = dev["api-gateway"]["environment"]
    for name in ("auth-service", "image-service", "gallery-service"):
        key = name.split("-")[0].upper() + "_SERVICE_URL"
        assert env[key] == f"http://{name}:{PORTS[name]}"
    for name in PYTHON_IMAGES:
        if name != "ml-worker":
            dockerfile = (ROOT / dev[name]["build"]["dockerfile"]).read_text()
            assert f"EXPOSE {PORTS[name]}" in dockerfile and f'"--port", "{PORTS[name]}"' in dockerfile


def test_data_stores_publish_only_on_loopback_in_development() -> None:
    dev = services(DEV)
    for name, service in dev.items():
        for host, _ in published(service):
            assert name == "traefik" or host.startswith("127.0.0.1"), f"{name} publishes on every interface"


def test_production_publishes_nothing_but_traefik() -> None:
    prod = services(PROD)
    for name in DATA_STORES:
        assert not prod[name].get("ports"), f"{name} publishes ports in production"
    exposed = {name for name, service in prod.items() if service.get("ports")}
    assert exposed == {"traefik"}
    assert {p for _, p in published(prod["traefik"])} == {80, 443}


def test_production_refuses_defaults_and_runs_in_production_mode() -> None:
    text = PROD.read_text()
    assert "zimage-dev" not in text and "change-me-please" not in text, "a development default in production"
    prod = services(PROD)
    for name in ("migrate", *[n for n in PYTHON_IMAGES]):
        env = prod[name]["environment"]
        assert env["ZIMAGE_ENV"] == "production", name
    # every secret comes from .env, and compose stops when one is missing
    for var in ("POSTGRES_PASSWORD", "ZIMAGE_DB_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_PASSWORD", "INTERNAL_TOKEN",
                "OBJECT_SIGNING_SECRET", "S3_SECRET_KEY", "GRAFANA_ADMIN_PASSWORD", "FLOWER_BASIC_AUTH"):
        uses = re.findall(r"\$\{" + var + r"(:?[-?][^}]*)?\}", text)
        assert uses and all(u.startswith(":?") for u in uses), f"{var} must be required (:?) in production"
    assert prod["auth-service"]["environment"]["AUTH_JWT_PRIVATE_KEY_FILE"].startswith("/run/secrets/")
    assert prod["ml-worker"]["environment"]["ZIMAGE_ENGINE"] == "zimage-turbo"
    flags = prod["traefik"]["command"]
    assert "--entryPoints.websecure.http.tls.certResolver=letsencrypt" in flags
    assert "--entryPoints.web.http.redirections.entryPoint.to=websecure" in flags
    assert "--api.dashboard=false" in flags


def test_every_compose_variable_is_documented() -> None:
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE))
    for path in (DEV, PROD):
        used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", path.read_text()))
        assert used - documented == set(), f"{path.name} uses undocumented variables"


def test_dependencies_wait_for_health_and_migrations() -> None:
    for path in (DEV, PROD):
        svcs = services(path)
        for name in ("auth-service", "image-service", "gallery-service"):
            assert svcs[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert svcs["migrate"]["command"] == ["python", "scripts/db.py", "upgrade"]
        for name, service in svcs.items():
            deps = service.get("depends_on", {})
            for dep, rule in (deps.items() if isinstance(deps, dict) else []):
                if rule.get("condition") == "service_healthy":
                    target = svcs[dep]
                    dockerfile = target.get("build", {}).get("dockerfile")
                    has_check = "healthcheck" in target or bool(
                        dockerfile and re.search(r"^HEALTHCHECK (?!NONE)", (ROOT / dockerfile).read_text(), re.M)
                    )
                    assert has_check, f"{name} waits for {dep} to be healthy, but {dep} has no health check"


def test_the_broker_keeps_its_messages_and_the_worker_has_a_gpu() -> None:
    for path in (DEV, PROD):
        svcs = services(path)
        redis = " ".join(svcs["redis"]["command"])
        assert "--appendonly yes" in redis and "--maxmemory-policy noeviction" in redis
        devices = svcs["ml-worker"]["deploy"]["resources"]["reservations"]["devices"]
        assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
        assert "quay.io/minio/minio:RELEASE." in svcs["minio"]["image"]
        for name, service in svcs.items():
            image = service.get("image", "")
            assert not image.endswith(":latest") or image.startswith("zimage/"), f"{name} runs an unpinned image"
            if name not in ("migrate", "minio-init"):
                assert service["deploy"]["resources"]["limits"]["memory"], f"{name} has no memory limit"
        assert svcs["ml-worker"]["deploy"]["resources"]["limits"] == {"cpus": "4", "memory": "16G"}  # the seed's


def test_optional_web_apps_stay_out_of_a_plain_up() -> None:
    for path in (DEV, PROD):
        svcs = services(path)
        assert svcs["frontend"]["profiles"] == ["web"] and svcs["admin-ui"]["profiles"] == ["web"]
        for name, service in svcs.items():
            if "profiles" not in service:
                deps = service.get("depends_on", {})
                assert not set(deps) & {"frontend", "admin-ui"}, f"{name} depends on a web app"


@pytest.mark.parametrize("service", sorted(PYTHON_IMAGES))
def test_every_python_image_builds_its_own_package(service: str) -> None:
    package, module = PYTHON_IMAGES[service]
    for path in (DEV, PROD):
        build = services(path)[service]["build"]
        assert build["context"] == "."
        dockerfile = ROOT / build["dockerfile"]
        assert dockerfile.is_file(), f"{dockerfile} missing"
    text = dockerfile.read_text()
    assert f"uv sync --no-dev --package {package}" in text
    assert re.search(r"^USER 10001", text, flags=re.MULTILINE), "runs as root"
    assert re.search(r"^HEALTHCHECK ", text, flags=re.MULTILINE)
    assert module in text
    member = ROOT / build["dockerfile"].rsplit("/", 1)[0] / "pyproject.toml"
    assert f'name = "{package}"' in member.read_text()
    if (member.parent / "migrations").is_dir():
        assert f"COPY {member.parent.relative_to(ROOT)}/migrations" in text, "migrations not in the image"
    # what `uv sync --package` installs: torch only in the worker
    exported = subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-hashes", "--package", package],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    has_torch = re.search(r"^torch==", exported, flags=re.MULTILINE) is not None
    assert has_torch == (package == "zimage-worker")


def test_the_worker_image_matches_the_locked_cuda() -> None:
    text = (ROOT / "services/ml-worker/Dockerfile").read_text()
    image = re.search(r"^ARG CUDA_IMAGE=nvidia/cuda:(\d+)\.(\d+)\.\d+-base-ubuntu", text, flags=re.MULTILINE)
    assert image, "the worker builds on nvidia/cuda:<version>-base-ubuntu*"
    lock = (ROOT / "uv.lock").read_text()
    locked = re.search(r'name = "cuda-toolkit"\nversion = "(\d+)\.(\d+)', lock)
    assert locked and image.groups() == locked.groups(), "CUDA base image and the locked CUDA wheels differ"


def test_the_migrate_and_flower_images_hold_what_they_run() -> None:
    migrate = (ROOT / "deploy/docker/migrate.Dockerfile").read_text()
    for package in ("zimage-auth", "zimage-image", "zimage-gallery"):
        assert f"--package {package}" in migrate
    for script in ("db.py", "platform_services.py", "object_archive.py"):
        assert (ROOT / "scripts" / script).is_file() and script in migrate
    flower = (ROOT / "deploy/docker/flower.Dockerfile").read_text()
    assert "--only-group flower" in flower
    assert re.search(r'^flower = \[', (ROOT / "pyproject.toml").read_text(), flags=re.MULTILINE)


def test_the_build_context_leaves_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", "data", ".env", "backups", "secrets", ".git"):
        assert entry in ignored
