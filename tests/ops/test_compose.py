"""The compose files: valid against the Compose Specification, wired the way ARCHITECTURE says, safe in production.

No Docker engine runs here, so the files are checked, not run: schema, ports, URLs, health checks,
dependencies, images, secrets, and the Dockerfiles they build, read with each service's build arguments
the way BuildKit reads them (tests/ops/dockerfile.py).
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

from tests.ops import dockerfile

ROOT = Path(__file__).resolve().parents[2]
DEV, PROD = ROOT / "docker-compose.yml", ROOT / "docker-compose.prod.yml"
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "compose-spec.json").read_text())
# ARCHITECTURE §1: service -> port it listens on inside the network
PORTS = {
    "api-gateway": 8000,
    "auth-service": 8001,
    "image-service": 8002,
    "gallery-service": 8003,
    "frontend": 3000,
    "admin-ui": 3001,
    "flower": 5555,
    "prometheus": 9090,
    "alertmanager": 9093,
    "nvidia-exporter": 9835,
    "postgres": 5432,
    "redis": 6379,
    "minio": 9000,
}
# compose service -> (Python package, module served) for every image we build from this repository
PYTHON_IMAGES = {
    "api-gateway": ("zimage-gateway", "zimage_gateway"),
    "auth-service": ("zimage-auth", "zimage_auth"),
    "image-service": ("zimage-image", "zimage_image"),
    "gallery-service": ("zimage-gallery", "zimage_gallery"),
    "ml-worker": ("zimage-worker", "zimage_worker"),
}
# the FastAPI services: one Dockerfile for all four, told apart by build arguments
SERVICE_DOCKERFILE = "deploy/docker/service.Dockerfile"
HTTP_SERVICES = ("api-gateway", "auth-service", "image-service", "gallery-service")
DATA_STORES = ("postgres", "redis", "minio")
WORKSPACE = re.search(r"^members = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), flags=re.M | re.S)
WORKSPACE_MEMBERS = re.findall(r'"([^"]+)"', WORKSPACE.group(1)) if WORKSPACE else []


class ComposeLoader(yaml.SafeLoader):
    """PyYAML plus Compose's merge tags (`!override`, `!reset`), read as the plain value they carry."""


for _tag in ("!override", "!reset"):
    ComposeLoader.add_constructor(
        _tag,
        lambda loader, node: (
            loader.construct_mapping(node)
            if isinstance(node, yaml.MappingNode)
            else loader.construct_sequence(node)
            if isinstance(node, yaml.SequenceNode)
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


def build_args(build: dict[str, Any]) -> dict[str, str]:
    """Compose's `build.args`, as a mapping or as a list of NAME=value."""
    args = build.get("args") or {}
    if isinstance(args, list):
        args = dict(str(a).split("=", 1) for a in args)
    return {str(k): str(v) for k, v in args.items()}


def image_of(build: dict[str, Any]) -> dockerfile.Image:
    """The Dockerfile a compose service builds, read with that service's build arguments."""
    return dockerfile.render(ROOT / build["dockerfile"], build_args(build))


def image_problems(name: str, build: dict[str, Any]) -> list[str]:
    """Everything wrong with the image compose service `name` builds (PYTHON_IMAGES), as sentences."""
    package, module = PYTHON_IMAGES[name]
    if build.get("context") != ".":
        return [f"{name}: build context {build.get('context')!r}, not the repository root"]
    if not (ROOT / build["dockerfile"]).is_file():
        return [f"{name}: {build['dockerfile']} missing"]
    try:
        image = image_of(build)
        files = image.files_from_context(ROOT)
        for stage in image.stages:
            image.files_from_context(ROOT, stage)
    except dockerfile.BuildError as error:
        return [f"{name}: docker build would stop: {error}"]
    problems: list[str] = []
    given, declared = set(build_args(build)), image.declared_args()
    if given - set(declared):
        problems.append(f"{name}: build args the Dockerfile never declares: {sorted(given - set(declared))}")
    if missing_args := sorted({arg for arg, has_value in declared.items() if not has_value} - given):
        problems.append(f"{name}: build args missing: {missing_args}")

    # the build stage: locked third-party dependencies first, in a layer that only the lock and the
    # pyproject files invalidate, then the workspace sources, then the package itself
    build_stage = image.stage("build")
    steps = build_stage.instructions
    deps = [
        n
        for n, i in enumerate(steps)
        if i.keyword == "RUN"
        and re.search(rf"uv sync --no-dev --no-install-workspace --package {package}(\s|$)", i.expanded)
    ]
    full = [
        n
        for n, i in enumerate(steps)
        if i.keyword == "RUN" and re.search(rf"uv sync --no-dev --package {package}(\s|$)", i.expanded)
    ]
    if not deps or not full or deps[0] > full[0]:
        return [
            *problems,
            f"{name}: not `uv sync --no-dev --no-install-workspace --package {package}` "
            f"then `uv sync --no-dev --package {package}`: {image.run_commands(build_stage)}",
        ]
    before = [w for i in image.context_copies(build_stage) if steps.index(i) < deps[0] for w in i.words[:-1]]
    if not before or any(not w.endswith(("pyproject.toml", "uv.lock")) for w in before):
        problems.append(f"{name}: the dependency layer depends on more than uv.lock and pyproject files: {before}")
    sources = [
        w.rstrip("/")
        for i in image.context_copies(build_stage)
        for w in i.words[:-1]
        if re.fullmatch(r"services/[^/]+/src/?", w) and deps[0] < steps.index(i) < full[0]
    ]
    if sources != [f"services/{name}/src"]:
        return [*problems, f"{name}: the build stage copies the sources {sources}, not services/{name}/src"]
    member = ROOT / "services" / name / "pyproject.toml"
    if f'name = "{package}"' not in member.read_text():
        problems.append(f"{name}: {member.relative_to(ROOT)} is not the package {package}")

    # the image that runs
    if not (image.user() or "").startswith("10001"):
        problems.append(f"{name}: runs as {image.user()!r}, not 10001")
    cmd, check = image.cmd(), image.healthcheck()
    if check is None:
        problems.append(f"{name}: no HEALTHCHECK")
    if module not in " ".join(cmd):
        problems.append(f"{name}: the command does not run {module}: {cmd}")
    if name in HTTP_SERVICES:
        factory = f"{module}.main:create_app"
        port = str(PORTS[name])
        expected = [
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "0.0.0.0",
            "--port",
            port,
            "--no-proxy-headers",
            "--no-server-header",
            "--timeout-graceful-shutdown",
            "20",
        ]
        if cmd != expected:
            problems.append(f"{name}: runs {cmd}, not {expected}")
        if image.exposed() != [port]:
            problems.append(f"{name}: EXPOSE {image.exposed()}, not {port}")
        if check and f"http://127.0.0.1:{port}/ready" not in check:
            problems.append(f"{name}: the health check asks {check}, not /ready on {port}")
        main = f"/app/services/{name}/src/{module}/main.py"
        from_build = any(
            i.flags.get("from") == "build" and i.words[0] == f"/app/services/{name}/src"
            for i in image.final.find("COPY")
        )
        if main not in files and not from_build:
            problems.append(f"{name}: {main} (where the virtual environment links it) is not in the image")
        if not re.search(
            r"^def create_app\(", (ROOT / "services" / name / "src" / module / "main.py").read_text(), flags=re.M
        ):
            problems.append(f"{name}: {factory} does not exist")
    migrations = ROOT / "services" / name / "migrations"
    if migrations.is_dir():
        wanted = {f"/app/{f.relative_to(ROOT).as_posix()}" for f in migrations.rglob("*.py")}
        if missing_files := sorted(wanted - set(files)):
            problems.append(f"{name}: migrations not in the image: {missing_files[:3]}")
    if tests := [f for f in files if "/tests/" in f]:
        problems.append(f"{name}: tests in the image: {tests[:3]}")
    return problems


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
    for name in HTTP_SERVICES:
        image = image_of(dev[name]["build"])
        assert image.exposed() == [str(PORTS[name])], f"{name}'s image exposes {image.exposed()}"
        cmd = image.cmd()
        assert cmd[cmd.index("--port") + 1] == str(PORTS[name]), f"{name} listens elsewhere: {cmd}"


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
    for var in (
        "POSTGRES_PASSWORD",
        "ZIMAGE_DB_PASSWORD",
        "REDIS_PASSWORD",
        "MINIO_ROOT_PASSWORD",
        "INTERNAL_TOKEN",
        "OBJECT_SIGNING_SECRET",
        "S3_SECRET_KEY",
        "GRAFANA_ADMIN_PASSWORD",
        "FLOWER_BASIC_AUTH",
    ):
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
            for dep, rule in deps.items() if isinstance(deps, dict) else []:
                if rule.get("condition") == "service_healthy":
                    target = svcs[dep]
                    has_check = "healthcheck" in target or bool(
                        "build" in target and image_of(target["build"]).healthcheck() is not None
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


@pytest.mark.parametrize("service", sorted(PYTHON_IMAGES))
def test_every_python_image_builds_its_own_package(service: str) -> None:
    package, _ = PYTHON_IMAGES[service]
    for path in (DEV, PROD):
        assert image_problems(service, services(path)[service]["build"]) == [], path.name
    # what `uv sync --package` installs: torch only in the worker
    exported = subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-hashes", "--package", package],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    has_torch = re.search(r"^torch==", exported, flags=re.MULTILINE) is not None
    assert has_torch == (package == "zimage-worker")


def test_the_four_services_build_one_dockerfile() -> None:
    for path in (DEV, PROD):
        svcs = services(path)
        assert {svcs[name]["build"]["dockerfile"] for name in HTTP_SERVICES} == {SERVICE_DOCKERFILE}, path.name
        for name in HTTP_SERVICES:  # the image's ENV sets them from the build args; compose must not move them
            env = svcs[name].get("environment") or {}
            assert not {"PORT", "APP_FACTORY"} & set(env), f"{path.name} {name} overrides PORT/APP_FACTORY"
    for name in HTTP_SERVICES:
        assert services(DEV)[name]["build"] == services(PROD)[name]["build"], f"{name}: dev and prod images differ"
        assert not (ROOT / "services" / name / "Dockerfile").exists(), f"{name} has a Dockerfile of its own again"


OTHER = {name: HTTP_SERVICES[(n + 1) % len(HTTP_SERVICES)] for n, name in enumerate(HTTP_SERVICES)}


@pytest.mark.parametrize("arg", ["SERVICE_DIR", "PACKAGE", "APP_FACTORY", "PORT"])
def test_a_wrong_or_missing_build_argument_is_caught(arg: str) -> None:
    """image_problems is the guard: another service's value, or none at all, must not pass it."""
    svcs = services(DEV)
    for name in HTTP_SERVICES:
        wrong = copy.deepcopy(svcs[name]["build"])
        wrong["args"][arg] = build_args(svcs[OTHER[name]]["build"])[arg]
        assert image_problems(name, wrong), f"{name} with {OTHER[name]}'s {arg} passes"
        del wrong["args"][arg]
        assert any("would stop" in p for p in image_problems(name, wrong)), f"{name} without {arg} builds"


def test_every_copy_from_the_build_context_finds_its_files() -> None:
    """COPY of a path that is missing (or wholly in .dockerignore) stops the build: e.g. migrations/ for the gateway.
    Every image built from the repository root, but for an app that is not written yet (profile `web`, no folder;
    tests/ops/test_web_image.py)."""
    for path in (DEV, PROD):
        for service in services(path).values():
            app = build_args(service.get("build", {})).get("APP_DIR")
            if service.get("profiles") == ["web"] and app and not (ROOT / app).is_dir():
                continue
            if service.get("build", {}).get("context") == ".":
                image = image_of(service["build"])
                for stage in image.stages:
                    image.files_from_context(ROOT, stage)  # raises BuildError


def test_every_image_copies_the_whole_workspace_before_uv_sync() -> None:
    """uv reads the workspace from every member's pyproject.toml: a member added later must reach every image."""
    assert len(WORKSPACE_MEMBERS) >= 6
    for path in (DEV, PROD):
        for name, service in services(path).items():
            if service.get("build", {}).get("context") != ".":
                continue
            image = image_of(service["build"])
            for stage in image.stages:
                syncs = [n for n, i in enumerate(stage.instructions) if i.keyword == "RUN" and "uv sync" in i.expanded]
                if syncs:
                    copied = {
                        w
                        for i in image.context_copies(stage)
                        if stage.instructions.index(i) < syncs[0]
                        for w in i.words[:-1]
                    }
                    missing = [m for m in WORKSPACE_MEMBERS if f"{m}/pyproject.toml" not in copied]
                    assert not missing, f"{path.name} {name}: uv sync before {missing} are copied"


def test_the_dockerfile_model_scopes_and_expands_like_buildkit(tmp_path: Path) -> None:
    """The reader the image checks rely on: ARG scope, ENV over ARG, build-time vs run-time expansion."""
    path = tmp_path / "Dockerfile"
    path.write_text(
        "ARG BASE=python:3.11-slim\nARG GLOBAL=g\nARG UNUSED\n"
        "FROM ${BASE} AS one\nENV FROM_ONE=1\n"
        "FROM one AS two\nARG GLOBAL\nARG LOCAL=l\nARG GIVEN\n"
        "RUN echo $GLOBAL $LOCAL $GIVEN '$LOCAL' $FROM_ONE \\\n # a comment in a continuation\n && true\n"
        "ENV GIVEN=env LATER=${LOCAL}\nEXPOSE ${GIVEN}\n"
        'CMD ["sh", "-c", "exec run $GIVEN $LOCAL"]\n'
        "HEALTHCHECK --interval=5s CMD check $LATER\n"
    )
    image = dockerfile.render(path, {"GIVEN": "given", "NOT_DECLARED": "x"})
    assert [s.base for s in image.stages] == ["python:3.11-slim", "one"]
    assert image.run_commands() == ["echo g l given '$LOCAL' 1  && true"]
    assert image.exposed() == ["env"]  # ENV wins over the ARG of the same name
    assert image.cmd() == ["run", "env"]  # the ARG LOCAL is gone when the container runs
    assert image.healthcheck() == ["check", "l"]
    assert image.declared_args() == {"BASE": True, "GLOBAL": True, "UNUSED": False, "LOCAL": True, "GIVEN": False}
    path.write_text('ARG A=a\nFROM x\nENV B=${A}\nCMD ["run", "$B"]\n')
    assert dockerfile.render(path).final.env == {"B": ""}  # a global ARG is not seen unless declared again
    assert dockerfile.render(path).cmd() == ["run", "$B"]  # exec form: nothing expands it
    path.write_text(
        "FROM x AS one\nWORKDIR /app\nFROM one AS two\nCOPY --from=one /app/out ./\n"
        "FROM x\nCOPY --from=two /app/out dist\n"
    )
    image = dockerfile.render(path)
    assert image.copies_from("one", image.stage("two")) == [(["/app/out"], "/app")]  # FROM one: in its WORKDIR
    assert image.copies_from("two") == [(["/app/out"], "/dist")]  # a fresh base starts at /
    path.write_text("FROM x\nARG A\nENV B=${A:?}\n")
    with pytest.raises(dockerfile.BuildError):
        dockerfile.render(path)
    assert dockerfile.render(path, {"A": "a"}).final.env == {"B": "a"}


def test_the_dockerignore_model_matches_like_docker(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("**/__pycache__\n.env\n.env.*\n!.env.example\nservices/*/tests\n/data\n")
    ignore = dockerfile.DockerIgnore.read(tmp_path)
    for path in ("__pycache__", "a/b/__pycache__/c.pyc", ".env", ".env.local", "services/x/tests/t.py", "data/k"):
        assert ignore.excluded(path), path
    for path in (".env.example", "services/x/src/tests.py", "services/x/y/tests/t.py", "a/data/k", "a/.env"):
        assert not ignore.excluded(path), path


def test_the_service_images_hold_their_migrations_and_no_tests() -> None:
    ignore = dockerfile.DockerIgnore.read(ROOT)
    for name in HTTP_SERVICES:
        migrations = ROOT / "services" / name / "migrations"
        files = image_of(services(PROD)[name]["build"]).files_from_context(ROOT)
        in_image = {f for f in files if f.startswith(f"/app/services/{name}/migrations/")}
        expected = (
            {
                f"/app/{f.relative_to(ROOT).as_posix()}"
                for f in migrations.rglob("*")
                if f.is_file() and not ignore.excluded(f.relative_to(ROOT).as_posix())
            }
            if migrations.is_dir()
            else set()
        )
        assert in_image == expected, name
        assert (name == "api-gateway") == (not expected), f"{name}: migrations where ARCHITECTURE has none, or none"
        assert not [f for f in files if f.startswith(f"/app/services/{name}/tests")], f"{name}: tests in the image"


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
    assert re.search(r"^flower = \[", (ROOT / "pyproject.toml").read_text(), flags=re.MULTILINE)


def test_the_build_context_leaves_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", "data", ".env", "backups", "secrets", ".git"):
        assert entry in ignored
