"""chooseBonusDay and creditToSpend over HTTP, as the member app and the shop call them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from loyalty import clock
from loyalty.bonuses.models import BonusDay
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.verify import verify_ledger
from schema.relay import from_global_id
from tests.support.gql import gql
from tests.support.shop import Shop, error, errors_of, join
from tests.support.tiers import hold_tier

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
CHOOSE = """
mutation($input: ChooseBonusDayInput!) {
  chooseBonusDay(input: $input) { bonusDay member { bonusDay } errors { code field message } }
}"""
BONUS_DAY = "query { me { bonusDay } }"


def member_id(joined) -> int:
    return int(from_global_id(joined.id, "Member")[1])


async def choose(client, token: str, day: str) -> dict:
    return (await gql(client, CHOOSE, {"input": {"day": day}}, token=token))["data"]["chooseBonusDay"]


async def test_a_gold_member_chooses_a_bonus_day_and_it_shows_on_the_member(client, monkeypatch):
    with clock.frozen_at(NOW):
        ann = await join(client)
        hold_tier(monkeypatch, member_id(ann), "gold")
        assert (await gql(client, BONUS_DAY, token=ann.token))["data"]["me"] == {"bonusDay": None}
        payload = await choose(client, ann.token, "2026-06-10")
        assert payload == {"bonusDay": "2026-06-10", "member": {"bonusDay": "2026-06-10"}, "errors": []}
        assert (await gql(client, BONUS_DAY, token=ann.token))["data"]["me"] == {"bonusDay": "2026-06-10"}


async def test_one_bonus_day_per_period_the_same_day_again_is_fine(client, monkeypatch):
    with clock.frozen_at(NOW):
        ann = await join(client)
        hold_tier(monkeypatch, member_id(ann), "gold")
        await choose(client, ann.token, "2026-06-10")
        assert (await choose(client, ann.token, "2026-06-10"))["errors"] == []
        other = await choose(client, ann.token, "2026-07-01")
        assert errors_of(other) == error("BONUS_DAY_ALREADY_CHOSEN", "day")
        assert other["bonusDay"] is None
        # The next calendar year is the next period.
        assert (await choose(client, ann.token, "2027-02-02"))["errors"] == []
    assert sorted(str(d) for d in await BonusDay.all().values_list("day", flat=True)) == ["2026-06-10", "2027-02-02"]


async def test_a_bonus_day_in_the_past_or_without_the_perk_is_refused_and_changes_nothing(client, monkeypatch):
    with clock.frozen_at(NOW):
        ann, bob = await join(client), await join(client, "bob@example.com")
        hold_tier(monkeypatch, member_id(ann), "gold")
        hold_tier(monkeypatch, member_id(bob), "silver")
        assert errors_of(await choose(client, ann.token, "2026-05-31")) == error("INVALID", "day")
        assert errors_of(await choose(client, bob.token, "2026-06-10")) == error("TIER_REQUIRED", "day")
        # Today (in Amsterdam) is not in the past.
        assert (await choose(client, ann.token, "2026-06-01"))["errors"] == []
    assert await BonusDay.filter(member_id=member_id(bob)).count() == 0


async def test_an_api_key_cannot_choose_a_bonus_day(client):
    shop = await Shop.open(client)
    body = await gql(client, CHOOSE, {"input": {"day": "2026-06-10"}}, token=shop.key)
    assert errors_of(body["data"]["chooseBonusDay"]) == error("FORBIDDEN")


async def test_a_purchase_on_the_bonus_day_earns_the_multiple_and_says_why(client, monkeypatch):
    with clock.frozen_at(NOW):
        shop, ann = await Shop.open(client), await join(client)
        hold_tier(monkeypatch, member_id(ann), "gold")
        await choose(client, ann.token, "2026-06-10")
    day = datetime(2026, 6, 10, 15, 0, tzinfo=timezone.utc)
    with clock.frozen_at(day):
        on_day = await shop.purchase(ann, orderId="O-1", amount="10.00", brand="northwind")
        # Gold 2X, new member 2X (joined 9 days ago), bonus day 3X: 1 + 1 + 1 + 2 = 5X.
        assert on_day["purchase"]["pointsAwarded"] == 50
    with clock.frozen_at(day + timedelta(days=1)):
        assert (await shop.purchase(ann, orderId="O-2", amount="10.00"))["purchase"]["pointsAwarded"] == 30
        history = await shop.history(ann)
    assert [e["description"] for e in history if e["reference"] == "O-1" and e["kind"] == "PURCHASE"] == [
        "Purchase of EUR 10.00 (order O-1): 1 point per EUR, 2X Gold tier, 2X new member bonus, 3X on your bonus day, "
        "5X in all"
    ]


async def test_credit_to_spend_over_http_all_or_nothing(client, monkeypatch):
    with clock.frozen_at(NOW - timedelta(days=60)):
        shop, ann = await Shop.open(client), await join(client)
    hold_tier(monkeypatch, member_id(ann), "gold")
    with clock.frozen_at(NOW):
        first = (await shop.purchase(ann, orderId="O-1", amount="100.00"))["purchase"]
        assert first["cashback"] == {"amount": "5.00", "currencyCode": "EUR"}
        assert (await shop.wallet(ann))["credit"] == {"amount": "0.00", "currencyCode": "EUR"}
        pending = await shop.call(
            "query($id: ID!) { node(id: $id) { ... on Member { wallet { pendingCredit { amount currencyCode } } } } }",
            {"id": ann.id})
        assert pending["node"]["wallet"]["pendingCredit"] == {"amount": "5.00", "currencyCode": "EUR"}
    await activate_pending(NOW + timedelta(days=14))
    with clock.frozen_at(NOW + timedelta(days=14)):
        assert (await shop.wallet(ann))["credit"] == {"amount": "5.00", "currencyCode": "EUR"}
        before = await shop.state(ann)
        refused = await shop.purchase(ann, orderId="O-2", amount="20.00", creditToSpend="5.01")
        assert (refused["purchase"], errors_of(refused)) == (None, error("INSUFFICIENT_CREDIT", "creditToSpend"))
        too_much = await shop.purchase(ann, orderId="O-2", amount="20.00", creditToSpend="20.01")
        assert errors_of(too_much) == error("INVALID", "creditToSpend")
        assert await shop.state(ann) == before
        paid = await shop.call(
            "mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) { purchase {"
            " pointsAwarded creditSpent { amount } cashback { amount } } errors { code } } }",
            {"input": {"memberId": ann.id, "orderId": "O-2", "amount": "20.00", "currencyCode": "EUR",
                       "creditToSpend": "5.00"}},
        )
        assert paid["recordPurchase"] == {
            "purchase": {"pointsAwarded": 30, "creditSpent": {"amount": "5.00"}, "cashback": {"amount": "0.75"}},
            "errors": [],
        }
        assert (await shop.wallet(ann))["credit"] == {"amount": "0.00", "currencyCode": "EUR"}
        history = await shop.history(ann)
        assert [(e["kind"], e["points"], e["credit"], e["description"]) for e in history[:3]] == [
            ("CASHBACK", 0, {"amount": "0.75", "currencyCode": "EUR"},
             "Cashback of 5% of EUR 15.00 paid in money on order O-2"),
            ("PURCHASE", 30, None,
             "Purchase of EUR 20.00 (order O-2), EUR 15.00 of it paid in money: 1 point per EUR, 2X Gold tier"),
            ("REDEMPTION", 0, {"amount": "-5.00", "currencyCode": "EUR"}, "Paid with store credit (order O-2)"),
        ]
    assert await verify_ledger() == []
