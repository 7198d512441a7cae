"""The members a process has seen not erased (`loyalty.auth.not_erased`): trusted only while
the change feed listens and has caught up, forgotten at the first change heard, bounded."""
from __future__ import annotations

from loyalty.auth.not_erased import NotErased


def _listening(caught_up: list[bool] | None = None, **limits) -> NotErased:
    seen = NotErased(**limits)
    answers = caught_up if caught_up is not None else []

    async def caught() -> bool:
        return answers.pop(0) if answers else True

    seen.caught_up = caught
    seen.resumed()
    return seen


async def test_nothing_is_held_before_the_feed_listens_or_after_it_is_lost():
    seen = NotErased()
    seen.saw(7, seen.mark())
    assert await seen.holds(7) is False
    seen = _listening()
    seen.saw(7, seen.mark())
    assert await seen.holds(7) is True
    seen.lost()
    assert (await seen.holds(7), seen.mark()) == (False, None)
    seen.resumed()  # what was seen before the feed came back is taken as changed
    assert await seen.holds(7) is False


async def test_a_change_heard_forgets_the_member_and_a_read_it_overtook_is_not_kept():
    seen = _listening()
    seen.saw(7, seen.mark())
    seen.saw(8, seen.mark())
    seen.forget({7})
    assert (await seen.holds(7), await seen.holds(8)) == (False, True)
    mark = seen.mark()
    seen.forget({9})  # heard while member 7's row was being read
    seen.saw(7, mark)
    assert await seen.holds(7) is False
    await seen.hook(frozenset({8}))  # this process's own commit
    assert await seen.holds(8) is False


async def test_an_entry_is_not_trusted_when_the_feed_has_not_caught_up():
    seen = _listening(caught_up=[False, True])
    seen.saw(7, seen.mark())
    assert (await seen.holds(7), await seen.holds(7)) == (False, True)


async def test_entries_expire_and_the_oldest_go_past_the_maximum():
    seen = _listening(ttl_seconds=0.0)
    seen.saw(7, seen.mark())
    assert await seen.holds(7) is False
    seen = _listening(max_entries=2)
    for member in (1, 2, 3):
        seen.saw(member, seen.mark())
    assert [await seen.holds(member) for member in (1, 2, 3)] == [False, True, True]
