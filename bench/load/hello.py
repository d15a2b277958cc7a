"""The load test's yardstick: a bare FastAPI "hello" served by uvicorn exactly as `make dev` serves the services.

python -m uvicorn --factory bench.load.hello:create_app --port N --no-proxy-headers --no-access-log
"""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app
