"""The platform's processes in the embedded mode: one list that `make dev`, `make db-migrate` and tests share."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def web_server(app: str) -> Path:
    """A web app's Next.js standalone server (output: "standalone", traced from the workspace root), the one its
    image runs; scripts/build-frontend.sh puts .next/static beside it."""
    return ROOT / "services" / app / ".next" / "standalone" / "services" / app / "server.js"


@dataclass(frozen=True)
class Service:
    name: str
    port_offset: int | None  # from DEV_PORT_BASE; None for processes without HTTP
    factory: str | None = None  # "module:create_app" served by uvicorn --factory
    command: tuple[str, ...] = ()  # any other process
    package: str = ""  # importable package that must exist for the service to run
    url_env: str | None = None  # env var other services use to reach it
    migrations: str | None = None  # "module:migration_target" for services that own tables
    settings: str | None = None  # "module:Settings"
    extra_env: dict[str, str] = field(default_factory=dict)
    ready_line: str | None = None  # for processes without HTTP: a log line that means "ready"
    requires: tuple[Path, ...] = ()  # files that must exist (a non-Python process: its build)
    public_url: str | None = None  # what `make dev` prints for people to open

    @property
    def available(self) -> bool:
        if self.requires:
            return all(path.exists() for path in self.requires)
        module = (self.factory or "").partition(":")[0] or self.package
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            return False


PYTHON_SERVICES: tuple[Service, ...] = (
    Service(
        "auth",
        1,
        factory="zimage_auth.main:create_app",
        package="zimage_auth",
        url_env="AUTH_SERVICE_URL",
        migrations="zimage_auth.database:migration_target",
        settings="zimage_auth.config:Settings",
    ),
    Service(
        "image",
        2,
        factory="zimage_image.main:create_app",
        package="zimage_image",
        url_env="IMAGE_SERVICE_URL",
        migrations="zimage_image.database:migration_target",
        settings="zimage_image.config:Settings",
    ),
    Service(
        "gallery",
        3,
        factory="zimage_gallery.main:create_app",
        package="zimage_gallery",
        url_env="GALLERY_SERVICE_URL",
        migrations="zimage_gallery.database:migration_target",
        settings="zimage_gallery.config:Settings",
    ),
    Service("gateway", 0, factory="zimage_gateway.main:create_app", package="zimage_gateway", url_env="GATEWAY_URL"),
    Service(
        "worker",
        None,
        command=(
            sys.executable,
            "-m",
            "celery",
            "-A",
            "zimage_worker.celery_app",
            "worker",
            "--queues",
            "image_generation",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "--hostname",
            "worker@%h",
        ),
        package="zimage_worker.celery_app",
        ready_line="engine_ready",
    ),
)


def port_base() -> int:
    return int(os.environ.get("DEV_PORT_BASE", "8000"))


def bind_host() -> str:
    return os.environ.get("DEV_HOST", "127.0.0.1")


# web app -> the variable that gives its port (unset: the app does not run)
WEB_APPS = {"frontend": "FRONTEND_PORT", "admin-ui": "ADMIN_UI_PORT"}


def web_apps() -> tuple[Service, ...]:
    """The web apps (the standalone servers of production builds): the user app where FRONTEND_PORT is set and
    the admin app where ADMIN_UI_PORT is set (`make dev` sets 3000 and 3001; the end-to-end browser tests pick
    free ports), each only where its build and Node.js exist."""
    node = shutil.which("node")
    if not node:
        return ()
    apps = []
    for app, variable in WEB_APPS.items():
        port = os.environ.get(variable)
        if not port:
            continue
        server = web_server(app)
        apps.append(
            Service(
                app,
                None,
                command=(node, str(server)),
                extra_env={
                    "PORT": port,
                    "HOSTNAME": bind_host(),
                    "API_ORIGIN": f"http://127.0.0.1:{port_base()}",
                    "NEXT_TELEMETRY_DISABLED": "1",
                },
                ready_line="Ready in",
                requires=(server, server.parent / ".next" / "static"),
                public_url=f"http://localhost:{port}",
            )
        )
    return tuple(apps)


SERVICES: tuple[Service, ...] = (*PYTHON_SERVICES, *web_apps())


def service_urls(base: int | None = None) -> dict[str, str]:
    """URL env vars every child gets, so the services find each other on the chosen ports."""
    base = port_base() if base is None else base
    return {
        s.url_env: f"http://127.0.0.1:{base + s.port_offset}"
        for s in SERVICES
        if s.url_env and s.port_offset is not None
    }


def load_object(ref: str) -> object:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def migrating_services() -> list[Service]:
    """Services that own tables and whose migrations exist in this checkout."""
    out = []
    for s in SERVICES:
        if s.migrations and s.available and _exists(s.migrations.partition(":")[0]):
            out.append(s)
    return out


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False
