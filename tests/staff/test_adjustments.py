"""adjustPoints and adjustCredit: exact balances, the reason in the member's language, refusals
that change nothing, exactly once per key, and a ledger that stays consistent."""
from __future__ import annotations

import pytest

from loyalty import clock
from loyalty.ledger.models import Lot, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.staff.models import Adjustment
from tests.members import row_counts
from tests.rewards import T0
from tests.staff import adjust_credit, adjust_points, audit_rows, history, member, staff_key


@pytest.fixture(autouse=True)
def at_t0():
    with clock.frozen_at(T0):
        yield


async def test_giving_250_points_posts_them_at_once_as_a_lot_with_the_programs_expiry(client):
    key, ann = await staff_key(), await member()

    payload = await adjust_points(client, key, ann.member_number, 250, "Sorry for the late parcel")

    assert payload == {"errors": [], "wallet": {
        "points": 250, "pendingPoints": 0, "lifetimePoints": 0, "pointsOwed": 0,
        # Earned on 10 March 2026: 24 months on, to the end of March 2028 in Amsterdam.
        "expiringPoints": [{"points": 250, "expiresAt": "2028-03-31T22:00:00+00:00"}],
        "credit": {"amount": "0.00", "currencyCode": "EUR"},
    }}
    transfer = await Transfer.get(member_id=ann.id)
    assert (transfer.code, transfer.status, transfer.amount, transfer.memo) == (
        "ADJUSTMENT", "posted", 250, {"reason": "Sorry for the late parcel"})
    assert [(lot.amount, lot.remaining) for lot in await Lot.all()] == [(250, 250)]
    assert await audit_rows(ann.id) == [("support desk", "member.adjust_points", ann.id, "Sorry for the late parcel",
                                         {"points": 0}, {"points": 250, "adjustment": 250})]
    assert await verify_ledger() == []


async def test_taking_points_draws_them_from_the_balance_and_says_why(client):
    key, ann = await staff_key(), await member()
    await adjust_points(client, key, ann.member_number, 250, idempotency_key="give")

    payload = await adjust_points(client, key, ann.member_number, -100, "Double booking", idempotency_key="take")

    assert payload["errors"] == []
    assert (payload["wallet"]["points"], payload["wallet"]["expiringPoints"]) == (
        150, [{"points": 150, "expiresAt": "2028-03-31T22:00:00+00:00"}])
    assert [(e["kind"], e["status"], e["points"], e["description"]) for e in await history(client, key, ann.member_number)] == [
        ("ADJUSTMENT", "POSTED", -100, "Adjustment: Double booking"),
        ("ADJUSTMENT", "POSTED", 250, "Adjustment: Goodwill"),
    ]
    assert [row[4:] for row in await audit_rows(ann.id)] == [
        ({"points": 0}, {"points": 250, "adjustment": 250}),
        ({"points": 250}, {"points": 150, "adjustment": -100}),
    ]
    assert await verify_ledger() == []


@pytest.mark.parametrize(("locale", "description"), [
    ("en", "Adjustment: Kassa 3"), ("nl-NL", "Correctie: Kassa 3"), ("de", "Korrektur: Kassa 3"),
    ("ro", "Ajustare: Kassa 3"),
])
async def test_the_history_frames_the_reason_in_the_members_language(client, locale, description):
    key, ann = await staff_key(), await member(locale)

    await adjust_points(client, key, ann.member_number, 40, "Kassa 3")

    assert [(e["points"], e["description"]) for e in await history(client, key, ann.member_number)] == [
        (40, description)]


async def test_a_debit_beyond_the_balance_is_refused_and_changes_nothing(client):
    key, ann = await staff_key(), await member()
    await adjust_points(client, key, ann.member_number, 100, idempotency_key="give")
    before = await row_counts()

    payload = await adjust_points(client, key, ann.member_number, -101, idempotency_key="take")

    assert payload["wallet"] is None
    assert payload["errors"] == [{
        "code": "INSUFFICIENT_POINTS", "field": ["input", "points"],
        "message": "Not enough points. The member holds 100 points; a debit never goes below zero.",
    }]
    assert await row_counts() == before
    assert [(lot.remaining,) for lot in await Lot.all()] == [(100,)]
    exact = await adjust_points(client, key, ann.member_number, -100, idempotency_key="take all")
    assert (exact["errors"], exact["wallet"]["points"]) == ([], 0)
    assert await verify_ledger() == []


async def test_the_same_key_applies_once_and_other_details_under_it_are_a_conflict(client):
    key, ann = await staff_key(), await member()
    first = await adjust_points(client, key, ann.member_number, 250, idempotency_key="k")

    again = await adjust_points(client, key, ann.member_number, 250, idempotency_key="k")
    other = await adjust_points(client, key, ann.member_number, 300, idempotency_key="k")

    assert again == first
    assert other["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert (await Adjustment.all().count(), await Transfer.filter(member_id=ann.id).count()) == (1, 1)
    assert len(await audit_rows(ann.id)) == 1


@pytest.mark.parametrize(("points", "reason", "error"), [
    (0, "Goodwill", {"code": "INVALID", "field": ["input", "points"]}),
    (10, "  ", {"code": "REQUIRED", "field": ["input", "reason"]}),
    (10, "x" * 501, {"code": "INVALID", "field": ["input", "reason"]}),
])
async def test_bad_adjustments_are_refused_and_change_nothing(client, points, reason, error):
    key, ann = await staff_key(), await member()
    before = await row_counts()

    payload = await adjust_points(client, key, ann.member_number, points, reason)

    assert [{k: e[k] for k in ("code", "field")} for e in payload["errors"]] == [error]
    assert await row_counts() == before


async def test_an_unknown_member_number_is_not_found(client):
    key = await staff_key()
    payload = await adjust_points(client, key, "1234 5678 9012", 10)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", ["input", "memberNumber"])]


async def test_store_credit_is_given_and_taken_in_the_programs_currency(client):
    key, ann = await staff_key(), await member("nl")

    given = await adjust_credit(client, key, ann.member_number, "12.50", "Beschadigd pakket", "c1")
    taken = await adjust_credit(client, key, ann.member_number, "-2.25", "Te veel gegeven", "c2")

    assert given["wallet"]["credit"] == {"amount": "12.50", "currencyCode": "EUR"}
    assert taken["wallet"]["credit"] == {"amount": "10.25", "currencyCode": "EUR"}
    assert taken["wallet"]["points"] == 0
    assert [(e["kind"], e["points"], e["credit"], e["description"])
            for e in await history(client, key, ann.member_number)] == [
        ("ADJUSTMENT", 0, {"amount": "-2.25", "currencyCode": "EUR"}, "Correctie: Te veel gegeven"),
        ("ADJUSTMENT", 0, {"amount": "12.50", "currencyCode": "EUR"}, "Correctie: Beschadigd pakket"),
    ]
    assert [row[1:] for row in await audit_rows(ann.id)] == [
        ("member.adjust_credit", ann.id, "Beschadigd pakket", {"credit": "0.00", "currency": "EUR"},
         {"credit": "12.50", "currency": "EUR", "adjustment": "12.50"}),
        ("member.adjust_credit", ann.id, "Te veel gegeven", {"credit": "12.50", "currency": "EUR"},
         {"credit": "10.25", "currency": "EUR", "adjustment": "-2.25"}),
    ]
    assert await verify_ledger() == []


@pytest.mark.parametrize(("amount", "currency", "error"), [
    ("-10.26", "EUR", ("INSUFFICIENT_CREDIT", ["input", "amount"])),
    ("5.00", "USD", ("CURRENCY_MISMATCH", ["input", "currencyCode"])),
    ("0.001", "EUR", ("INVALID", ["input", "amount"])),
    ("0", "EUR", ("INVALID", ["input", "amount"])),
])
async def test_a_credit_adjustment_that_cannot_apply_is_refused_and_changes_nothing(client, amount, currency, error):
    key, ann = await staff_key(), await member()
    await adjust_credit(client, key, ann.member_number, "10.25", idempotency_key="c1")
    before = await row_counts()

    payload = await adjust_credit(client, key, ann.member_number, amount, idempotency_key="c2", currency=currency)

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [error]
    assert await row_counts() == before
