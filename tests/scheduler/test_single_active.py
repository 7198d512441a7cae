"""Several schedulers may run (one per machine, or one in each worker); only one acts. Real
processes: on PostgreSQL they contend for the advisory lock, on SQLite for the lock file."""
from __future__ import annotations

import contextlib
import signal
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from loyalty import jobs
from loyalty.schedule import SchedulerRun
from tests.support.servers import LOYALTY, environment

ACTIVE = "this scheduler is active"


def start_scheduler(settings, log_path: Path, cwd: str) -> subprocess.Popen[bytes]:
    env = environment(settings, SCHEDULE_DAILY_AT="00:00", SCHEDULER_POLL_SECONDS="0.2")
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [str(LOYALTY), "scheduler"], env=env, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )


async def wait_for(condition, timeout: float = 30.0) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_two_schedulers_running_at_once_run_each_job_once(runtime, tmp_path: Path) -> None:
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    names = set(jobs.JOBS)
    logs = [tmp_path / "scheduler-a.log", tmp_path / "scheduler-b.log"]
    with tempfile.TemporaryDirectory(prefix="loyalty-cwd-") as cwd:
        processes = [start_scheduler(runtime.settings, log, cwd) for log in logs]
        try:
            async def all_finished() -> bool:
                done = await SchedulerRun.filter(day=today, finished_at__isnull=False).values_list("job", flat=True)
                return set(done) == names

            await wait_for(all_finished)
            time.sleep(1.0)  # five more passes of each scheduler

            rows = await SchedulerRun.all().values_list("job", "day", "attempts")
            assert sorted(rows) == sorted((name, today, 1) for name in names)
            texts = [log.read_text() for log in logs]
            for name in names:
                assert sum(text.count(f"job {name} for {today} started") for text in texts) == 1
            assert [ACTIVE in text for text in texts].count(True) == 1

            # The active one dies without a word: the other takes over, and runs nothing again.
            active = 0 if ACTIVE in texts[0] else 1
            processes[active].send_signal(signal.SIGKILL)
            processes[active].wait()
            standby = 1 - active

            async def took_over() -> bool:
                return ACTIVE in logs[standby].read_text()

            await wait_for(took_over, timeout=15)
            time.sleep(0.6)
            rows = await SchedulerRun.all().values_list("job", "day", "attempts")
            assert sorted(rows) == sorted((name, today, 1) for name in names)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout=10)
                if process.poll() is None:
                    process.kill()
                    process.wait()
