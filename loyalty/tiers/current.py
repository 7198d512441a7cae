"""The tier level a member holds at a moment: what the earning pipeline and the rewards read."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime

from loyalty.program.spec import Program, TierLevel
from loyalty.tiers import granted, state as states


class Known:
    """What a request has read already of a member's tier: the level it holds at a moment,
    from its tier state's values and the grant of its paid plan."""

    def __init__(self, level: str, override_level: str | None, override_until: datetime | None,
                 grant: granted.Grant) -> None:
        self.level, self.override_level, self.override_until, self.grant = level, override_level, override_until, grant


_known: ContextVar[dict[int, Known] | None] = ContextVar("known_tiers", default=None)


@contextlib.contextmanager
def knowing(member_id: int, known: Known) -> Iterator[None]:
    """Inside the block, `level_for` answers for `member_id` from `known`, without reading."""
    token = _known.set({**(_known.get() or {}), member_id: known})
    try:
        yield
    finally:
        _known.reset(token)


async def level_for(program: Program, member_id: int, at: datetime) -> TierLevel:
    """The level `member_id` holds at `at`: an operator's setting while it lasts, else the
    level earned (the entry level until the member has one); at least the level an ACTIVE
    paid plan grants (`grants_tier`, see `loyalty.tiers.granted`)."""
    known = (_known.get() or {}).get(member_id)
    if known is not None:
        rank = states.rank_held(program, known.level, known.override_level, known.override_until, at)
        return program.tier_levels[max(rank, known.grant.rank)]
    state = await states.load_state(member_id)
    rank = states.effective_rank(program, state, at)
    grant = await granted.grant_at(program, member_id, at)
    return program.tier_levels[max(rank, grant.rank)]
