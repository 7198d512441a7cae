"""Memberships under real concurrency: two `loyalty serve` processes on PostgreSQL take
requests fired at once, each on a connection of its own; verify-ledger finds nothing after
each scenario. Each test has members of its own."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

from loyalty import clock
from loyalty.auth.api_keys import create_api_key
from loyalty.ledger.verify import verify_ledger
from loyalty.memberships import payments, subscriptions
from loyalty.memberships.models import Membership, MembershipTransition, PlanPayment
from loyalty.memberships.renewals import renew_memberships
from loyalty.runtime import Runtime
from schema.relay import to_global_id
from tests.conftest import requires_postgres
from tests.rewards import new_member
from tests.support.concurrency import base_rate_settings, module_runtime, post_at_once, servers  # noqa: F401 - fixtures
from tests.support.servers import Server

pytestmark = requires_postgres

SUBSCRIBE = """mutation($input: SubscribeToPlanInput!) {
  subscribeToPlan(input: $input) { membership { id status } errors { code field } } }"""
PAY = """mutation($input: RecordPlanPaymentInput!) {
  recordPlanPayment(input: $input) { membership { id status currentPeriodEnd } errors { code field } } }"""
PLUS = to_global_id("Plan", "plus-monthly")


def codes(payloads: list[dict[str, Any]]) -> Counter:
    return Counter(e["code"] for p in payloads for e in p["errors"])


async def member(module_runtime: Runtime) -> tuple[int, str]:
    member_id = await new_member()
    return member_id, module_runtime.tokens.issue(member_id).token


async def test_20_concurrent_double_taps_of_subscribe_make_one_membership(servers: list[Server], module_runtime):
    ann, token = await member(module_runtime)
    request = (token, SUBSCRIBE, {"input": {"planId": PLUS, "idempotencyKey": "tap"}})
    payloads = await post_at_once(servers, [request] * 20)
    assert codes(payloads) == Counter()
    assert len({p["membership"]["id"] for p in payloads}) == 1
    assert await Membership.filter(member_id=ann).count() == 1


async def test_20_concurrent_subscribes_with_other_keys_make_one_membership(servers: list[Server], module_runtime):
    ann, token = await member(module_runtime)
    payloads = await post_at_once(servers, [
        (token, SUBSCRIBE, {"input": {"planId": PLUS, "idempotencyKey": f"k-{n}"}}) for n in range(20)])
    assert codes(payloads) == Counter({"ALREADY_MEMBER": 19})
    assert await Membership.filter(member_id=ann).count() == 1
    assert await MembershipTransition.filter(membership_id=(await Membership.get(member_id=ann)).id).count() == 1


async def test_20_concurrent_payments_with_one_payment_id_extend_the_period_once(servers: list[Server], module_runtime):
    ann, _ = await member(module_runtime)
    program = module_runtime.program.program
    m = await subscriptions.subscribe(program, ann, "plus-monthly", "k", clock.now())
    key = (await create_api_key("payments", frozenset({"payments:write"})))[1]
    request = (key, PAY, {"input": {"membershipId": to_global_id("PaidMembership", m.id), "paymentId": f"in-{m.id}",
                                    "amount": "5.00", "currencyCode": "EUR"}})
    payloads = await post_at_once(servers, [request] * 20)
    assert codes(payloads) == Counter()
    assert len({p["membership"]["currentPeriodEnd"] for p in payloads}) == 1
    assert await PlanPayment.filter(membership_id=m.id).count() == 1
    assert await MembershipTransition.filter(membership_id=m.id, event="pay").count() == 1
    assert (await Membership.get(id=m.id)).status == "ACTIVE"
    assert await verify_ledger() == []


async def test_a_payment_racing_the_renewal_job_leaves_one_consistent_state(servers: list[Server], module_runtime):
    program = module_runtime.program.program
    key = (await create_api_key("payments", frozenset({"payments:write"})))[1]
    ids = []
    for _ in range(5):
        ann, _ = await member(module_runtime)
        started = clock.now() - timedelta(days=40)  # its paid month has ended
        m = await subscriptions.subscribe(program, ann, "plus-monthly", "k", started)
        await payments.record_payment(program, payments.Payment(m.id, f"first-{m.id}", Decimal("5.00"), "EUR"), started)
        ids.append(m.id)
    requests = [(key, PAY, {"input": {"membershipId": to_global_id("PaidMembership", i), "paymentId": f"late-{i}",
                                      "amount": "5.00", "currencyCode": "EUR"}}) for i in ids]
    payloads, _ = await asyncio.gather(post_at_once(servers, requests), renew_memberships(clock.now(), program))
    assert codes(payloads) == Counter()
    for membership_id in ids:
        m = await Membership.get(id=membership_id)
        assert m.status == "ACTIVE" and m.current_period_end > clock.now() + timedelta(days=27)
        late = await PlanPayment.get(payment_id=f"late-{membership_id}")
        assert m.current_period_end == late.period_end
        steps = await MembershipTransition.filter(membership_id=membership_id).order_by("id").values_list(
            "from_status", "to_status")
        # Either the job came first (ACTIVE -> PAST_DUE -> ACTIVE) or the payment did (ACTIVE -> ACTIVE).
        assert steps[2:] in ([("ACTIVE", "ACTIVE")], [("ACTIVE", "PAST_DUE"), ("PAST_DUE", "ACTIVE")])
    assert await renew_memberships(clock.now(), program) == 0
    assert await verify_ledger() == []
