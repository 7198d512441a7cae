"""Passes under real concurrency: two `loyalty serve` processes on PostgreSQL take requests
fired at once, each on a connection of its own; verify-ledger (the function and the command)
finds nothing after each scenario. Each test has members of its own."""
from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

from loyalty import clock
from loyalty.auth.api_keys import create_api_key
from loyalty.ledger.verify import verify_ledger
from loyalty.members.models import Member
from loyalty.passes import buying, payments
from loyalty.passes.credit import balance_minor
from loyalty.passes.models import Pass
from loyalty.purchases.models import Purchase
from loyalty.runtime import Runtime
from loyalty.settings import Settings
from loyalty.visits import record
from loyalty.visits.models import Visit
from schema.relay import to_global_id
from tests.conftest import requires_postgres
from tests.passes.helpers import program_balance, run_job
from tests.rewards import new_member
from tests.support.concurrency import base_rate_settings, module_runtime, post_at_once, servers  # noqa: F401 - fixtures
from tests.support.servers import Server, run_command

pytestmark = requires_postgres

VISIT = """mutation($input: RecordVisitInput!) {
  recordVisit(input: $input) { pass { id visitsUsed status } issuedReward { code } errors { code field } } }"""
PURCHASE = """mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { id } errors { code field } } }"""


def codes(payloads: list[dict[str, Any]]) -> Counter:
    return Counter(e["code"] for p in payloads for e in p["errors"])


async def member() -> tuple[int, str]:
    member_id = await new_member()
    return member_id, (await Member.get(id=member_id)).member_number


async def key(*scopes: str) -> str:
    return (await create_api_key("backend", frozenset(scopes)))[1]


async def paid_pass(module_runtime: Runtime, member_id: int, product: str, price: str) -> Pass:
    program, now = module_runtime.program.program, clock.now()
    row = await buying.buy_pass(program, member_id, product, f"buy-{member_id}", now)
    return await payments.record_payment(program, payments.Payment(row.id, f"pay-{member_id}", Decimal(price), "EUR"),
                                         now)


async def assert_ledger_is_consistent(settings: Settings) -> None:
    assert [str(v) for v in await verify_ledger()] == []
    done = run_command(settings, "verify-ledger")
    assert (done.returncode, done.stdout) == (0, "verify-ledger: the ledger is consistent\n"), done.stderr


async def test_20_concurrent_visits_with_one_reference_count_one_visit(servers: list[Server], module_runtime,
                                                                       base_rate_settings):
    ann, number = await member()
    request = (await key("visits:write"), VISIT,
               {"input": {"memberNumber": number, "reference": f"checkin-{ann}", "location": "harbor-kitchen"}})
    payloads = await post_at_once(servers, [request] * 20)
    assert codes(payloads) == Counter()
    assert {(p["pass"]["id"], p["pass"]["visitsUsed"]) for p in payloads} == {(payloads[0]["pass"]["id"], 1)}
    assert await Visit.filter(member_id=ann).count() == 1
    assert await Pass.filter(member_id=ann).values_list("visits_used", flat=True) == [1]
    await assert_ledger_is_consistent(base_rate_settings)


async def test_20_visits_racing_on_a_pack_with_3_left_give_3_successes_and_17_used_up(
        servers: list[Server], module_runtime, base_rate_settings):
    ann, number = await member()
    pack = await paid_pass(module_runtime, ann, "climbing-5", "60.00")
    for n in range(3):
        await record.record_visit(module_runtime.program.program,
                                  record.VisitRequest(ann, f"early-{ann}-{n}", "climbing-hall", pack.id))
    pass_id, api_key = to_global_id("Pass", pack.id), await key("visits:write")
    payloads = await post_at_once(servers, [
        (api_key, VISIT, {"input": {"memberNumber": number, "reference": f"race-{ann}-{n}", "location": "climbing-hall",
                                    "passId": pass_id}}) for n in range(20)])
    assert codes(payloads) == Counter({"PASS_USED_UP": 17})
    assert sorted(p["pass"]["visitsUsed"] for p in payloads if not p["errors"]) == [4, 5, 6]
    row = await Pass.get(id=pack.id)
    assert (row.status, row.visits_used) == ("USED_UP", 6)
    assert await Visit.filter(pass_id=pack.id).count() == 6
    await assert_ledger_is_consistent(base_rate_settings)


async def test_30_concurrent_spends_of_pass_credit_never_overdraw_it(servers: list[Server], module_runtime,
                                                                     base_rate_settings):
    ann, number = await member()
    kitchen = await paid_pass(module_runtime, ann, "kitchen-credit-100", "100.00")
    pass_id, api_key = to_global_id("Pass", kitchen.id), await key("purchases:write")
    payloads = await post_at_once(servers, [
        (api_key, PURCHASE, {"input": {"memberNumber": number, "orderId": f"K-{ann}-{n}", "amount": "10.00",
                                       "currencyCode": "EUR", "brand": "harbor", "passId": pass_id,
                                       "passCreditToSpend": "10.00"}}) for n in range(30)])
    assert codes(payloads) == Counter({"INSUFFICIENT_CREDIT": 17})
    assert await balance_minor(await Pass.get(id=kitchen.id)) == 0
    assert await Purchase.filter(member_id=ann).count() == 13
    await assert_ledger_is_consistent(base_rate_settings)


async def test_breakage_racing_spends_of_the_pass_credit_moves_exactly_what_is_left(servers: list[Server],
                                                                                   module_runtime, base_rate_settings):
    ann, number = await member()
    kitchen = await paid_pass(module_runtime, ann, "kitchen-credit-100", "100.00")
    pass_id, api_key = to_global_id("Pass", kitchen.id), await key("purchases:write")
    before = await program_balance("PASS", "expiry")
    assert kitchen.valid_until is not None
    spends = post_at_once(servers, [
        (api_key, PURCHASE, {"input": {"memberNumber": number, "orderId": f"B-{ann}-{n}", "amount": "5.00",
                                       "currencyCode": "EUR", "brand": "harbor", "passId": pass_id,
                                       "passCreditToSpend": "5.00"}}) for n in range(20)])
    payloads, expired = await asyncio.gather(spends, run_job(kitchen.valid_until))  # the job sees the pass due
    paid = await Purchase.filter(member_id=ann).count()
    assert sum(1 for p in payloads if not p["errors"]) == paid
    assert set(codes(payloads)) <= {"PASS_NOT_VALID", "INSUFFICIENT_CREDIT"}
    assert sum(codes(payloads).values()) == 20 - paid
    assert expired >= 1
    assert await balance_minor(await Pass.get(id=kitchen.id)) == 0
    assert (await Pass.get(id=kitchen.id)).status == "EXPIRED"
    assert await program_balance("PASS", "expiry") - before == 13000 - 500 * paid
    await assert_ledger_is_consistent(base_rate_settings)
