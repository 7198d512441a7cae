"""The wallet and its history over HTTP: kept balances, upcoming expiries by day, points
owed after a refund, keyset paging of Member.activity, descriptions in the member's
locale, and the issue's done-when scenario end to end."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from loyalty import clock
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.descriptions import describe
from loyalty.ledger.expiry import expire_points
from loyalty.ledger.models import Transfer
from schema.relay import encode_cursor, from_global_id
from tests.support.gql import gql
from tests.support.shop import ME, PURCHASE_NODE, Shop, errors_of, join, log_in, me, summary

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=14)  # the demo's return window has passed
UTC = timezone.utc
# Points earned in March 2026 expire when April 2028 begins in Amsterdam (CEST, UTC+2), those
# of April 2026 when May 2028 begins, those of November 2026 when December 2028 begins (CET).
END_MARCH_2028, END_APRIL_2028 = datetime(2028, 3, 31, 22, tzinfo=UTC), datetime(2028, 4, 30, 22, tzinfo=UTC)
END_NOVEMBER_2028 = datetime(2028, 11, 30, 23, tzinfo=UTC)


def expiries(wallet: dict) -> list[tuple[int, str]]:
    return [(e["points"], e["expiresAt"]) for e in wallet["expiringPoints"]]


async def test_expiring_points_are_grouped_by_day_soonest_first(client):
    shop = await Shop.open(client)
    with clock.frozen_at(T0):
        ann = await join(client)
        await shop.purchase(ann, orderId="O-1", amount="100.00")
        assert expiries(await shop.wallet(ann)) == [(100, END_MARCH_2028.isoformat())]  # pending points never expire
    with clock.frozen_at(datetime(2026, 3, 20, 12, tzinfo=UTC)):
        await shop.action(ann, "PRODUCT_REVIEW", "review-1")
    with clock.frozen_at(T1):
        assert await activate_pending(clock.now()) == 1
    with clock.frozen_at(datetime(2026, 3, 31, 22, tzinfo=UTC)):  # 00:00 on 1 April in Amsterdam
        await shop.action(ann, "PRODUCT_REVIEW", "review-2")
    with clock.frozen_at(datetime(2026, 11, 15, 12, tzinfo=UTC)):
        await shop.action(ann, "PRODUCT_REVIEW", "review-3")
        wallet = await shop.wallet(ann)
        assert expiries(wallet) == [(220, END_MARCH_2028.isoformat()), (20, END_APRIL_2028.isoformat()),
                                    (20, END_NOVEMBER_2028.isoformat())]
        assert wallet["points"] == 260
        # Paying draws the soonest expiries first; a refund puts the points back where they were.
        assert (await shop.purchase(ann, orderId="O-2", amount="10.00", pointsToSpend=230))["errors"] == []
        assert expiries(await shop.wallet(ann)) == [
            (10, END_APRIL_2028.isoformat()), (20, END_NOVEMBER_2028.isoformat())]
        await shop.refund("O-2", "R-2", "10.00")
        assert expiries(await shop.wallet(ann)) == expiries(wallet)
    with clock.frozen_at(END_MARCH_2028 - timedelta(seconds=1)):
        assert await expire_points(clock.now()) == 0
    with clock.frozen_at(END_MARCH_2028):
        assert await expire_points(clock.now()) == 220
        wallet, history = await shop.state(ann)
    assert expiries(wallet) == [(20, END_APRIL_2028.isoformat()), (20, END_NOVEMBER_2028.isoformat())]
    assert (wallet["points"], wallet["lifetimePoints"]) == (40, 260)
    assert summary(history)[0] == ("EXPIRY", "POSTED", -220, None)
    assert history[0]["description"] == "Points expired"


async def test_points_a_refund_takes_after_they_were_spent_are_owed_and_settled_from_new_points(client):
    shop = await Shop.open(client)
    with clock.frozen_at(T0):
        ann = await join(client)
        await shop.purchase(ann, orderId="O-1", amount="100.00")
    with clock.frozen_at(T1):
        await activate_pending(clock.now())
        await shop.purchase(ann, orderId="O-2", amount="50.00", pointsToSpend=180)  # earns 48, pending
        refunded = (await shop.refund("O-1", "R-1", "100.00"))["purchase"]
        assert (refunded["status"], refunded["pointsTakenBack"]) == ("REFUNDED", 100)
        wallet, history = await shop.state(ann)
        assert [wallet[k] for k in ("points", "pendingPoints", "pointsOwed", "lifetimePoints")] == [0, 48, 80, 100]
        assert summary(history)[:2] == [("REFUND", "POSTED", 0, "R-1"), ("REFUND", "POSTED", -20, "R-1")]
        assert [e["description"] for e in history[:2]] == [
            "Points owed after refund R-1 of order O-1", "Points taken back: refund R-1 of order O-1"]
        await shop.action(ann, "PRODUCT_REVIEW", "review-1")
        wallet, history = await shop.state(ann)
        assert (wallet["points"], wallet["pointsOwed"]) == (0, 60)
        assert summary(history)[:2] == [("ADJUSTMENT", "POSTED", -20, "review-1"), ("ACTION", "POSTED", 20, "review-1")]
        assert history[0]["description"] == "Points owed, partly settled"
    with clock.frozen_at(T1 + timedelta(days=14)):
        assert await activate_pending(clock.now()) == 1
        wallet = await shop.wallet(ann)
        assert (wallet["points"], wallet["pendingPoints"], wallet["pointsOwed"]) == (0, 0, 12)
        await shop.action(ann, "PRODUCT_REVIEW", "review-2")
        wallet, history = await shop.state(ann)
    assert (wallet["points"], wallet["pointsOwed"], wallet["lifetimePoints"]) == (8, 0, 188)
    assert expiries(wallet) == [(8, END_APRIL_2028.isoformat())]
    assert summary(history)[0] == ("ADJUSTMENT", "POSTED", -12, "review-2")
    assert history[0]["description"] == "Points owed, settled"


async def test_concurrent_payments_and_replays_never_overdraw_the_wallet(client):
    shop, ann = await Shop.open(client), await join(client)
    spends = [shop.purchase(ann, orderId=f"O-{i}", amount="10.00", pointsToSpend=30) for i in range(6)]
    replays = [shop.purchase(ann, orderId="O-0", amount="10.00", pointsToSpend=30) for _ in range(3)]
    results = await asyncio.gather(*spends, *replays)
    paid = {r["purchase"]["orderId"] for r in results if r["purchase"]}
    refused = [errors_of(r) for r in results if not r["purchase"]]
    assert len(paid) == 3  # 3 x 30 of the welcome 100; the order the requests ran in decides which
    assert refused == [[{"code": "INSUFFICIENT_POINTS", "field": ["input", "pointsToSpend"]}]] * len(refused)
    first_order = [results[0], *results[6:]]  # all paid as one purchase, or all refused
    assert len({(r["purchase"] or {}).get("id") for r in first_order}) == 1
    wallet, history = await shop.state(ann)
    assert (wallet["points"], wallet["pendingPoints"], len(history)) == (10, 3 * 9, 7)


async def test_an_order_worth_more_points_than_a_wallet_can_show_is_refused(client):
    # Balances are GraphQL Int (32-bit): 2^31 points would make the wallet unreadable.
    shop, ann = await Shop.open(client), await join(client)
    before = await shop.state(ann)
    payload = await shop.purchase(ann, orderId="O-1", amount="2147483548.00")  # + the welcome 100 = 2^31
    assert (payload["purchase"], errors_of(payload)) == (None, [{"code": "INVALID", "field": ["input", "amount"]}])
    assert await shop.state(ann) == before
    assert (await shop.purchase(ann, orderId="O-1", amount="2147483547.00"))["errors"] == []  # 2^31 - 1 in all
    assert (await shop.wallet(ann))["pendingPoints"] == 2**31 - 101


async def _fill(shop: Shop, ann, first: int, last: int) -> None:
    for n in range(first, last + 1):
        assert (await shop.purchase(ann, orderId=f"O-{n:02}", amount=f"{n}.00"))["errors"] == []


def refs(connection: dict) -> list[str]:
    return [e["node"]["reference"] for e in connection["edges"]]


async def test_activity_pages_newest_first_with_cursors_that_survive_new_entries(client):
    shop = await Shop.open(client)
    with clock.frozen_at(T0):
        ann = await join(client)
        welcome = ann.number
        await _fill(shop, ann, 1, 24)
        pages, after = [], None
        for _ in range(3):
            pages.append((await me(client, ann.token, first=10, after=after))["activity"])
            after = pages[-1]["pageInfo"]["endCursor"]
        assert [refs(p) for p in pages] == [
            [f"O-{n:02}" for n in range(24, 14, -1)], [f"O-{n:02}" for n in range(14, 4, -1)],
            ["O-04", "O-03", "O-02", "O-01", welcome]]
        assert [(p["pageInfo"]["hasNextPage"], p["pageInfo"]["hasPreviousPage"]) for p in pages] == [
            (True, False), (True, True), (False, True)]
        for page in pages:
            info = page["pageInfo"]
            assert (info["startCursor"], info["endCursor"]) == (page["edges"][0]["cursor"], page["edges"][-1]["cursor"])
        await _fill(shop, ann, 25, 29)
        again = (await me(client, ann.token, first=10, after=pages[0]["pageInfo"]["endCursor"]))["activity"]
        assert again == pages[1]
        newest = (await me(client, ann.token))["activity"]  # 20 by default
        assert refs(newest) == [f"O-{n:02}" for n in range(29, 9, -1)] and newest["pageInfo"]["hasNextPage"]
        everything = (await me(client, ann.token, first=100))["activity"]
        assert len(everything["edges"]) == 30 and not everything["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize(("first", "after"), [
    (0, None), (101, None), (-1, None), (10, "not a cursor!"), (10, ""), (10, encode_cursor(["x"])),
    (10, encode_cursor([])), (10, "eyJhIjoxfQ"),  # {"a":1}
])
async def test_a_bad_page_request_is_a_top_level_invalid_error(client, first, after):
    ann = await join(client)
    body = await gql(client, ME, {"first": first, "after": after}, token=ann.token, expect_errors=True)
    assert body["data"] == {"me": None}
    assert [(e["extensions"]["code"], e["path"]) for e in body["errors"]] == [("INVALID", ["me", "activity"])]


LOCALES = {
    "nl-NL": ("Welkomstpunten", "Aankoop van EUR 100,00 (bestelling O-1), waarvan EUR 99,50 in geld",
              "Punten teruggenomen: terugbetaling R-1 van bestelling O-1"),
    "de-DE": ("Willkommenspunkte", "Einkauf über 100,00 EUR (Bestellung O-1), davon 99,50 EUR in Geld",
              "Punkte abgezogen: Erstattung R-1 zu Bestellung O-1"),
    "ro-RO": ("Puncte de bun venit", "Achiziție de 100,00 EUR (comanda O-1), din care 99,50 EUR în bani",
              "Puncte retrase: rambursarea R-1 pentru comanda O-1"),
    "fr-FR": ("Welcome points", "Purchase of EUR 100.00 (order O-1), EUR 99.50 of it paid in money",
              "Points taken back: refund R-1 of order O-1"),
}


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_member_reads_their_history_in_their_own_language(client, locale):
    shop, ann = await Shop.open(client), await join(client, locale=locale)
    await shop.purchase(ann, orderId="O-1", amount="100.00", pointsToSpend=50)
    await shop.refund("O-1", "R-1", "10.00")
    member = await me(client, ann.token, first=100)
    shown = [e["node"]["description"] for e in member["activity"]["edges"]]
    rows = await Transfer.filter(member_id=int(from_global_id(ann.id)[1])).order_by("-id")
    assert shown == [describe(r.code, r.memo, r.amount, locale) for r in rows]
    # Newest first: restore, clawback, earn, pay with points, welcome.
    welcome, purchase, clawback = LOCALES[locale]
    assert (shown[4], shown[2], shown[1]) == (welcome, purchase, clawback)
    if locale == "nl-NL":
        assert shown == ["Punten teruggegeven: terugbetaling R-1 van bestelling O-1", clawback, purchase,
                         "Betaald met punten (bestelling O-1)", welcome]


async def test_the_done_when_scenario(client):
    shop = await Shop.open(client)  # the shop's key: purchases:write and members:read
    with clock.frozen_at(T0):
        ann = await join(client)
        number = ann.spaced_number
        o1 = (await shop.purchase(orderId="O-1", memberNumber=number, amount="120.00"))["purchase"]
        assert (o1["pointsAwarded"], o1["status"]) == (120, "COMPLETED")
        refund = (await shop.refund("O-1", "R-1", "20.00"))["purchase"]
        assert (refund["status"], refund["refundedAmount"]["amount"], refund["pointsTakenBack"]) == (
            "PARTIALLY_REFUNDED", "20.00", 20)
        action = await shop.action(None, "PRODUCT_REVIEW", "review-1", memberNumber=number)
        assert (action["pointsAwarded"], action["limitReached"]) == (20, False)
        wallet = (await me(client, ann.token))["wallet"]
        assert (wallet["points"], wallet["pendingPoints"], wallet["lifetimePoints"]) == (120, 100, 120)
    with clock.frozen_at(T1):
        assert await activate_pending(clock.now()) == 2  # the purchase's points and the refund's clawback
        assert await activate_pending(clock.now()) == 0
        token = await log_in(client, ann.email)
        wallet = (await me(client, token))["wallet"]
        assert (wallet["points"], wallet["pendingPoints"], wallet["lifetimePoints"]) == (220, 0, 220)
        o2 = (await shop.purchase(orderId="O-2", memberNumber=number, amount="50.00", pointsToSpend=200))["purchase"]
        assert (o2["pointsSpent"], o2["pointsAwarded"]) == (200, 48)  # EUR 2.00 paid with points
        member = await me(client, token)
        own = (await gql(client, PURCHASE_NODE, {"id": o1["id"]}, token=token))["data"]["node"]
    assert (member["wallet"]["points"], member["wallet"]["pendingPoints"], member["wallet"]["lifetimePoints"]) == (
        20, 48, 220)
    assert own == refund
    history = [e["node"] for e in member["activity"]["edges"]]
    welcome = ann.number
    t0, t1, available = T0.isoformat(), T1.isoformat(), (T1 + timedelta(days=14)).isoformat()
    assert [(e["kind"], e["status"], e["points"], e["reference"], e["occurredAt"], e["availableAt"], e["description"])
            for e in history] == [
        ("PURCHASE", "PENDING", 48, "O-2", t1, available, "Purchase of EUR 50.00 (order O-2), EUR 48.00 of it paid in money"),
        ("REDEMPTION", "POSTED", -200, "O-2", t1, None, "Paid with points (order O-2)"),
        ("ACTION", "POSTED", 20, "review-1", t0, None, "Product review"),
        ("REFUND", "POSTED", -20, "R-1", t0, None, "Points taken back: refund R-1 of order O-1"),
        ("PURCHASE", "POSTED", 120, "O-1", t0, None, "Purchase of EUR 120.00 (order O-1)"),
        ("ACTION", "POSTED", 100, welcome, t0, None, "Welcome points"),
    ]
    assert not member["activity"]["pageInfo"]["hasNextPage"]
