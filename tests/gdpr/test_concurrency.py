"""Erasure under real concurrency (PostgreSQL, two `loyalty serve` processes): twenty erasures
of one member at once, half with one key and half with others, erase once and all answer the
same time; purchases racing the erasure either land before it (and are forfeited) or are
refused; the ledger stays consistent."""
from __future__ import annotations

import uuid
from collections import Counter

import pytest

from loyalty.auth.api_keys import create_api_key
from loyalty.gdpr.models import Erasure
from loyalty.ledger.models import Account, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from tests.conftest import requires_postgres
from tests.support.concurrency import base_rate_settings, module_runtime, post_at_once, servers  # noqa: F401 - fixtures
from tests.support.servers import Server

pytestmark = requires_postgres

ERASE = "mutation($input: EraseMemberInput!) { eraseMember(input: $input) { erasedAt errors { code field } } }"
PURCHASE = """mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { pointsAwarded } errors { code field } } }"""


@pytest.fixture(scope="module")
async def key(servers: list[Server]) -> str:
    return (await create_api_key("privacy desk", frozenset({"staff:write", "purchases:write"})))[1]


async def test_twenty_concurrent_erasures_of_one_member_erase_once(servers, key):
    data = members.validate_new_member(members.NewMember(f"{uuid.uuid4().hex[:10]}@example.com", "x" * 12, "Ann"), "en")
    row = await members.create_member(data, "hash")
    past = "2026-01-01T10:00:00+00:00"  # posted at once: the points are spendable, and forfeited
    def erase(i: int) -> tuple[str, str, dict]:  # even ones share a key, odd ones have their own
        return key, ERASE, {"input": {"memberNumber": row.member_number, "idempotencyKey": f"k-{i % 2 and i}"}}

    def buy(i: int) -> tuple[str, str, dict]:
        return key, PURCHASE, {"input": {"memberNumber": row.member_number, "orderId": f"C-{uuid.uuid4().hex[:8]}",
                                         "amount": "10.00", "currencyCode": "EUR", "occurredAt": past}}

    payloads = await post_at_once(servers, [buy(i) if i % 3 == 2 else erase(i) for i in range(30)])

    erasures = [p for p in payloads if "erasedAt" in p]
    assert len(erasures) == 20
    assert {p["erasedAt"] for p in erasures} == {(await Erasure.get(member_id=row.id)).erased_at.isoformat()}
    assert all(p["errors"] == [] for p in erasures)
    bought = Counter(p["errors"][0]["code"] if p["errors"] else "ok" for p in payloads if "purchase" in p)
    assert set(bought) <= {"ok", "NOT_FOUND"}
    assert await Erasure.filter(member_id=row.id).count() == 1
    points = await Account.get(member_id=row.id, asset="POINTS", kind="member")
    assert (points.posted, points.pending_in, points.pending_out) == (0, 0, 0)
    forfeited = await Transfer.filter(member_id=row.id, code="FORFEIT", asset="POINTS").values_list("amount", flat=True)
    assert sum(forfeited) == 10 * bought["ok"]
    assert await verify_ledger() == []
