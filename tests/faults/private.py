"""Servers of a test's own, on free ports, that the test may stop, restart or pause:
a redis-server without persistence, and a PostgreSQL server made with initdb in a temporary
folder. Nothing else is ever stopped: the shared servers stay untouched."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_USER = "postgres"
REDIS_SERVER = shutil.which("redis-server")

requires_redis_server = pytest.mark.skipif(REDIS_SERVER is None, reason="needs the redis-server program")
requires_pg_ctl = pytest.mark.skipif(
    not (PG_BIN / "pg_ctl").exists() or (os.geteuid() == 0 and shutil.which("runuser") is None),
    reason=f"needs initdb and pg_ctl in {PG_BIN} (and runuser, as root)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answers on port {port}")
        time.sleep(0.05)


@dataclass
class RedisServer:
    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port)

    def stop(self) -> None:
        """SIGKILL: whatever it held is gone (it persists nothing)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Killed and started again, empty: a Redis restarted without persistence."""
        self.stop()
        self.start()

    def pause(self) -> None:
        """SIGSTOP: it keeps its port (connections are accepted) but answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    folder.mkdir(parents=True, exist_ok=True)
    server = RedisServer(free_port(), folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, its programs run as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_USER, "--", *command]
    return command


@dataclass
class PostgresServer:
    port: int
    data: Path
    log: Path

    def url(self, database: str = "loyalty") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(_as_owner([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]), check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        self._ctl("-l", str(self.log), "-w", "-t", "30", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off "
                  "-c max_connections=60 -c shared_buffers=16MB", "start")

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once (their transactions roll back); `immediate`
        is a crash: the server recovers from its write-ahead log when started again."""
        self._ctl("-m", mode, "-w", "-t", "30", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_database(self, name: str = "loyalty") -> str:
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                       check=True, capture_output=True, timeout=60)
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the caller's own (user postgres, trust, in a temporary folder),
    started; stopped and removed after."""
    folder = Path(tempfile.mkdtemp(prefix="loyalty-pg-"))
    try:
        folder.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(folder, PG_USER, PG_USER)
        data = folder / "data"
        subprocess.run(_as_owner([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                  "--no-sync"]), check=True, capture_output=True, timeout=120)
        server = PostgresServer(free_port(), data, folder / "postgres.log")
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.SubprocessError):
                server.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
