"""The four FastAPI services in this process (real uvicorn on loopback), for tests/ops' metrics and backups."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from zimage_auth.config import Settings as AuthSettings
from zimage_auth.database import migration_target as auth_target
from zimage_auth.main import create_app as auth_app
from zimage_common.migrations import upgrade
from zimage_gallery.config import Settings as GallerySettings
from zimage_gallery.database import migration_target as gallery_target
from zimage_gallery.main import create_app as gallery_app
from zimage_gateway.config import Settings as GatewaySettings
from zimage_gateway.main import create_app as gateway_app
from zimage_image.config import Settings as ImageSettings
from zimage_image.database import migration_target as image_target
from zimage_image.main import create_app as image_app

from tests.support.servers import free_port, serve

INTERNAL_TOKEN = "ops-tests-internal-token-" + "5" * 16
PASSWORD = "Tangerine-bicycle-42"
SERVICES = ("api-gateway", "auth-service", "image-service", "gallery-service")


@dataclass
class Platform:
    urls: dict[str, str]
    image_settings: ImageSettings
    http: httpx.Client

    @property
    def api(self) -> str:
        return f"{self.urls['api-gateway']}/api/v1"

    def user(self) -> dict[str, str]:
        email = f"ops-{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": PASSWORD, "display_name": "Ops"}
        assert self.http.post(f"{self.api}/auth/register", json=body).status_code == 201
        login = self.http.post(f"{self.api}/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        self.http.cookies.clear()
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    def submit(self, headers: dict[str, str], num_images: int = 2) -> str:
        resp = self.http.post(
            f"{self.api}/generate", headers=headers, json={"prompt": "a red bicycle", "num_images": num_images}
        )
        assert resp.status_code == 202, resp.text
        return str(resp.json()["id"])

    def complete(self, task_id: str, worker: str = "ops-worker:1") -> list[bytes]:
        """Play the worker: claim, store objects where the worker would, report them."""
        internal = f"{self.urls['image-service']}/internal/v1/tasks/{task_id}"
        headers = {"X-Internal-Token": INTERNAL_TOKEN}
        claim = self.http.post(f"{internal}/claim", headers=headers, json={"worker": worker})
        assert claim.status_code == 200, claim.text
        task = claim.json()
        store = self.image_settings.object_store()
        reports, blobs = [], []
        for index in range(task["num_images"]):
            png, thumb = uuid.uuid4().bytes * 64, uuid.uuid4().bytes * 16
            base = f"{task['user_id']}/{task_id}/{index}"
            asyncio.run(store.put(f"{base}.png", png, "image/png"))
            asyncio.run(store.put(f"{base}.thumb.webp", thumb, "image/webp"))
            reports.append(
                {
                    "index": index,
                    "seed": task["seed"] + index,
                    "width": task["width"],
                    "height": task["height"],
                    "png_key": f"{base}.png",
                    "thumb_key": f"{base}.thumb.webp",
                    "png_bytes": len(png),
                }
            )
            blobs += [png, thumb]
        body = {
            "attempt": task["attempt"],
            "engine": "tiny",
            "model": "tiny-random",
            "gpu_seconds": 0.5,
            "images": reports,
        }
        done = self.http.post(f"{internal}/complete", headers=headers, json=body)
        assert done.status_code == 200, done.text
        return blobs

    def metrics(self, service: str) -> str:
        resp = self.http.get(f"{self.urls[service]}/metrics")
        assert resp.status_code == 200, resp.text
        return resp.text


@contextmanager
def running_platform(database_url: str | None, data_dir: Path) -> Iterator[Platform]:
    ports = {name: free_port() for name in SERVICES}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    common: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "redis_url": None,
        "env": "development",
        "s3_endpoint_url": None,
        "internal_token": INTERNAL_TOKEN,
        "auth_service_url": urls["auth-service"],
        "image_service_url": urls["image-service"],
        "gallery_service_url": urls["gallery-service"],
    }
    auth = AuthSettings(**common, trusted_proxies=["127.0.0.1"])
    image = ImageSettings(**common, relay_interval_seconds=0.2, sweep_interval_seconds=0.5)
    gallery = GallerySettings(**common, reconcile_interval_seconds=0)
    gateway = GatewaySettings(**common, trusted_proxies=[])
    for target in (auth_target(auth), image_target(image), gallery_target(gallery)):
        upgrade(target)
    with ExitStack() as stack:
        stack.enter_context(serve(auth_app(auth), ports["auth-service"]))
        stack.enter_context(serve(image_app(image), ports["image-service"]))
        stack.enter_context(serve(gallery_app(gallery), ports["gallery-service"]))
        stack.enter_context(serve(gateway_app(gateway), ports["api-gateway"]))
        with httpx.Client(timeout=30) as http:
            yield Platform(urls, image, http)
