"""The platform for the browser tests: the real `make dev` supervisor (tests.support.stack.Stack) with the
built web app, the tiny engine and a throwaway data folder. Prints one JSON line with the URLs once
everything is ready, then runs until its standard input closes (Playwright's global teardown)."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port  # noqa: E402
from tests.support.stack import Stack  # noqa: E402


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="zimage-e2e-web-"))
    web_port = free_port()
    # One address signs in dozens of browser users within a minute here: lift the gateway's per-address
    # budget for credential requests (auth-service's per-account throttling stays as it is).
    env = {"FRONTEND_PORT": str(web_port), "GATEWAY_RATE_LIMIT_AUTH_IP": "1000/minute"}
    stack = Stack(workdir / "data", env=env)
    # The web app's port must not fall inside the services' block.
    while stack.base <= web_port < stack.base + 4:
        web_port = free_port()
        stack.env["FRONTEND_PORT"] = str(web_port)
    try:
        stack.start(timeout=240)
        print(json.dumps({"web": f"http://127.0.0.1:{web_port}", "api": stack.api}), flush=True)
        sys.stdin.read()  # until the test run closes our stdin
    finally:
        stack.stop()
        log = "\n".join(stack.lines[-200:])
        (Path(tempfile.gettempdir()) / "zimage-e2e-web-stack.log").write_text(log, encoding="utf-8")
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
