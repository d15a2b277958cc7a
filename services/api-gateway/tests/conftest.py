"""Real servers on loopback: fake auth/image/gallery services behind a real gateway."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from jwt.algorithms import OKPAlgorithm
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send
from zimage_common.service import create_service_app
from zimage_gateway.config import Settings
from zimage_gateway.main import create_app

from tests.support.servers import ServerThread, free_port, serve

KID = "test-key-1"
GATE_WAIT_SECONDS = 20


@dataclass
class SigningKey:
    private: Ed25519PrivateKey
    kid: str

    @property
    def jwks(self) -> dict[str, Any]:
        jwk = OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]}

    def mint(
        self,
        *,
        sub: uuid.UUID | str | None = None,
        typ: str = "access",
        ttl: int = 300,
        role: str = "user",
        sid: str | None = None,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": "zimage-auth",
            "aud": "zimage",
            "sub": str(sub or uuid.uuid4()),
            "role": role,
            "typ": typ,
            "sid": sid or uuid.uuid4().hex,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + ttl,
            **overrides,
        }
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": self.kid})


@dataclass
class Upstream:
    """A stand-in service: echoes what it got, streams, stalls on request, and records every call."""

    service: str
    jwks: dict[str, Any] | None = None
    started: list[str] = field(default_factory=list)  # paths that reached the app at all
    completed: list[dict[str, Any]] = field(default_factory=list)  # requests whose body was read in full
    gates: dict[str, threading.Event] = field(default_factory=dict)
    url: str = ""

    def gate(self, key: str) -> threading.Event:
        return self.gates.setdefault(key, threading.Event())

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [c for c in self.completed if c["path"] == path]

    def asgi(self) -> ASGIApp:
        app = self.build()

        async def recording(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                self.started.append(scope["path"])
            await app(scope, receive, send)

        return recording

    def build(self) -> FastAPI:
        app = create_service_app(self.service)
        upstream = self

        if self.jwks is not None:
            jwks = self.jwks

            @app.get("/.well-known/jwks.json")
            async def keys() -> dict[str, Any]:
                return jwks

        @app.post("/api/v1/images/echo")
        async def echo_stream(request: Request) -> StreamingResponse:
            # Read first, then stream back: an HTTP/1.1 client sends the whole body before it reads.
            digest, chunks = hashlib.sha256(), []
            async for chunk in request.stream():
                digest.update(chunk)
                chunks.append(chunk)
            upstream.completed.append(
                {"path": request.url.path, "length": sum(map(len, chunks)), "sha256": digest.hexdigest()}
            )

            async def body() -> Any:
                for chunk in chunks:
                    yield chunk

            return StreamingResponse(body(), media_type="application/octet-stream")

        @app.get("/api/v1/tasks/{key}/events")
        async def events(key: str) -> StreamingResponse:
            async def stream() -> Any:
                yield "event: step\ndata: 1\n\n"
                released = await asyncio.to_thread(upstream.gate(key).wait, GATE_WAIT_SECONDS)
                yield f"event: step\ndata: {'2' if released else 'gate-timeout'}\n\n"
                yield "event: completed\ndata: done\n\n"

            return StreamingResponse(stream(), media_type="text/event-stream")

        @app.get("/api/v1/tasks/{key}/slow")
        async def slow(key: str) -> dict[str, str]:
            await asyncio.to_thread(upstream.gate(key).wait, GATE_WAIT_SECONDS)
            return {"status": "late"}

        @app.get("/api/v1/tasks/{key}/cookies")
        async def cookies(key: str) -> Response:
            response = JSONResponse({"ok": True})
            response.set_cookie("first", "1")
            response.set_cookie("second", "2")
            response.headers["Connection"] = "X-Upstream-Hop"
            response.headers["X-Upstream-Hop"] = "secret"
            response.headers["Keep-Alive"] = "timeout=5"
            response.headers["Proxy-Authenticate"] = "Basic"
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["X-Frame-Options"] = "ALLOWALL"
            return response

        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

        @app.api_route("/api/v1/{path:path}", methods=methods)
        async def echo(request: Request) -> JSONResponse:
            try:
                body = await request.body()
            except ClientDisconnect:  # the gateway cut the body off (413 while streaming)
                return JSONResponse({"detail": "body cut off"}, status_code=400)
            headers: dict[str, list[str]] = {}
            for name, value in request.headers.items():
                headers.setdefault(name, []).append(value)
            call = {
                "service": upstream.service,
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "headers": headers,
                "length": len(body),
                "sha256": hashlib.sha256(body).hexdigest(),
            }
            upstream.completed.append(call)
            return JSONResponse(call)

        return app


@dataclass
class Upstreams:
    auth: Upstream
    image: Upstream
    gallery: Upstream


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate(), KID)


@pytest.fixture(scope="session")
def upstreams(signing_key: SigningKey) -> Iterator[Upstreams]:
    ups = Upstreams(
        auth=Upstream("auth-service", jwks=signing_key.jwks),
        image=Upstream("image-service"),
        gallery=Upstream("gallery-service"),
    )
    with serve(ups.auth.asgi()) as a, serve(ups.image.asgi()) as i, serve(ups.gallery.asgi()) as g:
        ups.auth.url, ups.image.url, ups.gallery.url = a.url, i.url, g.url
        try:
            yield ups
        finally:
            for up in (ups.auth, ups.image, ups.gallery):
                for gate in up.gates.values():
                    gate.set()


@dataclass
class RunningGateway:
    url: str
    app: FastAPI
    settings: Settings

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30, **kwargs)


GatewayFactory = Callable[..., Any]


@pytest.fixture
def start_gateway(upstreams: Upstreams, tmp_path: Path) -> GatewayFactory:
    """`with start_gateway(**settings) as gw:` runs a gateway in front of the fake services."""

    @contextmanager
    def start(**overrides: Any) -> Iterator[RunningGateway]:
        values: dict[str, Any] = {
            "auth_service_url": upstreams.auth.url,
            "image_service_url": upstreams.image.url,
            "gallery_service_url": upstreams.gallery.url,
            "data_dir": tmp_path,
            "redis_url": None,
            "trusted_proxies": [],
            "env": "development",
            "behind_tls": False,
            "docs_enabled": True,
            **overrides,
        }
        settings = Settings(**values)
        app = create_app(settings)
        server = ServerThread(app)
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to; the gateway decides itself.
        server.server.config.proxy_headers = False
        server.start()
        try:
            yield RunningGateway(server.url, app, settings)
        finally:
            server.stop()

    return start


@pytest.fixture
def gateway(start_gateway: GatewayFactory) -> Iterator[RunningGateway]:
    with start_gateway() as gw:
        yield gw


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def user_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def auth_headers(signing_key: SigningKey, user_id: uuid.UUID) -> dict[str, str]:
    """A valid access token for `user_id`."""
    return {"Authorization": f"Bearer {signing_key.mint(sub=user_id)}"}


def _wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def wait_until() -> Callable[..., bool]:
    """Poll for something a server thread does after the response went out (log lines)."""
    return _wait_until


def _error_of(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return str(body["detail"])


@pytest.fixture
def expect_error() -> Callable[[httpx.Response, int, str], str]:
    """Asserts the platform's error shape and returns the detail text."""
    return _error_of
