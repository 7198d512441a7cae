"""The issuance and cashback sub-accounts under real concurrency: two `loyalty serve` processes
with FAST_PURCHASES on PostgreSQL take 200 purchases of 40 members at once; every rule holds,
and the sub-accounts add up to one account's total as reports and verify-ledger see it."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty.auth.api_keys import create_api_key
from loyalty.ledger.accounts import SUB_ACCOUNTS, program_balances
from loyalty.ledger.models import Account, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.purchases.models import Purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.settings import Settings
from loyalty.tiers.models import TierTotal
from tests.conftest import requires_postgres
from tests.support.concurrency import base_rate_settings, module_runtime, post_at_once  # noqa: F401 - fixtures
from tests.support.servers import Server, run_command, running_servers

pytestmark = requires_postgres

RECORD_PURCHASE = ("mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) "
                   "{ purchase { orderId pointsAwarded } errors { code field message } } }")


@pytest.fixture(scope="module")
def fast_servers(module_runtime, base_rate_settings: Settings,  # noqa: F811 - fixtures
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(os.environ, "FAST_PURCHASES", "true")
        # 200 requests at once on two shared cores queue for longer than the 10 s default.
        patch.setitem(os.environ, "REQUEST_TIMEOUT_SECONDS", "120")
        with running_servers(base_rate_settings, 2, log_dir=tmp_path_factory.mktemp("servers")) as started:
            yield started


async def new_member() -> tuple[int, str]:
    data = members.validate_new_member(members.NewMember(f"{uuid.uuid4().hex[:12]}@example.com", "x" * 12, "Ann"), "en")
    row = await members.create_member(data, "hash")
    return row.id, row.member_number


async def test_200_concurrent_purchases_keep_every_rule_and_one_issuance_total(
    fast_servers, module_runtime, base_rate_settings,  # noqa: F811 - fixtures
):
    program = module_runtime.program.program
    before = (await program_balances())[("POINTS", "issuance")]
    people = [await new_member() for _ in range(40)]
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    for member_id, _ in people:  # the first purchase makes the member's accounts and tier state
        await record_purchase(program, PurchaseRequest(member_id, f"first-{uuid.uuid4().hex[:8]}", Decimal("1.00"),
                                                       "EUR", occurred_at=yesterday))
    key = (await create_api_key("shop backend", frozenset({"purchases:write"})))[1]
    requests = [
        (key, RECORD_PURCHASE, {"input": {"memberNumber": people[i % 40][1], "orderId": f"C-{uuid.uuid4().hex[:10]}",
                                          "amount": f"{1 + i % 7}.00", "currencyCode": "EUR"}})
        for i in range(200)
    ]
    payloads = await post_at_once(fast_servers, requests)

    assert [p["errors"] for p in payloads] == [[]] * 200
    points = sum(1 + i % 7 for i in range(200))
    assert sum(p["purchase"]["pointsAwarded"] for p in payloads) == points
    ids = [m for m, _ in people]
    assert await Purchase.filter(member_id__in=ids).count() == 240
    assert sum(t.amount for t in await Transfer.filter(member_id__in=ids, code="EARN_PURCHASE")) == points + 40
    assert sum(t.purchases for t in await TierTotal.filter(member_id__in=ids)) == 240
    parts = await Account.filter(kind="program", asset="POINTS", code__startswith="issuance")
    assert 1 < len(parts) <= SUB_ACCOUNTS
    after = (await program_balances())[("POINTS", "issuance")]
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (0, 0, points + 40)
    assert (after[2] - before[2]) == sum(a.pending_out for a in parts) - before[2]
    assert [str(v) for v in await verify_ledger()] == []
    done = run_command(base_rate_settings, "verify-ledger")
    assert (done.returncode, done.stdout) == (0, "verify-ledger: the ledger is consistent\n"), done.stderr
