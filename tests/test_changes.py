"""After-commit hooks of member changes: called once with the touched members, only on commit."""
from __future__ import annotations

import pytest

from loyalty import changes, outbox
from loyalty.outbox import OutboxEvent


@pytest.fixture
def calls():
    seen: list[frozenset[int]] = []

    async def hook(ids: frozenset[int]) -> None:
        seen.append(ids)

    changes.after_commit(hook)
    yield seen
    changes.remove_hook(hook)


async def test_hooks_run_after_commit_with_the_touched_members(clean_db, calls):
    async with changes.member_change():
        await outbox.emit("points.earned", 7, {"points": 1})
        changes.touch([8, 7])
        assert calls == []  # not before the commit
    assert calls == [frozenset({7, 8})]
    assert await OutboxEvent.all().count() == 1


async def test_hooks_do_not_run_when_the_change_rolls_back(clean_db, calls):
    with pytest.raises(RuntimeError):
        async with changes.member_change():
            await outbox.emit("points.earned", 7, {"points": 1})
            raise RuntimeError("boom")
    assert calls == []
    assert await OutboxEvent.all().count() == 0


async def test_nested_changes_commit_once(clean_db, calls):
    async with changes.member_change():
        async with changes.member_change():
            changes.touch(3)
        assert calls == []
    assert calls == [frozenset({3})]


async def test_a_failing_hook_does_not_undo_the_change(clean_db, calls):
    async def broken(ids: frozenset[int]) -> None:
        raise ValueError("cache down")

    changes.after_commit(broken)
    try:
        async with changes.member_change():
            await outbox.emit("points.earned", 5, {"points": 1})
    finally:
        changes.remove_hook(broken)
    assert calls == [frozenset({5})]
    assert await OutboxEvent.all().count() == 1
