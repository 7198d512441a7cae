from datetime import timedelta

from loyalty.jobs import JOBS
from loyalty.segments.models import MemberSegment
from loyalty.segments.scoring import score_members
from tests.segments.scene import NOW, five_members
from tests.support.cli import run_cli


async def _rows() -> list[tuple]:
    rows = await MemberSegment.all().order_by("member_id")
    return [(r.member_id, r.segment, r.recency, r.frequency, r.monetary, r.computed_at) for r in rows]


async def test_each_member_gets_exact_rfm_scores_and_the_first_segment_they_fit(runtime):
    m = await five_members(runtime.program.program)
    assert await score_members(NOW, runtime.program.program) == 5
    assert await _rows() == [
        (m.ann, "champions", 5, 5, 5, NOW),  # EUR 1,560 in 13 purchases, the last a day ago
        (m.bob, "at_risk", 2, 3, 3, NOW),  # EUR 500 in 5 purchases, the last 200 days ago
        (m.cat, "lapsed", 1, 0, 0, NOW),  # nothing in the last year
        (m.dan, None, 0, 0, 0, NOW),  # never bought: no rule fits
        (m.eve, None, 5, 1, 1, NOW),  # EUR 60 kept of one purchase ten days ago
    ]


async def test_the_scoring_is_idempotent_and_a_later_night_rescores_everyone(runtime):
    await five_members(runtime.program.program)
    await score_members(NOW, runtime.program.program)
    first = await _rows()
    assert await score_members(NOW, runtime.program.program) == 5
    assert await _rows() == first
    later = NOW + timedelta(days=170)  # Ann last bought 175 days before; Bob 370: out of the year
    assert await score_members(later, runtime.program.program) == 5
    assert [row[1:5] for row in await _rows()] == [
        ("loyal", 3, 5, 5), ("lapsed", 1, 0, 0), ("lapsed", 1, 0, 0), (None, 0, 0, 0), (None, 3, 1, 1),
    ]


async def test_the_job_runs_after_every_job_that_changes_the_day_and_from_the_command(runtime, settings):
    assert list(JOBS)[-2:] == ["score-segments", "verify-ledger"]  # only the ledger check comes after
    m = await five_members(runtime.program.program)
    done = await run_cli(settings, "run-job", "score-segments", "--now", NOW.isoformat())
    assert done.returncode == 0, done.stderr
    assert [(row[0], row[1]) for row in await _rows()] == [
        (m.ann, "champions"), (m.bob, "at_risk"), (m.cat, "lapsed"), (m.dan, None), (m.eve, None)]


async def test_a_program_without_segments_scores_nobody(runtime):
    program = runtime.program.program.model_copy(update={"segments": None})
    await five_members(runtime.program.program)
    assert await score_members(NOW, program) == 0
    assert await _rows() == []
