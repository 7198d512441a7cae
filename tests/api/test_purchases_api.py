"""recordPurchase and refundPurchase over HTTP: members by id or number, idempotency by
order id and refund id, the program's currency and brands, points pending for the return
window, pay with points (all or nothing), proportional clawbacks, and who may call them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from api.app import create_app
from loyalty import clock
from loyalty.runtime import build_runtime
from schema.relay import to_global_id
from tests.conftest import make_settings
from tests.support.program import demo_at_base_rate
from tests.support.gql import gql
from tests.support.shop import (
    RECORD_PURCHASE, REFUND_PURCHASE, Shop, api_key, at, error, errors_of, iso, join, summary,
)

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(days=14)  # the demo's pending_days


async def test_a_purchase_earns_pending_points_and_reads_back_exactly(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        payload = await shop.purchase(ann, orderId="O-1", amount="100.00", brand="harbor")
        purchase = payload["purchase"]
        assert payload["errors"] == []
        assert {k: v for k, v in purchase.items() if k != "id"} == {
            "orderId": "O-1", "amount": {"amount": "100.00", "currencyCode": "EUR"},
            "refundedAmount": {"amount": "0.00", "currencyCode": "EUR"}, "status": "COMPLETED",
            "pointsAwarded": 100, "pointsSpent": 0, "pointsTakenBack": 0, "pointsReturned": 0,
            "cashback": {"amount": "0.00", "currencyCode": "EUR"}, "occurredAt": iso(T0), "member": {"id": ann.id},
        }
        assert await shop.purchase_node(purchase["id"]) == purchase
        wallet, history = await shop.state(ann)
    assert (wallet["points"], wallet["pendingPoints"], wallet["lifetimePoints"]) == (100, 100, 100)
    entry = history[0]
    assert (entry["kind"], entry["status"], entry["points"], entry["reference"]) == ("PURCHASE", "PENDING", 100, "O-1")
    assert at(entry["availableAt"]) == T0 + WINDOW
    assert entry["description"] == "Purchase of EUR 100.00 (order O-1)"


@pytest.mark.parametrize("number", ["{n}", "{spaced}", " {spaced} ", "{dashed}"])
async def test_the_member_can_be_named_by_the_number_on_their_card(client, number):
    shop, ann = await Shop.open(client), await join(client)
    dashed = ann.spaced_number.replace(" ", "-")
    written = number.format(n=ann.number, spaced=ann.spaced_number, dashed=dashed)
    payload = await shop.purchase(orderId="O-1", memberNumber=written)
    assert payload["errors"] == []
    assert payload["purchase"]["member"] == {"id": ann.id}


@pytest.mark.parametrize(("member", "expected"), [
    ({}, error("REQUIRED", "memberId")),
    ({"memberId": "ANN", "memberNumber": "NUMBER"}, error("REQUIRED", "memberId")),
    ({"memberId": to_global_id("Member", 999)}, error("NOT_FOUND", "memberId")),
    ({"memberId": to_global_id("Purchase", 1)}, error("NOT_FOUND", "memberId")),
    ({"memberId": "not an id"}, error("NOT_FOUND", "memberId")),
    ({"memberNumber": "4000 0000 0002"}, error("NOT_FOUND", "memberNumber")),  # well-formed, nobody's
    ({"memberNumber": "1234"}, error("NOT_FOUND", "memberNumber")),
])
async def test_an_unnamed_or_unknown_member_records_nothing(client, member, expected):
    shop, ann = await Shop.open(client), await join(client)
    member = {k: {"ANN": ann.id, "NUMBER": ann.number}.get(v, v) for k, v in member.items()}
    before = await shop.state(ann)
    payload = await shop.purchase(orderId="O-1", **member)
    assert (payload["purchase"], errors_of(payload)) == (None, expected)
    assert await shop.state(ann) == before
    assert (await shop.purchase(ann, orderId="O-1"))["errors"] == []  # the order id is still free


@pytest.mark.parametrize(("fields", "expected"), [
    ({"currencyCode": "USD"}, error("CURRENCY_MISMATCH", "currencyCode")),
    ({"brand": "acme"}, error("INVALID", "brand")),
    ({"amount": "0"}, error("INVALID", "amount")),
    ({"amount": "-10.00"}, error("INVALID", "amount")),
    ({"amount": "10.001"}, error("INVALID", "amount")),
    ({"pointsToSpend": -1}, error("INVALID", "pointsToSpend")),
    ({"pointsToSpend": 101}, error("INSUFFICIENT_POINTS", "pointsToSpend")),  # the welcome 100 is all she has
    ({"occurredAt": iso(T0 + timedelta(hours=1))}, error("INVALID", "occurredAt")),
    ({"orderId": "   "}, error("REQUIRED", "orderId")),
])
async def test_a_refused_purchase_changes_nothing(client, fields, expected):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        before = await shop.state(ann)
        payload = await shop.purchase(ann, **{"orderId": "O-1", **fields})
        assert (payload["purchase"], errors_of(payload)) == (None, expected)
        assert await shop.state(ann) == before
        retry = await shop.purchase(ann, orderId="O-1", amount="10.00")
        assert retry["errors"] == [] and retry["purchase"]["pointsAwarded"] == 10


async def test_a_replay_returns_the_first_purchase_and_changes_nothing(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        first = (await shop.purchase(ann, orderId="O-1", amount="100.00"))["purchase"]
        after_first = await shop.state(ann)
    with clock.frozen_at(T0 + timedelta(hours=2)):
        for again in ({"amount": "100.00"}, {"amount": "100"}, {"memberNumber": ann.spaced_number}):
            member = {} if "memberNumber" in again else {"memberId": ann.id}
            payload = await shop.purchase(orderId="O-1", **member, **again)
            assert payload == {"purchase": first, "errors": []}
        assert await shop.state(ann) == after_first


@pytest.mark.parametrize("change", [{"amount": "99.99"}, {"other_member": True}, {"pointsToSpend": 10}])
async def test_the_same_order_id_with_other_details_is_a_conflict(client, change):
    shop, ann, bob = await Shop.open(client), await join(client), await join(client, "bob@example.com")
    first = (await shop.purchase(ann, orderId="O-1"))["purchase"]
    before = await shop.state(ann), await shop.state(bob)
    member = bob if "other_member" in change else ann
    payload = await shop.purchase(member, orderId="O-1", **{k: v for k, v in change.items() if k != "other_member"})
    assert (payload["purchase"], errors_of(payload)) == (None, error("IDEMPOTENCY_CONFLICT"))
    assert (await shop.state(ann), await shop.state(bob)) == before
    assert await shop.purchase_node(first["id"]) == first


async def test_the_same_order_id_with_another_currency_is_a_conflict(client):
    shop, ann = await Shop.open(client), await join(client)
    first = (await shop.purchase(ann, orderId="O-1"))["purchase"]
    before = await shop.state(ann)
    payload = await shop.purchase(ann, orderId="O-1", currencyCode="USD")
    assert (payload["purchase"], errors_of(payload)) == (None, error("IDEMPOTENCY_CONFLICT"))
    assert await shop.state(ann) == before and await shop.purchase_node(first["id"]) == first


async def test_a_replay_may_write_the_same_instant_with_another_offset(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        first = await shop.purchase(ann, orderId="O-1", occurredAt="2026-03-10T10:00:00+00:00")
        assert await shop.purchase(ann, orderId="O-1", occurredAt="2026-03-10T11:00:00+01:00") == first


async def test_points_cannot_pay_more_than_the_order(client):
    shop, ann = await Shop.open(client), await join(client)
    before = await shop.state(ann)
    payload = await shop.purchase(ann, orderId="O-1", amount="0.50", pointsToSpend=100)  # EUR 1.00 of points
    assert (payload["purchase"], errors_of(payload)) == (None, error("INVALID", "pointsToSpend"))
    assert await shop.state(ann) == before


async def test_a_member_reads_their_own_purchases_only(client):
    shop, ann, bob = await Shop.open(client), await join(client), await join(client, "bob@example.com")
    purchase = (await shop.purchase(ann, orderId="O-1"))["purchase"]
    read = "query($id: ID!) { node(id: $id) { ... on Purchase { orderId } } }"
    assert (await gql(client, read, {"id": purchase["id"]}, token=ann.token))["data"]["node"] == {"orderId": "O-1"}
    assert (await gql(client, read, {"id": purchase["id"]}, token=bob.token))["data"]["node"] is None
    writer = await api_key("purchases:write")  # reading needs members:read
    assert (await gql(client, read, {"id": purchase["id"]}, token=writer))["data"]["node"] is None


@pytest.mark.parametrize(("amount", "points"), [("9.99", 9), ("0.99", 0), ("1234.56", 1234), ("0.01", 0)])
async def test_points_are_the_amount_at_one_per_euro_rounded_down(client, amount, points):
    shop, ann = await Shop.open(client), await join(client)
    purchase = (await shop.purchase(ann, orderId="O-1", amount=amount))["purchase"]
    assert (purchase["amount"]["amount"], purchase["pointsAwarded"]) == (amount, points)
    assert (await shop.wallet(ann))["pendingPoints"] == points


@pytest.mark.parametrize(("age", "status"), [(WINDOW - timedelta(seconds=1), "PENDING"), (WINDOW, "POSTED")])
async def test_points_are_pending_until_occurred_at_plus_the_return_window(client, age, status):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        await shop.purchase(ann, orderId="O-1", occurredAt=iso(T0 - age))
        wallet, history = await shop.state(ann)
    pending = 100 if status == "PENDING" else 0
    assert (wallet["points"], wallet["pendingPoints"]) == (200 - pending, pending)
    assert (history[0]["status"], history[0]["occurredAt"]) == (status, iso(T0 - age))
    assert history[0]["availableAt"] == (iso(T0 - age + WINDOW) if pending else None)


@pytest.fixture
async def instant_client(clean_db, workdir, tmp_path):
    """A program without a return window, rounding half up."""
    text = demo_at_base_rate().replace("pending_days = 14", "pending_days = 0")
    path = tmp_path / "instant.toml"
    path.write_text(text.replace('points_rounding = "down"', 'points_rounding = "half_up"'))
    runtime = await build_runtime(make_settings(workdir, PROGRAM_FILE=path))
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
    await runtime.close()


async def test_with_no_return_window_points_are_posted_at_once(instant_client):
    shop, ann = await Shop.open(instant_client), await join(instant_client)
    assert (await shop.purchase(ann, orderId="O-1", amount="9.50"))["purchase"]["pointsAwarded"] == 10
    wallet, history = await shop.state(ann)
    assert (wallet["points"], wallet["pendingPoints"], wallet["lifetimePoints"]) == (110, 0, 110)
    assert summary(history)[0] == ("PURCHASE", "POSTED", 10, "O-1")


async def test_points_pay_part_of_an_order_and_only_the_rest_earns(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        purchase = (await shop.purchase(ann, orderId="O-1", amount="10.00", pointsToSpend=60))["purchase"]
        wallet, history = await shop.state(ann)
    # 60 points pay EUR 0.60; the other EUR 9.40 earns 9 points.
    assert (purchase["pointsSpent"], purchase["pointsAwarded"], purchase["status"]) == (60, 9, "COMPLETED")
    assert (wallet["points"], wallet["pendingPoints"], wallet["lifetimePoints"]) == (40, 9, 100)
    assert summary(history)[:2] == [("PURCHASE", "PENDING", 9, "O-1"), ("REDEMPTION", "POSTED", -60, "O-1")]
    assert history[1]["description"] == "Paid with points (order O-1)"


async def test_refunds_take_points_back_in_proportion_and_set_the_status(client):
    with clock.frozen_at(T0):
        shop, ann = await Shop.open(client), await join(client)
        await shop.purchase(ann, orderId="O-1", amount="100.00")
        first = await shop.refund("O-1", "R-1", "33.33")
        part = first["purchase"]
        assert first["errors"] == []
        assert (part["status"], part["refundedAmount"], part["pointsTakenBack"]) == (
            "PARTIALLY_REFUNDED", {"amount": "33.33", "currencyCode": "EUR"}, 33)
        assert (await shop.wallet(ann))["pendingPoints"] == 67
        assert await shop.refund("O-1", "R-1", "33.33") == first  # a replay
        assert (await shop.wallet(ann))["pendingPoints"] == 67
        whole = (await shop.refund("O-1", "R-2", "66.67"))["purchase"]
        assert (whole["status"], whole["refundedAmount"]["amount"], whole["pointsTakenBack"]) == (
            "REFUNDED", "100.00", 100)
        assert whole["id"] == part["id"] and await shop.purchase_node(whole["id"]) == whole
        wallet, history = await shop.state(ann)
    assert (wallet["points"], wallet["pendingPoints"], wallet["lifetimePoints"]) == (100, 0, 100)
    assert summary(history)[:3] == [
        ("REFUND", "PENDING", -67, "R-2"), ("REFUND", "PENDING", -33, "R-1"), ("PURCHASE", "PENDING", 100, "O-1")]


async def test_a_refund_gives_back_the_points_spent_on_the_order(client):
    shop, ann = await Shop.open(client), await join(client)
    await shop.purchase(ann, orderId="O-1", amount="10.00", pointsToSpend=60)
    half = (await shop.refund("O-1", "R-1", "5.00"))["purchase"]
    assert (half["pointsReturned"], half["pointsTakenBack"], half["status"]) == (30, 4, "PARTIALLY_REFUNDED")
    rest = (await shop.refund("O-1", "R-2", "5.00"))["purchase"]
    assert (rest["pointsReturned"], rest["pointsTakenBack"], rest["status"]) == (60, 9, "REFUNDED")
    wallet, history = await shop.state(ann)
    assert (wallet["points"], wallet["pendingPoints"]) == (100, 0)
    assert [e[:3] for e in summary(history)[:2]] == [("REFUND", "POSTED", 30), ("REFUND", "PENDING", -5)]


@pytest.mark.parametrize(("refund", "expected"), [
    ({"orderId": "O-2", "refundId": "R-2", "amount": "1.00"}, error("NOT_FOUND", "orderId")),
    ({"orderId": "O-1", "refundId": "R-2", "amount": "40.01"}, error("REFUND_EXCEEDS_PURCHASE", "amount")),
    ({"orderId": "O-1", "refundId": "R-1", "amount": "10.00"}, error("IDEMPOTENCY_CONFLICT")),
    ({"orderId": "O-3", "refundId": "R-1", "amount": "60.00"}, error("IDEMPOTENCY_CONFLICT")),
    ({"orderId": "O-1", "refundId": " ", "amount": "1.00"}, error("REQUIRED", "refundId")),
    ({"orderId": "O-1", "refundId": "R-2", "amount": "0.00"}, error("INVALID", "amount")),
])
async def test_a_refused_refund_changes_nothing(client, refund, expected):
    shop, ann = await Shop.open(client), await join(client)
    await shop.purchase(ann, orderId="O-1", amount="100.00")
    await shop.purchase(ann, orderId="O-3", amount="100.00")
    purchase = (await shop.refund("O-1", "R-1", "60.00"))["purchase"]
    before = await shop.state(ann)
    payload = await shop.refund(refund["orderId"], refund["refundId"], refund["amount"])
    assert (payload["purchase"], errors_of(payload)) == (None, expected)
    assert await shop.state(ann) == before and await shop.purchase_node(purchase["id"]) == purchase
    rest = (await shop.refund("O-1", "R-2", "40.00"))["purchase"]  # R-2 was not recorded
    assert (rest["status"], rest["pointsTakenBack"]) == ("REFUNDED", 100)


@pytest.mark.parametrize("mutation", ["purchase", "refund"])
@pytest.mark.parametrize("caller", ["member", "members:read", "visits:write", "anonymous", "revoked"])
async def test_only_a_key_with_purchases_write_may_record_purchases_and_refunds(client, mutation, caller):
    shop, ann = await Shop.open(client), await join(client)
    await shop.purchase(ann, orderId="O-1")
    before = await shop.state(ann)
    query, data = (RECORD_PURCHASE, {"memberId": ann.id, "orderId": "O-2", "amount": "5.00", "currencyCode": "EUR"})
    if mutation == "refund":
        query, data = REFUND_PURCHASE, {"orderId": "O-1", "refundId": "R-1", "amount": "5.00"}
    tokens = {"member": ann.token, "anonymous": None, "revoked": "lk_" + "x" * 43}
    token = tokens[caller] if caller in tokens else await api_key(caller)
    body = await gql(client, query, {"input": data}, token=token, expect_errors=True)
    if caller in ("anonymous", "revoked"):
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    else:
        assert "errors" not in body
        payload = body["data"]["recordPurchase" if mutation == "purchase" else "refundPurchase"]
        assert (payload["purchase"], errors_of(payload)) == (None, error("FORBIDDEN"))
    assert await shop.state(ann) == before


async def test_an_admin_key_may_record_purchases(client):
    ann, admin = await join(client), Shop(client, await api_key("admin"))
    assert (await admin.purchase(ann, orderId="O-1"))["purchase"]["pointsAwarded"] == 100
