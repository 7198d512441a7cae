"""The passes over HTTP, as the walk-through in docs/passes.md runs them on the demo: a tenth
coffee stamp issues a coupon; the climbing 5 + 1 pack is bought, paid and used up, the
seventh check-in refused; the half-year pass admits month 7 and refuses month 8; the kitchen
credit pass pays part of a Harbor Kitchen order and is refused at the other brand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from loyalty import clock
from schema.relay import to_global_id
from tests.members import member_pk, row_counts
from tests.support.gql import gql
from tests.support.shop import Joined, Shop, join

PASS = "pass { product { name kind } status visitsUsed visitsTotal validUntil creditBalance { amount currencyCode } }"
VISIT = f"""mutation($input: RecordVisitInput!) {{
  recordVisit(input: $input) {{ {PASS} issuedReward {{ status }} errors {{ code field message }} }} }}"""
BUY = f"mutation($input: BuyPassInput!) {{ buyPass(input: $input) {{ pass {{ id }} {PASS} errors {{ code field }} }} }}"
PAY = f"""mutation($input: RecordPassPaymentInput!) {{
  recordPassPayment(input: $input) {{ {PASS} errors {{ code field message }} }} }}"""
PURCHASE = """mutation($input: RecordPurchaseInput!) {
  recordPurchase(input: $input) { purchase { pointsAwarded } errors { code field message } } }"""
PASSES = "query { me { passes { product { name } status visitsUsed creditBalance { amount } } } }"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
async def ann(client) -> Joined:
    return await join(client)


def token_at(runtime, member: Joined) -> str:
    """A member token issued at the (frozen) moment of the call."""
    return runtime.tokens.issue(member_pk(member.id)).token


@pytest.fixture
async def desk(client) -> Shop:
    return await Shop.open(client, "visits:write")


@pytest.fixture
async def payments(client) -> Shop:
    return await Shop.open(client, "payments:write")


async def check_in(desk: Shop, ann: Joined, reference: str, location: str, at: datetime, **extra: Any) -> dict:
    with clock.frozen_at(at):
        data = {"memberNumber": ann.number, "reference": reference, "location": location, **extra}
        return (await desk.call(VISIT, {"input": data}))["recordVisit"]


async def bought(client, runtime, payments: Shop, ann: Joined, product: str, price: str, at: datetime) -> dict:
    with clock.frozen_at(at):
        buy = (await gql(client, BUY, {"input": {"passProductId": to_global_id("PassProduct", product),
                                                 "idempotencyKey": f"buy-{product}"}},
                         token=token_at(runtime, ann)))["data"]
        assert buy["buyPass"]["pass"]["status"] == "PENDING_PAYMENT"
        paid = (await payments.call(PAY, {"input": {"passId": buy["buyPass"]["pass"]["id"], "paymentId": f"pi-{product}",
                                                    "amount": price, "currencyCode": "EUR"}}))["recordPassPayment"]
    assert paid["errors"] == []
    return buy["buyPass"]["pass"] | paid["pass"]


async def test_the_tenth_coffee_stamp_issues_a_free_coffee(desk, ann):
    for n in range(9):
        stamped = await check_in(desk, ann, f"till-{n}", "harbor-kitchen", T0 + timedelta(days=n))
    assert stamped["pass"] | {"validUntil": None} == {
        "product": {"name": "Harbor coffee card", "kind": "PUNCH_CARD"}, "status": "ACTIVE", "visitsUsed": 9,
        "visitsTotal": 10, "validUntil": None, "creditBalance": None}
    tenth = await check_in(desk, ann, "till-9", "harbor-kitchen", T0 + timedelta(days=9))
    assert (tenth["pass"]["status"], tenth["pass"]["visitsUsed"], tenth["issuedReward"]) == (
        "USED_UP", 10, {"status": "ACTIVE"})
    history = await shop_history(desk.client, ann)
    # Each visit's points (the VISIT earning rule: 10 points, once a day) describe the stamp.
    assert [(e["kind"], e["points"], e["description"]) for e in history if e["kind"] == "VISIT"] == [
        ("VISIT", 10, "Visit: stamp 10 of 10 on your Harbor coffee card, the card is complete")] + [
        ("VISIT", 10, f"Visit: stamp {n} of 10 on your Harbor coffee card, {10 - n} more to Free coffee")
        for n in range(9, 0, -1)]
    completed = history[0]
    assert (completed["kind"], completed["points"]) == ("PASS", 0)
    assert completed["description"].startswith("Your Harbor coffee card is complete: Free coffee is yours, coupon ")


async def test_the_climbing_pack_is_used_up_and_the_seventh_check_in_is_refused(client, runtime, desk, payments, ann):
    with clock.frozen_at(T0):
        buy = (await gql(client, BUY, {"input": {"passProductId": to_global_id("PassProduct", "climbing-5"),
                                                 "idempotencyKey": "buy-1"}},
                         token=token_at(runtime, ann)))["data"]["buyPass"]
        wrong = (await payments.call(PAY, {"input": {"passId": buy["pass"]["id"], "paymentId": "pi-1",
                                                     "amount": "50.00", "currencyCode": "EUR"}}))["recordPassPayment"]
    assert wrong["errors"] == [{"code": "AMOUNT_MISMATCH", "field": ["input", "amount"],
                                "message": "The pass costs 60.00 EUR."}]
    pack = await bought(client, runtime, payments, ann, "climbing-5", "60.00", T0)
    assert pack["status"] == "ACTIVE" and (pack["visitsUsed"], pack["visitsTotal"]) == (0, 6)
    assert pack["validUntil"] == "2027-03-02T09:00:00+00:00"
    for n in range(6):
        used = await check_in(desk, ann, f"gate-{n}", "climbing-hall", T0 + timedelta(days=n + 1), passId=pack["id"])
    assert (used["pass"]["status"], used["pass"]["visitsUsed"]) == ("USED_UP", 6)
    before = await row_counts()
    seventh = await check_in(desk, ann, "gate-6", "climbing-hall", T0 + timedelta(days=8), passId=pack["id"])
    assert (seventh["pass"], seventh["errors"]) == (None, [{
        "code": "PASS_USED_UP", "field": ["input", "passId"], "message": "Every visit of the pass is used."}])
    without = await check_in(desk, ann, "gate-7", "climbing-hall", T0 + timedelta(days=8))
    assert without["errors"] == [{"code": "NO_VALID_PASS", "field": ["input", "passId"],
                                  "message": "The member holds no pass that admits this visit."}]
    assert await row_counts() == before


async def test_the_half_year_pass_admits_month_7_and_refuses_month_8(client, runtime, desk, payments, ann):
    paid_at = datetime(2026, 1, 15, 11, 0, tzinfo=timezone.utc)
    bob = ann
    half = await bought(client, runtime, payments, bob, "climbing-6-months", "240.00", paid_at)
    assert half["validUntil"] == "2026-08-14T22:00:00+00:00"
    july = await check_in(desk, bob, "gate-jul", "climbing-hall", datetime(2026, 7, 20, 16, 0, tzinfo=timezone.utc))
    assert (july["errors"], july["pass"]["visitsUsed"]) == ([], 1)
    august = await check_in(desk, bob, "gate-aug", "climbing-hall", datetime(2026, 8, 20, 16, 0, tzinfo=timezone.utc),
                            passId=half["id"])
    assert august["errors"] == [{"code": "PASS_NOT_VALID", "field": ["input", "passId"],
                                 "message": "The pass is valid from 2026-01-15 through 2026-08-14; the visit is outside it."}]


async def test_the_kitchen_credit_pays_part_of_a_harbor_order_and_is_refused_at_northwind(client, runtime, payments,
                                                                                          ann):
    kitchen = await bought(client, runtime, payments, ann, "kitchen-credit-100", "100.00", T0)
    assert kitchen["creditBalance"] == {"amount": "130.00", "currencyCode": "EUR"}
    shop = await Shop.open(client)
    with clock.frozen_at(T0 + timedelta(days=1)):
        paid = await shop.purchase(memberNumber=ann.number, orderId="HK-1", amount="60.00", brand="harbor",
                                   passId=kitchen["id"], passCreditToSpend="45.00")
        refused = await shop.purchase(memberNumber=ann.number, orderId="NW-1", amount="60.00", brand="northwind",
                                      passId=kitchen["id"], passCreditToSpend="45.00")
    assert (paid["errors"], paid["purchase"]["pointsAwarded"]) == ([], 15)  # the EUR 15 paid in money earns
    assert (refused["purchase"], refused["errors"]) == (None, [{
        "code": "PASS_NOT_VALID", "field": ["input", "passId"], "message": "The pass's credit pays only at Harbor Kitchen."}])
    with clock.frozen_at(T0 + timedelta(days=1)):
        passes = (await gql(client, PASSES, token=token_at(runtime, ann)))["data"]["me"]["passes"]
    assert passes == [{"product": {"name": "Harbor Kitchen prepaid"}, "status": "ACTIVE", "visitsUsed": 0,
                       "creditBalance": {"amount": "85.00"}}]
    history = [(e["kind"], e["description"]) for e in await shop_history(client, ann)]
    assert ("PASS", "Paid EUR 45.00 with your Harbor Kitchen prepaid (order HK-1): EUR 85.00 left") in history
    assert ("PASS", "EUR 130.00 of credit on your Harbor Kitchen prepaid") in history


async def shop_history(client, ann: Joined) -> list[dict]:
    reader = await Shop.open(client, "members:read")
    return await reader.history(ann)


async def test_a_member_token_on_record_visit_is_forbidden_and_changes_nothing(client, ann):
    before = await row_counts()
    body = await gql(client, VISIT, {"input": {"memberNumber": ann.number, "reference": "self", "location": "x"}},
                     token=ann.token)
    assert body["data"]["recordVisit"]["errors"] == [{"code": "FORBIDDEN", "field": None, "message":
                                                      "This operation is for the shop's backend and staff: it needs an API key."}]
    assert await row_counts() == before
