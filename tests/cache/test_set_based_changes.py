"""Set-based changes report the members they touched to the after-commit hooks (caches,
live updates): after their commit, never after a rollback."""
from __future__ import annotations

import pytest

from loyalty import changes


@pytest.fixture
def heard():
    calls: list[frozenset[int]] = []

    async def hook(member_ids: frozenset[int]) -> None:
        calls.append(member_ids)

    changes.after_commit(hook)
    yield calls
    changes.remove_hook(hook)


async def test_a_set_based_change_reports_its_members_after_commit(clean_db, heard) -> None:
    async with changes.set_based_change():
        changes.touch([1, 2])
        changes.touch(3)
        assert heard == []
    assert heard == [frozenset({1, 2, 3})]


async def test_a_set_based_change_that_rolls_back_reports_nothing(clean_db, heard) -> None:
    with pytest.raises(RuntimeError):
        async with changes.set_based_change():
            changes.touch(1)
            raise RuntimeError("failed")
    assert heard == []


async def test_collecting_reports_the_members_of_its_changes_once_at_its_end(clean_db, heard) -> None:
    async with changes.collecting() as collected:
        async with changes.set_based_change():
            changes.touch(1)
        async with changes.set_based_change():
            changes.touch(2)
        assert heard == []
        assert collected == {1, 2}
    assert heard == [frozenset({1, 2})]


async def test_a_set_based_change_with_no_member_reports_nothing(clean_db, heard) -> None:
    async with changes.set_based_change():
        pass
    assert heard == []
