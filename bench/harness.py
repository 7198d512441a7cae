"""What every benchmark needs around the code it measures: a database of its own (dropped
afterwards, even on failure), the `loyalty` command, and API servers in processes of their own
(stopped afterwards, even on failure)."""
from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from bench import procfs
from loyalty import db
from loyalty.settings import Settings

REPO = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
WORKERS = 2
SERVER_START_TIMEOUT_S = 180.0  # a loaded 2-core machine starts two workers slowly
SERVER_STOP_TIMEOUT_S = 15.0


def say(text: str) -> None:
    print(text, flush=True)


def database_url(name: str) -> str:
    """The admin URL with its database replaced by `name`."""
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def libpq_args(name: str) -> list[str]:
    """Connection options for pgbench and psql: the admin URL's host, port and user."""
    parts = urlsplit(ADMIN_URL)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        args += ["-U", parts.username]
    return [*args, name]


def libpq_env() -> dict[str, str]:
    env = dict(os.environ)
    password = urlsplit(ADMIN_URL).password
    if password:
        env["PGPASSWORD"] = password
    return env


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def scratch_database(label: str) -> AsyncIterator[str]:
    """A new, empty database named bench_<label>_<pid>_<random>; yields its name. Only a
    database made here is ever dropped."""
    name = f"bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def scratch_dir(label: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{label}-") as path:
        yield Path(path)


def settings_for(database: str, data_dir: Path) -> Settings:
    """The settings that the servers of a run get, for seeding in this process."""
    return Settings(_env_file=None, **_setting_values(database, data_dir))


def _setting_values(database: str, data_dir: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url(database),
        "REDIS_URL": REDIS_URL,
        "LOYALTY_ENV": "development",
        "DATA_DIR": str(data_dir),
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
    }


def server_env(database: str, data_dir: Path) -> dict[str, str]:
    """This process's environment without any loyalty setting of its own, plus the run's."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTING_NAMES}
    env.update(_setting_values(database, data_dir))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


_SETTING_NAMES = {field.alias for field in Settings.model_fields.values() if field.alias}


def loyalty_command(*args: str) -> list[str]:
    """The `loyalty` console script of this virtualenv (api.cli:main)."""
    return [sys.executable, "-m", "api.cli", *args]


def run_loyalty(env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(loyalty_command(*args), env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"loyalty {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


@contextlib.asynccontextmanager
async def domain(settings: Settings) -> AsyncIterator[None]:
    """Tortoise connected to the run's database in this process, for seeding."""
    await db.init(settings)
    try:
        yield
    finally:
        await db.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """An HTTP server in a process group of its own, so that stopping it stops its workers."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], cwd: Path, port: int, workers: int):
        self.name = name
        self.workers = workers
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = cwd / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: those of the group, but its supervisor, that
        listen on the port (not, say, multiprocessing's resource tracker)."""
        members = [pid for pid in procfs.group_members(self.process.pid) if pid != self.process.pid]
        return procfs.listening_on(members, self.port)

    def connections_per_worker(self) -> dict[int, int]:
        return procfs.connections_on_port(self.worker_pids(), self.port)

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                answered = httpx.get(self.base_url + path, timeout=1.0).status_code == 200
                if answered and len(self.worker_pids()) == self.workers:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {path} within {SERVER_START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the group (uvicorn's supervisor stops its workers), SIGKILL after a
        timeout; then SIGKILL to any process of the group that outlived its supervisor.
        The group is signalled only while its leader, our child, is alive; later, only the
        processes seen in it before, and still in it, are."""
        members = procfs.group_members(self.process.pid)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in set(procfs.group_members(self.process.pid)) & set(members):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._log.close()

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def loyalty_server(env: dict[str, str], cwd: Path) -> contextlib.AbstractContextManager[Server]:
    """`loyalty serve --workers 2 --no-migrate` on a free port."""
    port = free_port()
    command = loyalty_command(
        "serve", "--workers", str(WORKERS), "--no-migrate", "--port", str(port), "--log-level", "warning"
    )
    return _serving_on(port, "loyalty", command, env, cwd, "/readyz")


@contextlib.contextmanager
def _serving_on(
    port: int, name: str, command: list[str], env: dict[str, str], cwd: Path, ready_path: str
) -> Iterator[Server]:
    server = Server(name, command, env, cwd, port, WORKERS)
    try:
        server.wait_ready(ready_path)
        yield server
    finally:
        server.stop()


def uvicorn_server(name: str, app: str, env: dict[str, str], cwd: Path, ready_path: str) -> contextlib.AbstractContextManager[Server]:
    """An ASGI app factory under uvicorn, with the same worker count as `loyalty serve`."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(WORKERS), "--log-level", "warning", "--no-proxy-headers",
    ]
    return _serving_on(port, name, command, env, cwd, ready_path)


def flush_redis() -> None:
    """Empties the benchmarks' Redis database (rate-limit counters of the run)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def install_sigterm_exit() -> None:
    """SIGTERM unwinds like Ctrl-C, so that the cleanup in `finally` blocks runs."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def main(run: Callable[[], Awaitable[object]]) -> None:
    """Runs a benchmark's coroutine as a script: cleanly stopped by SIGTERM too."""
    install_sigterm_exit()
    asyncio.run(run())
