"""A throwaway PostgreSQL cluster of our own (`initdb` + `pg_ctl`) on a free loopback port, for tests
that stop the database the hard way. The machine's shared server (TEST_POSTGRES_URL) is never touched.

PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` OS account
(Debian's package creates it) and every command runs through `runuser`; otherwise it is the current
user's. `fsync` is off: the tests crash the server process, never the machine, and the kernel keeps
what was written — commits are still written to the WAL before they return (`synchronous_commit` on).
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

from tests.support.servers import free_port


def _bin_dir() -> Path:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("initdb/pg_ctl are required for the PostgreSQL fault tests (apt-get install postgresql)")
    return Path(found[-1]).parent


class PostgresCluster:
    def __init__(self, database: str = "zimage") -> None:
        self.bin = _bin_dir()
        self.port = free_port()
        self.database = database
        self.owner = "postgres" if os.geteuid() == 0 else None
        # not under pytest's tmp_path: that is private to root, and the server may run as `postgres`
        self.root = Path(tempfile.mkdtemp(prefix="zimage-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if self.owner:
            account = pwd.getpwnam(self.owner)
            os.chown(self.root, account.pw_uid, account.pw_gid)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self.owner:
            cmd = ["runuser", "-u", self.owner, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.root)
        if check and done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(argv[:2])} failed ({done.returncode}): {done.stderr}{done.stdout}\n{tail}")
        return done

    def create(self) -> PostgresCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        asyncio.run(self._execute(f'CREATE DATABASE "{self.database}"', "postgres"))
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop_immediately(self) -> None:
        """`pg_ctl stop -m immediate`: every server process quits at once, no checkpoint (recovery on start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False).returncode == 0

    def accepts_connections(self) -> bool:
        try:
            asyncio.run(self._execute("SELECT 1", self.database))
        except (OSError, asyncpg.PostgresError):
            return False
        return True

    async def _execute(self, sql: str, database: str) -> None:
        conn = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/{database}", timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def destroy(self) -> None:
        if self.data.exists() and self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.accepts_connections():
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL on port {self.port} not accepting connections after {timeout} s")
            time.sleep(0.2)
