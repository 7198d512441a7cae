"""Helpers of the operations tests: a `loyalty serve` process with extra settings and any
number of worker processes, and reading a /metrics scrape."""
from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from loyalty.auth.keys import load_signing_key
from loyalty.settings import Settings
from tests.support.servers import LOYALTY, environment, free_port

START_TIMEOUT = 180.0  # the machine may be busy: importing the app alone can take a while
METRICS_TOKEN = "metrics-token-for-the-tests"


@contextlib.contextmanager
def serving(settings: Settings, log_dir: Path, *args: str, **env: str) -> Iterator[str]:
    """`loyalty serve --no-migrate ARGS` on a free port with the session's settings and `env`;
    yields its base URL once /readyz answers 200."""
    load_signing_key(settings)
    port = free_port()
    log_path = log_dir / f"serve-{port}.log"
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd, open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(LOYALTY), "serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "warning", *args],
            env=environment(settings, **env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"{url}/readyz", process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"exited with {process.returncode}:\n{log_path.read_text(errors='replace')}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        assert time.monotonic() < deadline, f"{url} did not answer 200 in time:\n{log_path.read_text(errors='replace')}"
        time.sleep(0.2)


def scrape(url: str, token: str = METRICS_TOKEN) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics answer, by name and labels."""
    answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def moved(before: dict, after: dict, prefix: str) -> dict:
    """The samples named `prefix...` whose value changed, with the change."""
    names = {key for key in after if key[0].startswith(prefix)}
    return {key: after[key] - before.get(key, 0.0) for key in sorted(names) if after[key] != before.get(key, 0.0)}
