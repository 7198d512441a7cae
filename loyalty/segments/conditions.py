"""Segments as a condition: a member's segment, and whether an offer limited to segments
(a promotion's or a reward's `segments`) is open to them."""
from __future__ import annotations

from collections.abc import Iterable

from loyalty.segments.models import MemberSegment


async def segment_of(member_id: int) -> str | None:
    """The segment of the member's latest scoring; None before the first or when no rule matched."""
    row = await MemberSegment.get_or_none(member_id=member_id)
    return row.segment if row is not None else None


async def scores_of(member_id: int) -> MemberSegment | None:
    """The member's row of the latest scoring, if any."""
    return await MemberSegment.get_or_none(member_id=member_id)


def open_to(segments: Iterable[str], segment: str | None) -> bool:
    """An offer without segments is open to every member; one with segments to their members."""
    wanted = tuple(segments)
    return not wanted or segment in wanted
