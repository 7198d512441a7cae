"""`loyalty worker` processes and one-off `loyalty` commands with extra settings, for tests."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from loyalty.settings import Settings
from tests.support.servers import LOYALTY, STOP_TIMEOUT, environment


def run_loyalty(settings: Settings, *args: str, env: dict[str, str] | None = None,
                timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd:
        return subprocess.run([str(LOYALTY), *args], env=environment(settings, **(env or {})), cwd=cwd,
                              capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no chance to finish what it holds."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def workers(settings: Settings, *, log_dir: Path, env: dict[str, str]) -> Iterator[callable]:
    """Yields `start()`, which starts one more `loyalty worker` process; stops them all after."""
    started: list[Worker] = []
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd, contextlib.ExitStack() as files:
        def start() -> Worker:
            log_path = log_dir / f"worker-{len(started)}.log"
            log_file = files.enter_context(open(log_path, "wb"))
            process = subprocess.Popen([str(LOYALTY), "worker"], env=environment(settings, **env), cwd=cwd,
                                       stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
            worker = Worker(process, log_path)
            started.append(worker)
            return worker

        try:
            yield start
        finally:
            for worker in started:
                worker.stop()


def channel_env(settings: Settings) -> dict[str, str]:
    """The notification settings of `settings` as environment variables for a process."""
    names = {
        "SMTP_URL": settings.smtp_url, "MAIL_FROM": settings.mail_from, "PUBLIC_URL": settings.public_url,
        "NOTIFY_MAX_ATTEMPTS": settings.notify_max_attempts, "NOTIFY_BACKOFF_SECONDS": settings.notify_backoff_seconds,
        "NOTIFY_LEASE_SECONDS": settings.notify_lease_seconds,
        "WORKER_RECLAIM_SECONDS": settings.worker_reclaim_seconds,
    }
    return {name: str(value) for name, value in names.items() if value is not None}
