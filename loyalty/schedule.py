"""When the daily jobs run: their times in the program's time zone, the record of the runs
made, and which runs are due (including the days missed while no scheduler ran)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from tortoise import fields
from tortoise.models import Model

from loyalty import sql


class SchedulerRun(Model):
    """One run of a daily job for one day of the program calendar: started, then finished."""

    id = fields.BigIntField(primary_key=True)
    job = fields.CharField(max_length=64)
    day = fields.DateField()
    ran_for = fields.DatetimeField()
    attempts = fields.IntField(default=1)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    changed = fields.BigIntField(null=True)
    error = fields.TextField(null=True)

    class Meta:
        table = "scheduler_runs"
        unique_together = (("job", "day"),)


class ScheduleError(ValueError):
    pass


def parse_time(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ScheduleError(f"{text!r} is not a time of day as HH:MM") from None


def parse_job_times(text: str, jobs: Iterable[str]) -> dict[str, time]:
    """`job=HH:MM,job=HH:MM` -> {job: time}; names must be jobs."""
    known = set(jobs)
    times: dict[str, time] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in known:
            raise ScheduleError(f"{part!r}: expected job=HH:MM with a job among {', '.join(sorted(known))}")
        times[name] = parse_time(value)
    return times


@dataclass(frozen=True)
class Schedule:
    """The jobs in their daily order, each with its time of day in `zone`."""

    times: dict[str, time]  # ordered as loyalty.jobs.JOBS
    zone: ZoneInfo
    catch_up_days: int

    def moment(self, job: str, day: date) -> datetime:
        """When `job` is due on `day`, as aware UTC."""
        local = datetime.combine(day, self.times[job], tzinfo=self.zone)
        return local.astimezone(timezone.utc)

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()


@dataclass(frozen=True)
class DueRun:
    job: str
    day: date
    ran_for: datetime  # the `now` the job is given


async def last_finished_days() -> dict[str, date]:
    rows = await sql.fetch(
        "SELECT job, MAX(day) AS day FROM scheduler_runs WHERE finished_at IS NOT NULL GROUP BY job"
    )
    return {r["job"]: _as_date(r["day"]) for r in rows}


async def finished_on(days: Iterable[date]) -> set[tuple[str, date]]:
    days = list(days)
    if not days:
        return set()
    rows = await SchedulerRun.filter(day__in=days, finished_at__isnull=False).values_list("job", "day")
    return {(job, _as_date(day)) for job, day in rows}


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


async def due_runs(schedule: Schedule, now: datetime) -> list[DueRun]:
    """The runs to make at `now`, in order: day by day from the oldest missed day, and in
    each day the jobs in their order. A job waits for the jobs before it on its day (a later
    time holds back the jobs after it). A job never run before starts on the current day;
    days are caught up at most `catch_up_days` back. A missed day's runs are given their
    scheduled moment as `now`, the current day's the actual time."""
    today = schedule.today(now)
    oldest = today - timedelta(days=schedule.catch_up_days)
    last = await last_finished_days()
    start = {job: max(oldest, last[job] + timedelta(days=1)) if job in last else today for job in schedule.times}
    first_day = min(start.values(), default=today)
    days = [first_day + timedelta(days=n) for n in range((today - first_day).days + 1)]
    done = await finished_on(days)
    runs: list[DueRun] = []
    for day in days:
        for job in schedule.times:
            if day < start[job] or (job, day) in done:
                continue
            moment = schedule.moment(job, day)
            if moment > now:
                break  # this job and the ones after it wait for its time
            runs.append(DueRun(job, day, moment if day < today else now))
    return runs


async def record_start(run: DueRun, started_at: datetime) -> None:
    """Marks a run as started (again, when a scheduler stopped in the middle of it)."""
    await sql.execute(
        "INSERT INTO scheduler_runs (job, day, ran_for, attempts, started_at) VALUES (?, ?, ?, 1, ?) "
        "ON CONFLICT (job, day) DO UPDATE SET attempts = scheduler_runs.attempts + 1, "
        "started_at = excluded.started_at, ran_for = excluded.ran_for, error = NULL",
        run.job, run.day, run.ran_for, started_at,
    )


async def record_finish(run: DueRun, finished_at: datetime, changed: int) -> None:
    await SchedulerRun.filter(job=run.job, day=run.day).update(finished_at=finished_at, changed=changed)


async def record_failure(run: DueRun, error: str) -> None:
    await SchedulerRun.filter(job=run.job, day=run.day).update(error=error[:2000])
