"""The change feed: each transaction that changes members names them in PostgreSQL
notifications, delivered to listening sessions at its commit and never after a rollback."""
from __future__ import annotations

import asyncio

import pytest

from loyalty import changes
from loyalty.change_feed import BULK_MEMBERS, CHANNEL, connect_like_the_pool, origin, parse, payloads
from tests.conftest import requires_postgres


def test_many_members_are_named_in_payloads_postgresql_accepts() -> None:
    members = range(1_000_000, 1_000_000 + BULK_MEMBERS)
    sent = payloads(members, sender="a1b2c3")
    assert len(sent) == 2  # 8 bytes a member, under 7,900 a payload
    assert all(len(p.encode()) < 8000 for p in sent)
    assert [parse(p)[0] for p in sent] == ["a1b2c3"] * 2
    assert frozenset().union(*(parse(p)[1] for p in sent)) == frozenset(members)


def test_a_change_to_more_members_than_the_bulk_size_is_one_payload_for_everyone() -> None:
    sent = payloads(range(1, BULK_MEMBERS + 2), sender="a1b2c3")
    assert sent == ["a1b2c3 *"]
    assert parse(sent[0]) == ("a1b2c3", None)


@pytest.fixture
async def listening(clean_db):
    """The payloads heard by a session of the test's own."""
    connection = await connect_like_the_pool()()
    heard: list[str] = []
    await connection.add_listener(CHANNEL, lambda _c, _pid, _channel, payload: heard.append(payload))
    yield heard
    await connection.close()


async def heard_after(heard: list[str], count: int) -> list[str]:
    for _ in range(200):
        if len(heard) >= count:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # and nothing more
    return heard


@requires_postgres
async def test_a_member_change_is_announced_at_its_commit_and_not_before(listening) -> None:
    async with changes.member_change():
        changes.touch([7, 3])
        await asyncio.sleep(0.2)
        assert listening == []
    assert await heard_after(listening, 1) == [f"{origin()} 3,7"]


@requires_postgres
async def test_a_change_that_rolls_back_is_not_announced(listening) -> None:
    with pytest.raises(RuntimeError):
        async with changes.member_change():
            changes.touch(7)
            raise RuntimeError("refused")
    with pytest.raises(RuntimeError):
        async with changes.set_based_change():
            changes.touch(8)
            raise RuntimeError("refused")
    assert await heard_after(listening, 1) == []


@requires_postgres
async def test_a_set_based_change_is_announced_once_at_its_commit(listening) -> None:
    async with changes.set_based_change():
        changes.touch([1, 2])
        changes.touch(3)
    assert await heard_after(listening, 1) == [f"{origin()} 1,2,3"]
