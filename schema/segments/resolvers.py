from __future__ import annotations

from loyalty.members.models import Member as MemberRow
from loyalty.segments.conditions import scores_of
from schema.segments.types import RfmScores


async def rfm_of(row: MemberRow) -> RfmScores | None:
    scores = await scores_of(row.id)
    if scores is None:
        return None
    return RfmScores(recency=scores.recency, frequency=scores.frequency, monetary=scores.monetary,
                     computed_at=scores.computed_at)
