"""POST /webhooks/stripe: events signed here with a test secret (nothing leaves the machine),
verified by the stripe library; a bad signature, a stale timestamp and a replay change nothing
more than once."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest

from loyalty import clock
from loyalty.memberships.models import Membership, MembershipTransition, PlanPayment, StripeEvent
from loyalty.wallet import get_wallet
from schema.relay import to_global_id
from tests.memberships.helpers import subscribe
from tests.support.members import new_member
from tests.support.program import demo_without_new_member_bonus, use_program

SECRET = "whsec_test_secret_for_the_suite"


@pytest.fixture
async def program(runtime, monkeypatch):
    monkeypatch.setattr(runtime.settings, "stripe_webhook_secret", SECRET)
    return await use_program(runtime, demo_without_new_member_bonus())


@pytest.fixture
async def membership(program) -> Membership:
    ann = await new_member()
    return await subscribe(program, ann, "plus-monthly", clock.now())


def signed(payload: bytes, secret: str = SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(event_id: str, kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}).encode()


def invoice(membership: Membership, invoice_id: str = "in_1", amount_paid: int = 500) -> dict[str, Any]:
    return {"id": invoice_id, "object": "invoice", "amount_paid": amount_paid, "currency": "eur",
            "parent": {"subscription_details": {"metadata": {
                "membership_id": to_global_id("PaidMembership", membership.id)}}}}


async def post(client: httpx.AsyncClient, payload: bytes, signature: str) -> httpx.Response:
    return await client.post("/webhooks/stripe", content=payload,
                             headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


async def state(membership: Membership) -> tuple:
    row = await Membership.get(id=membership.id)
    return (row.status, row.current_period_end, await PlanPayment.all().count(),
            await MembershipTransition.all().count(), await StripeEvent.all().count())


async def test_a_signed_invoice_paid_activates_the_membership(client, membership):
    payload = event("evt_1", "invoice.paid", invoice(membership))
    response = await post(client, payload, signed(payload))
    assert (response.status_code, response.json()) == (200, {"received": True, "outcome": "paid"})
    row = await Membership.get(id=membership.id)
    assert row.status == "ACTIVE"
    assert (await PlanPayment.get(payment_id="in_1")).amount_minor == 500
    assert (await get_wallet(row.member_id, clock.now())).credit_minor == 500


@pytest.mark.parametrize("kind", ["other-body", "wrong-secret", "nonsense", "missing", "garbage"])
async def test_a_bad_signature_is_400_and_changes_nothing(client, membership, kind):
    payload = event("evt_1", "invoice.paid", invoice(membership))
    signature = {"other-body": signed(b"other body"), "wrong-secret": signed(payload, secret="whsec_wrong"),
                 "nonsense": "t=1,v1=00", "missing": "", "garbage": "garbage"}[kind]
    before = await state(membership)
    response = await post(client, payload, signature)
    assert response.status_code == 400
    assert await state(membership) == before


async def test_a_stale_timestamp_is_400_and_changes_nothing(client, membership):
    payload = event("evt_1", "invoice.paid", invoice(membership))
    before = await state(membership)
    response = await post(client, payload, signed(payload, at=int(time.time()) - 301))
    assert response.status_code == 400
    assert await state(membership) == before


async def test_a_replayed_event_is_applied_once(client, membership):
    payload = event("evt_1", "invoice.paid", invoice(membership))
    first = await post(client, payload, signed(payload))
    after_first = await state(membership)
    again = await post(client, payload, signed(payload))
    assert (first.json()["outcome"], again.json()["outcome"]) == ("paid", "replayed")
    assert await state(membership) == after_first
    assert after_first[2:] == (1, 2, 1)  # one payment; subscribe and pay; one event row


async def test_failed_payment_refund_and_deletion_map_to_the_lifecycle(client, membership):
    paid = event("evt_1", "invoice.paid", invoice(membership))
    await post(client, paid, signed(paid))
    failed = event("evt_2", "invoice.payment_failed", invoice(membership, "in_2"))
    assert (await post(client, failed, signed(failed))).json()["outcome"] == "past_due"
    assert (await Membership.get(id=membership.id)).status == "PAST_DUE"
    refunded = event("evt_3", "charge.refunded", {"id": "ch_1", "object": "charge", "invoice": "in_1",
                                                  "refunds": {"data": [{"id": "re_1"}]}})
    assert (await post(client, refunded, signed(refunded))).json()["outcome"] == "refunded"
    assert (await PlanPayment.get(payment_id="in_1")).refund_id == "re_1"
    deleted = event("evt_4", "customer.subscription.deleted", {
        "id": "sub_1", "object": "subscription", "metadata": {"membership_id": str(membership.id)}})
    assert (await post(client, deleted, signed(deleted))).json()["outcome"] == "canceled"
    row = await Membership.get(id=membership.id)
    assert (row.status, row.live_member_id) == ("CANCELED", None)
    steps = await MembershipTransition.filter(membership_id=membership.id).order_by("id").values_list("actor", "event")
    assert steps[1:] == [("stripe", "pay"), ("stripe", "payment_failed"), ("stripe", "refund"), ("stripe", "cancel")]


async def test_an_amount_that_is_not_the_price_is_acknowledged_and_changes_nothing(client, membership):
    payload = event("evt_1", "invoice.paid", invoice(membership, amount_paid=499))
    before = await state(membership)
    response = await post(client, payload, signed(payload))
    assert response.json()["outcome"] == "AMOUNT_MISMATCH"
    assert (await state(membership))[:4] == before[:4]


async def test_without_a_secret_the_endpoint_is_off(client, runtime, monkeypatch):
    monkeypatch.setattr(runtime.settings, "stripe_webhook_secret", None)
    payload = event("evt_1", "invoice.paid", {})
    assert (await post(client, payload, signed(payload))).status_code == 404
