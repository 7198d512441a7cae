"""The visit passes tried as a new user would, end to end over GraphQL on the demo program
file as shipped (loyalty/program/demo.toml, applied as `loyalty apply-program` does): the
booking desk, the payment backend and the till each with their own API key, Mia with her
own token. Her tenth coffee stamp issues a Free coffee coupon; she buys the climbing 5 + 1
pack, the payment backend records its payment, six check-ins use it up and the seventh is
refused; the half-year pass admits a visit in month 7 and refuses one in month 8; the
kitchen credit pass pays part of a Harbor Kitchen order and is refused at the other brand.
Her history tells each step."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from loyalty import clock
from loyalty.ledger.verify import verify_ledger
from loyalty.program.spec import DEMO_PATH
from loyalty.program.store import ProgramHolder, apply_program_file
from schema.relay import to_global_id
from tests.members import member_pk
from tests.support.gql import gql
from tests.support.shop import Joined, api_key, join

PASS = "pass { id product { name } status visitsUsed visitsTotal validUntil creditBalance { amount } }"
VISIT = f"""mutation($i: RecordVisitInput!) {{ recordVisit(input: $i) {{
  {PASS} issuedReward {{ code status reward {{ name }} }} errors {{ code message }} }} }}"""
BUY = f"mutation($i: BuyPassInput!) {{ buyPass(input: $i) {{ {PASS} errors {{ code message }} }} }}"
PAY = f"mutation($i: RecordPassPaymentInput!) {{ recordPassPayment(input: $i) {{ {PASS} errors {{ code message }} }} }}"
PURCHASE = """mutation($i: RecordPurchaseInput!) {
  recordPurchase(input: $i) { purchase { pointsAwarded } errors { code message } } }"""
ME = """query { me { wallet { points } passes { product { name } status visitsUsed creditBalance { amount } }
  issuedRewards { edges { node { code status reward { name } } } }
  activity(first: 100) { edges { node { kind points description } } } } }"""
AMS = "+01:00"  # Amsterdam in winter


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


class Trial:
    def __init__(self, client, runtime, mia: Joined, desk: str, backend: str, till: str):
        self.client, self.runtime, self.mia = client, runtime, mia
        self.desk, self.backend, self.till = desk, backend, till

    async def call(self, query: str, variables: dict[str, Any], token: str, at: str) -> dict:
        with clock.frozen_at(moment(at)):
            body = await gql(self.client, query, variables, token=token)
        assert "errors" not in body, body
        return body["data"]

    def member_token(self, at: str) -> str:
        with clock.frozen_at(moment(at)):
            return self.runtime.tokens.issue(member_pk(self.mia.id)).token

    async def check_in(self, reference: str, location: str, at: str, **extra: Any) -> dict:
        i = {"memberNumber": self.mia.number, "reference": reference, "location": location, **extra}
        return (await self.call(VISIT, {"i": i}, self.desk, at))["recordVisit"]

    async def buy(self, product: str, key: str, at: str) -> dict:
        i = {"passProductId": to_global_id("PassProduct", product), "idempotencyKey": key}
        return (await self.call(BUY, {"i": i}, self.member_token(at), at))["buyPass"]

    async def pay(self, pass_id: str, payment_id: str, amount: str, at: str, token: str | None = None) -> dict:
        i = {"passId": pass_id, "paymentId": payment_id, "amount": amount, "currencyCode": "EUR"}
        return (await self.call(PAY, {"i": i}, token or self.backend, at))["recordPassPayment"]

    async def me(self, at: str) -> dict:
        return (await self.call(ME, {}, self.member_token(at), at))["me"]


@pytest.fixture
async def trial(client, runtime) -> Trial:
    current, _ = await apply_program_file(DEMO_PATH)  # what `loyalty apply-program` does
    runtime.program = ProgramHolder(current)
    with clock.frozen_at(moment(f"2026-01-01T10:00:00{AMS}")):
        mia = await join(client, "mia@example.com", displayName="Mia")
    return Trial(client, runtime, mia, desk=await api_key("visits:write", name="booking desk"),
                 backend=await api_key("payments:write", name="payment backend"),
                 till=await api_key("purchases:write", name="harbor till"))


async def test_the_demo_trial(trial: Trial):
    # 1. Ten coffees at Harbor Kitchen, one a day: the tenth stamp issues a Free coffee coupon.
    for day in range(2, 11):
        stamped = await trial.check_in(f"till-{day}", "harbor-kitchen", f"2026-01-{day:02d}T08:30:00{AMS}")
    assert (stamped["errors"], stamped["issuedReward"]) == ([], None)
    assert stamped["pass"] | {"id": None} == {"id": None, "product": {"name": "Harbor coffee card"}, "status": "ACTIVE",
                                              "visitsUsed": 9, "visitsTotal": 10, "validUntil": None,
                                              "creditBalance": None}
    tenth = await trial.check_in("till-11", "harbor-kitchen", f"2026-01-11T08:30:00{AMS}")
    assert tenth["errors"] == []
    assert (tenth["pass"]["status"], tenth["pass"]["visitsUsed"]) == ("USED_UP", 10)
    coupon = tenth["issuedReward"]
    assert (coupon["status"], coupon["reward"]) == ("ACTIVE", {"name": "Free coffee"})
    eleventh = await trial.check_in("till-12", "harbor-kitchen", f"2026-01-12T08:30:00{AMS}")
    assert (eleventh["pass"]["status"], eleventh["pass"]["visitsUsed"], eleventh["issuedReward"]) == ("ACTIVE", 1, None)

    # 2. The climbing 5 + 1 pack: bought by Mia, paid through the payment backend, six check-ins.
    bought = await trial.buy("climbing-5", "mia-pack", f"2026-01-12T18:00:00{AMS}")
    assert (bought["errors"], bought["pass"]["status"]) == ([], "PENDING_PAYMENT")
    pack = bought["pass"]["id"]
    early = await trial.check_in("gate-0", "climbing-hall", f"2026-01-12T18:05:00{AMS}", passId=pack)
    assert early["errors"] == [{"code": "PASS_NOT_VALID", "message": "The pass waits for its payment: it is not valid yet."}]
    wrong_key = await trial.call(PAY, {"i": {"passId": pack, "paymentId": "pi-1", "amount": "60.00",
                                             "currencyCode": "EUR"}}, trial.desk, f"2026-01-12T18:06:00{AMS}")
    assert wrong_key["recordPassPayment"]["errors"][0]["code"] == "FORBIDDEN"
    short = await trial.pay(pack, "pi-1", "50.00", f"2026-01-12T18:10:00{AMS}")
    assert short["errors"] == [{"code": "AMOUNT_MISMATCH", "message": "The pass costs 60.00 EUR."}]
    paid = await trial.pay(pack, "pi-1", "60.00", f"2026-01-12T18:10:00{AMS}")
    assert paid["errors"] == []
    assert (paid["pass"]["status"], paid["pass"]["visitsUsed"], paid["pass"]["visitsTotal"],
            paid["pass"]["validUntil"]) == ("ACTIVE", 0, 6, "2027-01-12T17:10:00+00:00")
    assert await trial.pay(pack, "pi-1", "60.00", f"2026-01-12T18:11:00{AMS}") == paid  # the backend retries
    for n in range(6):
        used = await trial.check_in(f"gate-{n + 1}", "climbing-hall", f"2026-01-{13 + n}T19:00:00{AMS}")
        assert (used["errors"], used["pass"]["id"], used["pass"]["visitsUsed"]) == ([], pack, n + 1)
    assert used["pass"]["status"] == "USED_UP"
    seventh = await trial.check_in("gate-7", "climbing-hall", f"2026-01-19T19:00:00{AMS}", passId=pack)
    assert (seventh["pass"], seventh["errors"]) == (None, [
        {"code": "PASS_USED_UP", "message": "Every visit of the pass is used."}])
    without = await trial.check_in("gate-8", "climbing-hall", f"2026-01-19T19:01:00{AMS}")
    assert without["errors"] == [{"code": "NO_VALID_PASS", "message": "The member holds no pass that admits this visit."}]

    # 3. The kitchen credit pass: EUR 100 buys EUR 130; it pays EUR 45 of a EUR 60 Harbor Kitchen order.
    kitchen = (await trial.buy("kitchen-credit-100", "mia-kitchen", f"2026-01-21T12:00:00{AMS}"))["pass"]
    kitchen_paid = await trial.pay(kitchen["id"], "pi-3", "100.00", f"2026-01-21T12:00:00{AMS}")
    assert (kitchen_paid["errors"], kitchen_paid["pass"]["creditBalance"]) == ([], {"amount": "130.00"})
    order = {"memberNumber": trial.mia.number, "amount": "60.00", "currencyCode": "EUR",
             "passId": kitchen["id"], "passCreditToSpend": "45.00"}
    harbor = (await trial.call(PURCHASE, {"i": order | {"orderId": "HK-1", "brand": "harbor"}}, trial.till,
                               f"2026-01-22T13:00:00{AMS}"))["recordPurchase"]
    # the EUR 15 paid in money earns, twice over in her first month (the new member bonus)
    assert (harbor["errors"], harbor["purchase"]) == ([], {"pointsAwarded": 30})
    northwind = (await trial.call(PURCHASE, {"i": order | {"orderId": "NW-1", "brand": "northwind"}}, trial.till,
                                  f"2026-01-22T13:05:00{AMS}"))["recordPurchase"]
    assert (northwind["purchase"], northwind["errors"]) == (None, [
        {"code": "PASS_NOT_VALID", "message": "The pass's credit pays only at Harbor Kitchen."}])

    # 4. The half-year pass, paid on 25 January: 6 + 1 months, through 24 August (summer time).
    half = (await trial.buy("climbing-6-months", "mia-half", f"2026-01-25T12:00:00{AMS}"))["pass"]
    half_paid = await trial.pay(half["id"], "pi-2", "240.00", f"2026-01-25T12:00:00{AMS}")
    assert (half_paid["errors"], half_paid["pass"]["status"], half_paid["pass"]["validUntil"]) == (
        [], "ACTIVE", "2026-08-24T22:00:00+00:00")
    july = await trial.check_in("gate-jul", "climbing-hall", "2026-07-20T18:00:00+02:00")  # month 7
    assert (july["errors"], july["pass"]["id"], july["pass"]["visitsUsed"]) == ([], half["id"], 1)
    august = await trial.check_in("gate-aug", "climbing-hall", "2026-08-26T18:00:00+02:00", passId=half["id"])  # month 8
    assert (august["pass"], august["errors"]) == (None, [{
        "code": "PASS_NOT_VALID",
        "message": "The pass is valid from 2026-01-25 through 2026-08-24; the visit is outside it."}])

    # What Mia sees.
    me = await trial.me("2026-08-27T10:00:00+02:00")
    assert me["passes"] == [
        {"product": {"name": "Climbing half year"}, "status": "ACTIVE", "visitsUsed": 1, "creditBalance": None},
        {"product": {"name": "Harbor Kitchen prepaid"}, "status": "ACTIVE", "visitsUsed": 0,
         "creditBalance": {"amount": "85.00"}},
        {"product": {"name": "Harbor coffee card"}, "status": "ACTIVE", "visitsUsed": 1, "creditBalance": None},
        {"product": {"name": "Climbing 5 + 1"}, "status": "USED_UP", "visitsUsed": 6, "creditBalance": None},
        {"product": {"name": "Harbor coffee card"}, "status": "USED_UP", "visitsUsed": 10, "creditBalance": None},
    ]
    assert [e["node"] for e in me["issuedRewards"]["edges"]] == [
        {"code": coupon["code"], "status": "ACTIVE", "reward": {"name": "Free coffee"}}]
    history = [tuple(e["node"].values()) for e in me["activity"]["edges"]]
    assert history[:7] == [
        ("VISIT", 10, "Visit with your Climbing half year, valid through 24 August 2026"),
        ("PASS", 0, "Climbing half year paid: valid through 24 August 2026"),
        ("PASS", 0, "Climbing half year bought for EUR 240.00: it starts when the payment is in"),
        ("PURCHASE", 30, "Purchase of EUR 60.00 (order HK-1), EUR 15.00 of it paid in money: 1 point per EUR, "
                         "2X new member bonus"),
        ("PASS", 0, "Paid EUR 45.00 with your Harbor Kitchen prepaid (order HK-1): EUR 85.00 left"),
        ("PASS", 0, "EUR 130.00 of credit on your Harbor Kitchen prepaid"),
        ("PASS", 0, "Harbor Kitchen prepaid bought for EUR 100.00: it starts when the payment is in"),
    ]
    assert ("PASS", 0, "Your Climbing 5 + 1 is used up: all 6 visits taken") in history
    assert ("VISIT", 10, "Visit with your Climbing 5 + 1: the last of its 6 visits") in history
    assert ("PASS", 0, f"Your Harbor coffee card is complete: Free coffee is yours, coupon {coupon['code']}") in history
    assert await verify_ledger() == []
