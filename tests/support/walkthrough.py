"""Runs the documentation's ```sh blocks as a reader would: in order, in one bash session (so the
variables and functions one block sets are there for the next), from a folder of their own
against a `loyalty serve --demo-data` started here, with the clock moved to a chosen moment.

The clock: every process gets CLOCK_SHIFT_SECONDS (loyalty/clock.py), and a `date` first on
PATH answers as GNU date would at the shifted moment (`date -d '+15 days'` included), so the
server, `loyalty run-job` and the shell agree on "now".
"""
from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tests.support.servers import LOYALTY, Server, _stop, _wait_until_healthy, free_port

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```sh\s*$")
DONE = "\x1eDONE"
STEP_TIMEOUT = 60.0
START_TIMEOUT = 120.0

DATE_SHIM = """#!/usr/bin/env bash
# GNU date at the moment CLOCK_SHIFT_SECONDS away from now (as loyalty/clock.py shifts it).
real={real}
now=$("$real" -u -d "@$(( $("$real" +%s) + ${{CLOCK_SHIFT_SECONDS:-0}} ))" '+%Y-%m-%d %H:%M:%SZ')
# A date given as a moment stays as it is; one relative to now ('+15 days') counts from the shifted now.
moment() {{ case "$1" in [0-9]*|@*) printf '%s' "$1" ;; *) printf '%s %s' "$now" "$1" ;; esac; }}
args=() given=""
while [ $# -gt 0 ]; do
  case "$1" in
    -d|--date) args+=(-d "$(moment "$2")"); given=1; shift 2 ;;
    --date=*) args+=(-d "$(moment "${{1#--date=}}")"); given=1; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
[ -n "$given" ] || args=(-d "$now" "${{args[@]}}")
exec "$real" "${{args[@]}}"
"""


def sh_blocks(page: Path, section: str | None = None) -> list[tuple[int, str]]:
    """The page's ```sh blocks in order (those under the heading `section` to the next heading
    of its level, when given), each with the line number of its first line."""
    blocks: list[tuple[int, str]] = []
    lines: list[str] | None = None
    start = 0
    inside = section is None
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if lines is None:
            if section is not None and line.startswith("#"):
                inside = line.strip() == section
            if inside and FENCE.match(line):
                lines, start = [], number + 1
        elif line.strip() == "```":
            blocks.append((start, "\n".join(lines)))
            lines = None
        else:
            lines.append(line)
    return blocks


def commands(block: str) -> list[str]:
    """A block cut into complete commands (a `for` loop or a quoted string over several lines
    stays one), as bash's own parser (`bash -n`) sees them."""
    found: list[str] = []
    pending: list[str] = []
    for line in block.splitlines():
        pending.append(line)
        text = "\n".join(pending)
        if not text.strip():
            pending = []
            continue
        if subprocess.run(["bash", "-n"], input=text, text=True, capture_output=True).returncode == 0:
            found.append(text)
            pending = []
    assert not pending, f"an incomplete command at the end of a block: {pending}"
    return found


@dataclass
class Output:
    command: str
    text: str
    status: int

    def json(self) -> object:
        """The one JSON document the command printed."""
        return json.loads(self.text)


class Bash:
    """One bash process fed command by command; each command's output (stdout and stderr)
    and exit status come back separately."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"], cwd=cwd, env=env, text=True, bufsize=1,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, command: str, timeout: float = STEP_TIMEOUT) -> Output:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\nprintf '\\n{DONE} %s\\n' $?\n")
        self.process.stdin.flush()
        collected: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no end of {command!r} in {timeout} s; so far: {''.join(collected)}") from None
            if line is None:
                raise AssertionError(f"bash ended during {command!r}: {''.join(collected)}")
            if line.startswith(DONE):
                text = "".join(collected)
                return Output(command, text[:-1] if text.endswith("\n") else text, int(line.split()[1]))
            collected.append(line)

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@dataclass
class Demo:
    """A `loyalty serve --demo-data` on a free port, as `scripts/run` serves it, and the
    environment every process of the walk-through gets."""

    folder: Path
    env: dict[str, str]
    url: str = ""
    server: Server | None = None
    log_path: Path = field(default_factory=Path)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def member_number(self) -> str:
        """The demo member's number, as the start printed it."""
        found = re.findall(r"Demo data: member \S+ / \S+ \(number (\d+)\)", self.log())
        assert found, self.log()
        return found[-1]

    def start(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env["PUBLIC_URL"] = self.url
        self.log_path = self.folder / f"serve-{port}.log"
        with open(self.log_path, "wb") as log:
            process = subprocess.Popen(
                [str(LOYALTY), "serve", "--demo-data", "--host", "127.0.0.1", "--port", str(port),
                 "--log-level", "warning"],
                cwd=self.folder, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        self.server = Server(self.url, process, self.log_path)
        _wait_until_healthy(self.server, time.monotonic() + START_TIMEOUT)

    def stop(self) -> None:
        if self.server is not None:
            _stop(self.server)
        self.server = None


def shift_to(moment: datetime) -> int:
    """CLOCK_SHIFT_SECONDS that puts "now" at `moment`."""
    return round((moment - datetime.now(timezone.utc)).total_seconds())


@contextlib.contextmanager
def demo_folder(base: Path, settings_env: dict[str, str], moment: datetime | None) -> Iterator[tuple[Path, dict[str, str]]]:
    """A folder to run the doc from (with `.venv` leading to this checkout's) and the
    environment for it: the given settings, a `date` shim first on PATH, the clock at `moment`."""
    folder = base / "repo"
    folder.mkdir()
    (folder / ".venv").symlink_to(Path(LOYALTY).parent.parent)
    shims = base / "bin"
    shims.mkdir()
    real_date = shutil.which("date")
    assert real_date, "GNU date is needed"
    (shims / "date").write_text(DATE_SHIM.format(real=real_date))
    (shims / "date").chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JWT_", "PROGRAM_FILE", "DATABASE_URL", "REDIS_", "DATA_DIR", "TEST_"))}
    env.update({
        "PATH": f"{shims}:{os.environ['PATH']}",
        "TZ": "UTC",
        "LOYALTY_ENV": "development",
        "PASSWORD_HASH_MEMORY_KIB": "1024",
        "PASSWORD_HASH_TIME_COST": "1",
        "PYTHONUNBUFFERED": "1",
        "CLOCK_SHIFT_SECONDS": str(shift_to(moment)) if moment else "0",
        **settings_env,
    })
    yield folder, env
