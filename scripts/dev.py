"""`make dev`: migrate, start every service as its own process, keep them running, stop them all on Ctrl-C.

Each child's output is prefixed and coloured here and also written to `{DATA_DIR}/logs/<name>.log`
(`make logs` follows those files). A child that exits on its own is restarted with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from platform_services import SERVICES, Service, bind_host, port_base, service_urls

COLOURS = ("\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m", "\033[91m", "\033[96m")
RESET = "\033[0m"
READY_TIMEOUT_S = float(os.environ.get("DEV_READY_TIMEOUT", "120"))
STOP_GRACE_S = 10.0
MAX_BACKOFF_S = 30.0
HEALTHY_RUN_S = 30.0  # a child that ran this long resets its backoff
TRY_USER = {"email": "me@example.com", "password": "correct-horse-42", "display_name": "Me"}


def use_colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@dataclass
class Child:
    service: Service
    argv: list[str]
    env: dict[str, str]
    colour: str
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    pump: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        text = f"{self.service.name:>8} |"
        return f"{self.colour}{text}{RESET}" if use_colour() else text


class Supervisor:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.base = port_base()
        self.host = bind_host()
        self.stopping = asyncio.Event()
        self.children: list[Child] = []

    def say(self, text: str) -> None:
        prefix = "\033[1m    dev |\033[0m" if use_colour() else "     dev |"
        print(f"{prefix} {text}", flush=True)

    def build_children(self) -> None:
        log_dir = self.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **service_urls(self.base), "DATA_DIR": str(self.data_dir), "PYTHONUNBUFFERED": "1"}
        for i, service in enumerate(s for s in SERVICES if s.available):
            if service.factory:
                port = self.base + (service.port_offset or 0)
                argv = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    service.factory,
                    "--host",
                    self.host,
                    "--port",
                    str(port),
                    "--no-access-log",
                    "--timeout-graceful-shutdown",
                    "5",
                    "--no-proxy-headers",  # X-Forwarded-For is judged by our own trusted-proxy rules
                ]
            else:
                argv = list(service.command)
            self.children.append(
                Child(
                    service,
                    argv,
                    {**env, **service.extra_env},
                    COLOURS[i % len(COLOURS)],
                    log_dir / f"{service.name}.log",
                )
            )

    async def migrate(self) -> None:
        self.say("applying database migrations ...")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).with_name("db.py")),
            "upgrade",
            env={**os.environ, "DATA_DIR": str(self.data_dir)},
        )
        if await proc.wait() != 0:
            raise SystemExit("database migrations failed; see the output above")

    async def start(self, child: Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            env=child.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop it and everything it forked
        )
        child.started_at = time.monotonic()
        child.pump = asyncio.create_task(self.pump_output(child, child.process))

    async def pump_output(self, child: Child, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        with child.log_path.open("a", encoding="utf-8") as log:
            async for raw in process.stdout:
                line = raw.decode("utf-8", "replace").rstrip()
                if child.service.ready_line and child.service.ready_line in line:
                    child.ready.set()
                print(f"{child.label} {line}", flush=True)
                log.write(line + "\n")
                log.flush()

    async def watch(self, child: Child) -> None:
        """Restart a child that exits while we are not stopping, backing off while it keeps crashing."""
        backoff = 1.0
        while not self.stopping.is_set():
            assert child.process is not None
            code = await child.process.wait()
            if child.pump:
                await child.pump
            if self.stopping.is_set():
                return
            ran = time.monotonic() - child.started_at
            backoff = 1.0 if ran >= HEALTHY_RUN_S else min(backoff * 2, MAX_BACKOFF_S)
            child.restarts += 1
            self.say(f"{child.service.name} exited with code {code}; restart #{child.restarts} in {backoff:.0f} s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=backoff)
            if not self.stopping.is_set():
                await self.start(child)

    async def wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        pending = {
            c.service.name: f"http://127.0.0.1:{self.base + c.service.port_offset}/health"
            for c in self.children
            if c.service.port_offset is not None
        }
        async with httpx.AsyncClient(timeout=2.0) as client:
            while pending and time.monotonic() < deadline and not self.stopping.is_set():
                for name, url in list(pending.items()):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(url)).status_code == 200:
                            del pending[name]
                if pending:
                    await asyncio.sleep(0.3)
        for child in self.children:
            if child.service.ready_line and not child.ready.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(child.ready.wait(), timeout=max(0.1, deadline - time.monotonic()))
                if not child.ready.is_set():
                    pending[child.service.name] = "ready line"
        if pending:
            self.say(f"not ready after {READY_TIMEOUT_S:.0f} s: {', '.join(sorted(pending))} (see their logs above)")
        return not pending

    def backends(self) -> str:
        env = os.environ
        database = "PostgreSQL" if env.get("DATABASE_URL") else "SQLite files"
        queue = (
            "Redis"
            if env.get("CELERY_BROKER_URL", "").startswith("redis")
            or (env.get("REDIS_URL") and not env.get("CELERY_BROKER_URL"))
            else "filesystem queue"
        )
        objects = "S3" if env.get("S3_ENDPOINT_URL") else "local files"
        return f"{database}, {queue}, {objects}"

    def banner(self) -> None:
        gw = f"http://localhost:{self.base}"
        lines = [
            f"zimage-platform is ready ({self.backends()})",
            *(
                f"  {'admin app' if c.service.name == 'admin-ui' else 'web app':<14} {c.service.public_url}"
                for c in self.children
                if c.service.public_url
            ),
            f"  API            {gw}/api/v1   (docs: {gw}/api/v1/docs)",
        ]
        for c in self.children:
            pid = c.process.pid if c.process else "-"
            where = f"http://127.0.0.1:{self.base + c.service.port_offset}" if c.service.port_offset else ""
            where = c.service.public_url or where
            if c.service.port_offset != 0:
                lines.append(f"  {c.service.name:<14} {where or 'no HTTP port':<24} (pid {pid})")
        lines += [
            f"  data           {self.data_dir.resolve()}   (logs: make logs)",
            "  first admin    make admin EMAIL=you@example.com",
            f"  try it         curl -s -X POST {gw}/api/v1/auth/register -H 'content-type: application/json' \\",
            "                   -d '" + json.dumps(TRY_USER) + "'",
            "  stop           Ctrl-C",
        ]
        for line in lines:
            self.say(line)

    async def stop_all(self) -> None:
        # SIGTERM to each leader only: Celery stops its own pool (signalling the group would kill the pool
        # first and make Celery start a replacement that loads the model during shutdown)
        for child in self.children:
            if child.process and child.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for child in self.children:
            if child.process and child.process.returncode is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(child.process.wait(), timeout=max(0.1, deadline - time.monotonic()))
            self._signal(child, signal.SIGKILL)  # whatever is left of its process group
            if child.process and child.process.returncode is None:
                await child.process.wait()
            if child.pump:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(child.pump, timeout=2)

    @staticmethod
    def _signal(child: Child, sig: signal.Signals) -> None:
        if child.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, sig)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        await self.migrate()
        self.build_children()
        self.say(f"starting {', '.join(c.service.name for c in self.children)} on ports from {self.base}")
        for child in self.children:
            await self.start(child)
        watchers = [asyncio.create_task(self.watch(c)) for c in self.children]
        if await self.wait_ready():
            self.banner()
        await self.stopping.wait()
        self.say("stopping ...")
        await self.stop_all()
        for w in watchers:
            w.cancel()
        self.say("stopped")
        return 0


def main() -> int:
    data_dir = Path(os.environ.get("DATA_DIR", "data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(Supervisor(data_dir).run())


if __name__ == "__main__":
    sys.exit(main())
