"""Real `loyalty` processes for tests: API servers on free ports, and one-off commands
(run-job, verify-ledger), all against the test session's database.

They run from an empty working folder (so no `.env` is read) with the settings of the test
session passed in the environment; DATA_DIR is shared, so every process signs and checks
tokens with the same development key.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from loyalty.auth.keys import load_signing_key
from loyalty.settings import Settings

LOYALTY = Path(sys.executable).with_name("loyalty")
START_TIMEOUT = 120.0  # a loaded 2-core machine starts two servers slowly
STOP_TIMEOUT = 10.0


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "PROGRAM_FILE"))}
    env.update({
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "REDIS_PREFIX": settings.redis_namespace,
        "DATA_DIR": str(settings.data_dir),
        "PROGRAM_FILE": str(settings.program_file),
        "LOYALTY_ENV": "development",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def run_command(settings: Settings, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Runs `loyalty <args>` to completion; returns its exit code and output."""
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd:
        return subprocess.run(
            [str(LOYALTY), *args], env=environment(settings), cwd=cwd,
            capture_output=True, text=True, timeout=timeout, check=False,
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _wait_until_healthy(server: Server, deadline: float) -> None:
    with httpx.Client(timeout=1.0) as http:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"the server on {server.url} exited with {server.process.returncode}:\n{server.log()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if http.get(f"{server.url}/healthz").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server on {server.url} did not answer /healthz in time:\n{server.log()}")
            time.sleep(0.05)


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextlib.contextmanager
def running_servers(settings: Settings, count: int = 2, *, log_dir: Path) -> Iterator[list[Server]]:
    """Starts `count` `loyalty serve --no-migrate` processes on free ports of 127.0.0.1, waits
    until each answers /healthz, yields them, and stops them (SIGTERM, then SIGKILL).

    The database must be migrated and hold the program already: servers started together on
    an empty database would race to apply the program file."""
    load_signing_key(settings)  # create the development key once, before the servers read it
    env = environment(settings)
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd, contextlib.ExitStack() as files:
        try:
            for index in range(count):
                port = free_port()
                log_path = log_dir / f"server-{index}-{port}.log"
                log_file = files.enter_context(open(log_path, "wb"))
                process = subprocess.Popen(
                    [str(LOYALTY), "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port),
                     "--log-level", "warning"],
                    env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                )
                servers.append(Server(f"http://127.0.0.1:{port}", process, log_path))
            deadline = time.monotonic() + START_TIMEOUT
            for server in servers:
                _wait_until_healthy(server, deadline)
            yield servers
        finally:
            for server in servers:
                _stop(server)
