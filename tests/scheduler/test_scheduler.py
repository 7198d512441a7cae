"""The scheduler: every job of loyalty.jobs.JOBS in its order at its time in the program's
time zone, missed days caught up with their own moments, one active scheduler at a time."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from loyalty import clock, jobs
from loyalty.schedule import SchedulerRun
from tests.conftest import make_settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")  # the demo program's time zone


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(timezone.utc)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, datetime]]:
    """Every job of JOBS, still run, with each call recorded as (name, now)."""
    calls: list[tuple[str, datetime]] = []

    def recording(name: str, job: jobs.Job) -> jobs.Job:
        async def run(now: datetime) -> int:
            calls.append((name, now))
            return await job(now)
        return run

    monkeypatch.setattr(jobs, "JOBS", {name: recording(name, job) for name, job in jobs.JOBS.items()})
    return calls


async def finished(job: str, day: date) -> None:
    moment = local(day.year, day.month, day.day, 3)
    await SchedulerRun.create(job=job, day=day, ran_for=moment, started_at=moment, finished_at=moment, changed=0)


async def run_due_at(settings, moment: datetime):
    from workers.scheduler import run_due

    with clock.frozen_at(moment):
        return await run_due(settings)


async def test_missed_days_are_caught_up_in_order_with_their_own_now(runtime, workdir, recorded) -> None:
    settings = make_settings(workdir, SCHEDULE_DAILY_AT="03:00")
    names = list(jobs.JOBS)
    for name in names:
        await finished(name, date(2026, 3, 1))
    now = local(2026, 3, 4, 5)

    made = await run_due_at(settings, now)

    expected = [(name, local(2026, 3, 2, 3)) for name in names]
    expected += [(name, local(2026, 3, 3, 3)) for name in names]
    expected += [(name, now) for name in names]
    assert recorded == expected
    assert [(r.job, r.day) for r in made] == [
        (name, date(2026, 3, d)) for d in (2, 3, 4) for name in names
    ]
    rows = await SchedulerRun.filter(day__gt=date(2026, 3, 1)).order_by("day", "id").values_list(
        "job", "day", "attempts", "ran_for"
    )
    assert [(job, day, attempts) for job, day, attempts, _ in rows] == [
        (name, date(2026, 3, d), 1) for d in (2, 3, 4) for name in names
    ]
    assert all(ran_for == moment for (_, _, _, ran_for), (_, moment) in zip(rows, expected))

    recorded.clear()
    assert await run_due_at(settings, now + timedelta(hours=1)) == []
    assert recorded == []


async def test_a_job_runs_at_its_time_and_holds_back_the_jobs_after_it(runtime, workdir, recorded) -> None:
    names = list(jobs.JOBS)
    first = names[0]
    settings = make_settings(workdir, SCHEDULE_DAILY_AT="02:00", SCHEDULE_JOB_TIMES=f"{first}=06:00")

    assert await run_due_at(settings, local(2026, 3, 4, 5, 59)) == []
    assert recorded == []

    at = local(2026, 3, 4, 6, 0)
    made = await run_due_at(settings, at)
    assert [r.job for r in made] == names
    assert recorded == [(name, at) for name in names]


async def test_the_program_time_zone_sets_the_day(runtime, workdir, recorded) -> None:
    # 23:30 UTC on 3 March is 00:30 on 4 March in Amsterdam: the 4th's run at 00:15 is due.
    settings = make_settings(workdir, SCHEDULE_DAILY_AT="00:15")
    made = await run_due_at(settings, datetime(2026, 3, 3, 23, 30, tzinfo=timezone.utc))
    assert {(r.job, r.day) for r in made} == {(name, date(2026, 3, 4)) for name in jobs.JOBS}


async def test_a_failed_job_is_retried_and_holds_back_the_jobs_after_it(runtime, workdir, monkeypatch) -> None:
    names = list(jobs.JOBS)
    calls: list[str] = []
    failing = {"left": 1}

    async def flaky(now: datetime) -> int:
        calls.append("flaky")
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("the database went away")
        return 0

    def recording(name: str, job: jobs.Job) -> jobs.Job:
        async def run(now: datetime) -> int:
            calls.append(name)
            return await job(now)
        return run

    monkeypatch.setattr(jobs, "JOBS", {"flaky": flaky, **{n: recording(n, j) for n, j in jobs.JOBS.items()}})
    settings = make_settings(workdir, SCHEDULE_DAILY_AT="03:00")
    at = local(2026, 3, 4, 4)

    assert await run_due_at(settings, at) == []
    assert calls == ["flaky"]
    row = await SchedulerRun.get(job="flaky", day=date(2026, 3, 4))
    assert (row.finished_at, row.error, row.attempts) == (None, "RuntimeError: the database went away", 1)

    made = await run_due_at(settings, at + timedelta(minutes=1))
    assert [r.job for r in made] == ["flaky", *names]
    assert calls == ["flaky", "flaky", *names]
    row = await SchedulerRun.get(job="flaky", day=date(2026, 3, 4))
    assert (row.error, row.attempts, row.finished_at is not None) == (None, 2, True)


def test_bad_schedule_settings_are_refused_before_starting(workdir) -> None:
    from loyalty.schedule import ScheduleError, parse_job_times, parse_time

    with pytest.raises(ScheduleError, match="'25:00' is not a time of day as HH:MM"):
        parse_time("25:00")
    with pytest.raises(ScheduleError, match="'nightly=03:00': expected job=HH:MM"):
        parse_job_times("nightly=03:00", jobs.JOBS)
