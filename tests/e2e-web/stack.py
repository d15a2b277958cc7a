"""The platform for the browser tests: the real `make dev` supervisor (tests.support.stack.Stack) with the
built web apps (user and admin), the tiny engine and a throwaway data folder. Prints one JSON line with the URLs once
everything is ready, then runs until its standard input closes (Playwright's global teardown)."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port  # noqa: E402
from tests.support.stack import PASSWORD, Stack  # noqa: E402


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="zimage-e2e-web-"))
    # One address signs in dozens of browser users within a minute here: lift the gateway's per-address
    # budget for credential requests (auth-service's per-account throttling stays as it is).
    stack = Stack(workdir / "data", env={"GATEWAY_RATE_LIMIT_AUTH_IP": "1000/minute"})
    # The web apps' ports must not fall inside the services' block, nor on each other.
    ports: dict[str, int] = {}
    for variable in ("FRONTEND_PORT", "ADMIN_UI_PORT"):
        port = free_port()
        while stack.base <= port < stack.base + 4 or port in ports.values():
            port = free_port()
        ports[variable] = port
        stack.env[variable] = str(port)
    try:
        stack.start(timeout=240)
        # the first administrator, made the way operators do (`make admin`), for the admin app's tests
        with httpx.Client(timeout=60) as client:
            admin_email, _ = stack.admin(client)
        urls = {
            "web": f"http://127.0.0.1:{ports['FRONTEND_PORT']}",
            "admin": f"http://127.0.0.1:{ports['ADMIN_UI_PORT']}",
            "api": stack.api,
            "admin_email": admin_email,
            "admin_password": PASSWORD,
        }
        print(json.dumps(urls), flush=True)
        sys.stdin.read()  # until the test run closes our stdin
    finally:
        stack.stop()
        log = "\n".join(stack.lines[-200:])
        (Path(tempfile.gettempdir()) / "zimage-e2e-web-stack.log").write_text(log, encoding="utf-8")
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
