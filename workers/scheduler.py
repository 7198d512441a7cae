"""The scheduler: runs the daily domain jobs (loyalty.jobs.JOBS, in their order) at their
configured times in the program's time zone, records each run in scheduler_runs, catches
up the days it missed, and acts only while it holds the leadership (workers.leadership)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timezone
from zoneinfo import ZoneInfo

from tortoise import Tortoise

from loyalty import changes, clock, db, metrics, schedule, tracing
from loyalty.program.store import load_current
from loyalty.settings import Settings
from workers.hooks import installed_hooks
from workers import status
from workers.leadership import Leadership, leadership_for

log = logging.getLogger("loyalty.scheduler")


async def build_schedule(settings: Settings) -> schedule.Schedule:
    """Every job of loyalty.jobs.JOBS in its order, at SCHEDULE_DAILY_AT unless
    SCHEDULE_JOB_TIMES names it, in the time zone of the current program."""
    from loyalty.jobs import JOBS

    daily = schedule.parse_time(settings.schedule_daily_at)
    overrides = schedule.parse_job_times(settings.schedule_job_times, JOBS)
    current = await load_current()
    zone = current.program.program.zone if current is not None else ZoneInfo("UTC")
    times = {name: overrides.get(name, daily) for name in JOBS}
    return schedule.Schedule(times=times, zone=zone, catch_up_days=settings.schedule_catch_up_days)


async def run_due(settings: Settings, still_leader=None) -> list[schedule.DueRun]:
    """One pass: makes every run due now, in order; stops at the first failure (the jobs
    after it wait, in their order, for the next pass). Returns the runs made."""
    from loyalty.jobs import JOBS

    plan = await build_schedule(settings)
    made: list[schedule.DueRun] = []
    for run in await schedule.due_runs(plan, clock.now()):
        if still_leader is not None and not await still_leader():
            break
        job = JOBS.get(run.job)
        if job is None:
            continue
        await schedule.record_start(run, clock.now())
        log.info("job %s for %s started (now=%s)", run.job, run.day, run.ran_for.isoformat())
        started = time.perf_counter()
        try:
            async with changes.collecting():
                with tracing.span(f"job {run.job}", attributes={"job.day": run.day.isoformat()}):
                    changed = await job(run.ran_for.astimezone(timezone.utc))
        except Exception as exc:  # noqa: BLE001 - recorded; retried on the next pass
            log.exception("job %s for %s failed", run.job, run.day)
            metrics.job_run(run.job, time.perf_counter() - started, None, failed=True)
            await schedule.record_failure(run, f"{type(exc).__name__}: {exc}")
            break
        metrics.job_run(run.job, time.perf_counter() - started, int(changed or 0), failed=False)
        await schedule.record_finish(run, clock.now(), int(changed or 0))
        log.info("job %s for %s finished: %s changed", run.job, run.day, changed)
        made.append(run)
    return made


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def _leading(leadership: Leadership, leading: bool) -> bool:
    """Whether this scheduler leads now; an unreachable database or Redis counts as not."""
    try:
        return await (leadership.held() if leading else leadership.acquire())
    except Exception:  # noqa: BLE001 - try again at the next check
        log.exception("the scheduler could not reach its lock")
        return False


async def _lead(settings: Settings, stop: asyncio.Event, leadership: Leadership) -> None:
    leading, standing_by = False, False
    status.watch("scheduler", settings.scheduler_poll_seconds)
    while not stop.is_set():
        with tracing.quiet():
            was_leading, leading = leading, await _leading(leadership, leading)
        if leading and not was_leading:
            log.info("this scheduler is active")
        elif was_leading and not leading:
            log.warning("this scheduler lost the leadership and is standing by")
        elif not leading and not standing_by:
            log.info("another scheduler is active; this one stands by")
        standing_by = not leading
        metrics.SCHEDULER_LEADER.set(1 if leading else 0)
        status.beat("scheduler", leading=leading)
        if leading:
            try:
                with status.busy("scheduler", "running the due jobs"), tracing.quiet():
                    await run_due(settings, leadership.held)
            except Exception:  # noqa: BLE001 - the database may be away; try again next pass
                log.exception("scheduler pass failed")
        await _wait(stop, settings.scheduler_poll_seconds)


def check_settings(settings: Settings) -> None:
    """Raises schedule.ScheduleError for a bad SCHEDULE_DAILY_AT or SCHEDULE_JOB_TIMES."""
    from loyalty.jobs import JOBS

    schedule.parse_time(settings.schedule_daily_at)
    schedule.parse_job_times(settings.schedule_job_times, JOBS)


async def run_scheduler(settings: Settings, stop: asyncio.Event, *, serve_status: bool = True) -> None:
    """Runs until `stop` is set. Only one scheduler acts at a time, however many run. Opens
    the database itself when the process has not. Serves the status port (STATUS_PORT)
    unless `serve_status` is off (the worker that runs it serves its own)."""
    check_settings(settings)  # refuse bad settings before waiting
    opened = not Tortoise._inited
    if opened:
        await db.init(settings)
    leadership = leadership_for(settings)
    log.info("scheduler started: jobs at %s%s, checking every %ss", settings.schedule_daily_at,
             f" ({settings.schedule_job_times})" if settings.schedule_job_times else "",
             settings.scheduler_poll_seconds)
    try:
        checks = {"lease": status.lease_check(leadership.held)} if serve_status else {}
        async with installed_hooks(settings), (status.serving(settings, checks) if serve_status
                                               else contextlib.nullcontext()):
            await _lead(settings, stop, leadership)
    finally:
        await leadership.release()
        if opened:
            await db.close()
