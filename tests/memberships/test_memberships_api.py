"""The paid-membership calls over HTTP: the member subscribes and cancels, the payment backend
records and refunds payments, the member sees the membership, the shop reads the benefits;
each refusal carries its code and changes nothing."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from loyalty.memberships.models import Membership, PlanPayment
from schema.relay import to_global_id
from tests.members import row_counts
from tests.support.gql import gql
from tests.support.shop import Joined, Shop, join

MEMBERSHIP = "membership { id status currentPeriodEnd cancelAtPeriodEnd plan { name interval } }"
SUBSCRIBE = f"mutation($input: SubscribeToPlanInput!) {{ subscribeToPlan(input: $input) {{ {MEMBERSHIP} errors {{ code field }} }} }}"
CANCEL = f"mutation($input: CancelMembershipInput!) {{ cancelMembership(input: $input) {{ {MEMBERSHIP} errors {{ code field }} }} }}"
PAY = f"mutation($input: RecordPlanPaymentInput!) {{ recordPlanPayment(input: $input) {{ {MEMBERSHIP} errors {{ code field }} }} }}"
REFUND = f"mutation($input: RefundPlanPaymentInput!) {{ refundPlanPayment(input: $input) {{ {MEMBERSHIP} errors {{ code field }} }} }}"
ME = f"query {{ me {{ {MEMBERSHIP} wallet {{ credit {{ amount }} }} }} }}"
BENEFITS = "query($n: String!) { memberByNumber(memberNumber: $n) { benefits { kind source percent } } }"
PLUS = to_global_id("Plan", "plus-monthly")


async def subscribe(client: httpx.AsyncClient, member: Joined, plan: str = PLUS, key: str = "k1") -> dict[str, Any]:
    body = await gql(client, SUBSCRIBE, {"input": {"planId": plan, "idempotencyKey": key}}, token=member.token)
    return body["data"]["subscribeToPlan"]


async def pay(payments: Shop, membership_id: str, payment_id: str = "pay-1", amount: str = "5.00",
              currency: str = "EUR", token: str | None = None) -> dict[str, Any]:
    data = {"membershipId": membership_id, "paymentId": payment_id, "amount": amount, "currencyCode": currency}
    return (await payments.call(PAY, {"input": data}, token=token))["recordPlanPayment"]


@pytest.fixture
async def payments(client) -> Shop:
    return await Shop.open(client, "payments:write")


async def test_subscribe_pay_see_and_cancel(client, payments):
    ann = await join(client)
    pending = await subscribe(client, ann)
    assert pending["errors"] == []
    assert pending["membership"] | {"id": None} == {
        "id": None, "status": "PENDING_PAYMENT", "currentPeriodEnd": None, "cancelAtPeriodEnd": False,
        "plan": {"name": "Northwind Plus", "interval": "MONTH"}}
    paid = await pay(payments, pending["membership"]["id"])
    assert (paid["errors"], paid["membership"]["status"]) == ([], "ACTIVE")
    me = (await gql(client, ME, token=ann.token))["data"]["me"]
    assert (me["membership"]["status"], me["wallet"]["credit"]["amount"]) == ("ACTIVE", "5.00")
    canceled = (await gql(client, CANCEL, {"input": {"atPeriodEnd": True}}, token=ann.token))["data"]["cancelMembership"]
    assert (canceled["membership"]["status"], canceled["membership"]["cancelAtPeriodEnd"]) == ("ACTIVE", True)
    shop = await Shop.open(client, "members:read")
    benefits = (await shop.call(BENEFITS, {"n": ann.number}))["memberByNumber"]["benefits"]
    assert {"kind": "FREE_SHIPPING", "source": "plan:plus-monthly", "percent": None} in benefits


async def test_already_member_changes_nothing(client):
    ann = await join(client)
    await subscribe(client, ann)
    before = await row_counts()
    again = await subscribe(client, ann, key="k2")
    assert again == {"membership": None, "errors": [{"code": "ALREADY_MEMBER", "field": ["input", "planId"]}]}
    assert await row_counts() == before


async def test_an_unknown_plan_or_membership_is_not_found_and_changes_nothing(client, payments):
    ann = await join(client)
    before = await row_counts()
    wrong = await subscribe(client, ann, plan=to_global_id("Reward", "plus-monthly"))
    assert wrong["errors"] == [{"code": "NOT_FOUND", "field": ["input", "planId"]}]
    missing = await pay(payments, to_global_id("PaidMembership", 987654))
    assert missing["errors"] == [{"code": "NOT_FOUND", "field": ["input", "membershipId"]}]
    assert await row_counts() == before


async def test_amount_mismatch_and_idempotency_conflict_change_nothing(client, payments):
    ann = await join(client)
    membership_id = (await subscribe(client, ann))["membership"]["id"]
    before = await row_counts()
    assert (await pay(payments, membership_id, amount="4.00"))["errors"] == [
        {"code": "AMOUNT_MISMATCH", "field": ["input", "amount"]}]
    assert (await pay(payments, membership_id, currency="USD"))["errors"] == [
        {"code": "AMOUNT_MISMATCH", "field": ["input", "currencyCode"]}]
    assert await row_counts() == before
    assert (await pay(payments, membership_id))["errors"] == []
    after = await row_counts()
    assert (await pay(payments, membership_id, amount="25.00"))["errors"] == [
        {"code": "IDEMPOTENCY_CONFLICT", "field": ["input", "paymentId"]}]
    assert await row_counts() == after
    assert (await Membership.get(live_member_id__isnull=False)).current_period_end is not None


async def test_a_member_calling_record_plan_payment_is_forbidden_and_changes_nothing(client, payments):
    ann = await join(client)
    membership_id = (await subscribe(client, ann))["membership"]["id"]
    before = await row_counts()
    refused = await pay(payments, membership_id, token=ann.token)
    assert refused == {"membership": None, "errors": [{"code": "FORBIDDEN", "field": None}]}
    assert await row_counts() == before
    assert await PlanPayment.all().count() == 0


async def test_a_refund_through_the_api_ends_the_period(client, payments):
    ann = await join(client)
    membership_id = (await subscribe(client, ann))["membership"]["id"]
    await pay(payments, membership_id)
    refunded = (await payments.call(REFUND, {"input": {"paymentId": "pay-1", "refundId": "re-1"}}))["refundPlanPayment"]
    assert (refunded["errors"], refunded["membership"]["status"]) == ([], "EXPIRED")
    me = (await gql(client, ME, token=ann.token))["data"]["me"]
    assert (me["membership"]["status"], me["wallet"]["credit"]["amount"]) == ("EXPIRED", "0.00")
