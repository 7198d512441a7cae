"""The nightly job: every member's RFM scores and segment, in one set-based statement."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from loyalty import changes, sql
from loyalty.ledger.expiry import current_program
from loyalty.money import to_minor
from loyalty.program.spec import Program
from loyalty.program.segments import Segments

_BOUNDS = ("recency", "recency", "frequency", "frequency", "monetary", "monetary")


def _score(column: str, zero_when: str, thresholds: int) -> str:
    """0 when `zero_when`, else 1 plus the number of thresholds `column` reaches (the
    thresholds are parameters, highest first)."""
    steps = " ".join(f"WHEN {column} >= ? THEN {thresholds + 1 - i}" for i in range(thresholds))
    return f"CASE WHEN {zero_when} THEN 0 {steps} ELSE 1 END"


def _segment_case(segments: Segments) -> tuple[str, list[Any]]:
    """The first rule whose bounds the scores meet, or null."""
    if not segments.rules:
        return "NULL", []
    whens, params = [], []
    for rule in segments.rules:
        whens.append("WHEN recency >= ? AND recency <= ? AND frequency >= ? AND frequency <= ? "
                     "AND monetary >= ? AND monetary <= ? THEN ?")
        params += [*rule.bounds(), rule.code]
    return f"CASE {' '.join(whens)} ELSE NULL END", params


def scores_query(program: Program, segments: Segments, now: datetime) -> tuple[str, list[Any]]:
    """SELECT member_id, segment, recency, frequency, monetary for every member who joined by
    `now`, from their purchases up to `now`."""
    window_start = now - timedelta(days=segments.window_days)
    minor = program.program.minor_units
    recency = _score("last_at", "last_at IS NULL", 4)
    frequency = _score("n", "n = 0", 4)
    monetary = _score("spend", "spend <= 0", 4)
    segment, segment_params = _segment_case(segments)
    query = (
        f"SELECT member_id, {segment} AS segment, recency, frequency, monetary FROM ("
        f" SELECT member_id, {recency} AS recency, {frequency} AS frequency, {monetary} AS monetary FROM ("
        "  SELECT m.id AS member_id, p.last_at AS last_at, COALESCE(p.n, 0) AS n, COALESCE(p.spend, 0) AS spend "
        "  FROM members m LEFT JOIN ("
        "   SELECT member_id, MAX(occurred_at) AS last_at, "
        "   SUM(CASE WHEN occurred_at >= ? AND amount_minor > refunded_minor THEN 1 ELSE 0 END) AS n, "
        "   SUM(CASE WHEN occurred_at >= ? THEN amount_minor - refunded_minor ELSE 0 END) AS spend "
        "   FROM purchases WHERE occurred_at <= ? GROUP BY member_id"
        "  ) p ON p.member_id = m.id WHERE m.joined_at <= ?"
        " ) facts"
        ") scored"
    )
    # Recency bounds: the last purchase at or after now - days, the shortest window first.
    recency_params = [now - timedelta(days=days) for days in segments.recency_days]
    frequency_params = list(reversed(segments.frequency))
    monetary_params = [to_minor(amount, minor) for amount in reversed(segments.monetary)]
    params = [*segment_params, *recency_params, *frequency_params, *monetary_params,
              window_start, window_start, now, now]
    return query, params


async def score_members(now: datetime, program: Program | None = None) -> int:
    """Replaces every member's scores and segment with those of `now`. Idempotent: the same
    `now` gives the same rows. Returns the members scored (0 without [segments])."""
    program = program or await current_program()
    if program.segments is None:
        return 0
    query, params = scores_query(program, program.segments, now)
    async with changes.set_based_change():
        await sql.execute("DELETE FROM member_segments")
        await sql.execute(
            "INSERT INTO member_segments (member_id, segment, recency, frequency, monetary, computed_at) "
            f"SELECT member_id, segment, recency, frequency, monetary, ? FROM ({query}) s",
            now, *params,
        )
        # Counted, not taken from the INSERT: PostgreSQL's driver reports no row count for it.
        row = await sql.fetch_one("SELECT COUNT(*) AS n FROM member_segments")
    return int(row["n"]) if row else 0
