"""Adjustments under real concurrency: two `loyalty serve` processes on PostgreSQL take requests
fired at once, each on a connection of its own. One idempotency key applies once, debits never
take a balance below zero, a block and a redemption never both win; verify-ledger finds nothing
after each scenario."""
from __future__ import annotations

from collections import Counter
from typing import Any

from loyalty.audit.models import AuditEntry
from loyalty.ledger.models import Transfer
from loyalty.members.models import Member
from loyalty.runtime import Runtime
from loyalty.staff.models import Adjustment
from tests.conftest import requires_postgres
from tests.rewards import grant, new_member, points
from tests.rewards.test_concurrency import assert_ledger_is_consistent
from tests.staff import ADJUST_POINTS, staff_key
from tests.support.concurrency import base_rate_settings, module_runtime, post_at_once, servers  # noqa: F401 - fixtures

pytestmark = requires_postgres


def adjust(key: str, number: str, points: int, idempotency_key: str) -> tuple[str, str, dict[str, Any]]:
    return key, ADJUST_POINTS, {"input": {"memberNumber": number, "points": points, "reason": "Goodwill",
                                          "idempotencyKey": idempotency_key}}


async def number_of(member_id: int) -> str:
    return (await Member.get(id=member_id)).member_number


async def test_20_duplicates_of_one_key_at_once_apply_once(servers, module_runtime: Runtime, settings):
    key, member_id = await staff_key(), await new_member()
    number = await number_of(member_id)

    payloads = await post_at_once(servers, [adjust(key, number, 250, "one-key")] * 20)

    assert [p["errors"] for p in payloads] == [[]] * 20
    assert [p["wallet"]["points"] for p in payloads] == [250] * 20
    assert await points(member_id) == 250
    assert await Adjustment.filter(member_id=member_id).count() == 1
    assert await Transfer.filter(member_id=member_id).count() == 1
    assert await AuditEntry.filter(member_id=member_id).count() == 1
    await assert_ledger_is_consistent(settings)


async def test_20_debits_of_100_at_once_from_1000_points_take_exactly_10(servers, module_runtime: Runtime, settings):
    key, member_id = await staff_key(), await new_member()
    await grant(member_id, 1000)
    number = await number_of(member_id)

    payloads = await post_at_once(servers, [adjust(key, number, -100, f"take-{i}") for i in range(20)])

    assert Counter(e["code"] for p in payloads for e in p["errors"]) == {"INSUFFICIENT_POINTS": 10}
    assert sum(1 for p in payloads if not p["errors"]) == 10
    assert await points(member_id) == 0
    assert await Adjustment.filter(member_id=member_id).count() == 10
    assert await AuditEntry.filter(member_id=member_id).count() == 10
    await assert_ledger_is_consistent(settings)
