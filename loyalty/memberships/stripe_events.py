"""Stripe webhook events, already verified (see api/stripe_webhook.py), applied to memberships.

The brand puts the membership's id (the PaidMembership id the API returns, or its number)
in the Stripe subscription's metadata as `membership_id`. Then:

| Stripe event                    | here                                                     |
|---------------------------------|----------------------------------------------------------|
| `invoice.paid`                  | `record_payment`, the invoice id as the payment id        |
| `invoice.payment_failed`        | `payment_failed`: an ACTIVE membership is past due        |
| `charge.refunded`               | `refund_payment` of the charge's invoice, the refund's id |
| `customer.subscription.deleted` | the membership is canceled now                           |

Each event id is applied once (a row per event); the operations it maps to are idempotent
too, so two deliveries of one event racing each other still change things once. An event
that names no membership, or another type, is acknowledged and ignored; one that the
membership refuses (AMOUNT_MISMATCH, an ended membership) is acknowledged with that code,
changing nothing, since delivering it again would not change the answer.
"""
from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError

from loyalty.errors import LoyaltyError
from loyalty.memberships import payments, subscriptions
from loyalty.memberships.models import Membership, StripeEvent
from loyalty.program.spec import Program

ACTOR = "stripe"
HANDLED = ("invoice.paid", "invoice.payment_failed", "charge.refunded", "customer.subscription.deleted")


def membership_key(value: Any) -> int | None:
    """The membership's row id from metadata: a PaidMembership global id, or the number itself."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        return number if 0 < number < 2**63 else None
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=False).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    kind, _, key = raw.partition(":")
    return membership_key(key) if kind == "PaidMembership" and key.isdigit() else None


def _dig(obj: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(name)
    return obj


def _metadata_membership(obj: dict[str, Any]) -> int | None:
    """`membership_id` from the object's own metadata, its subscription details (both API
    shapes), or its lines."""
    candidates = [
        _dig(obj, "metadata", "membership_id"),
        _dig(obj, "subscription_details", "metadata", "membership_id"),
        _dig(obj, "parent", "subscription_details", "metadata", "membership_id"),
    ]
    lines = _dig(obj, "lines", "data")
    if isinstance(lines, list):
        candidates += [_dig(line, "metadata", "membership_id") for line in lines]
    for value in candidates:
        if value is not None and (key := membership_key(value)) is not None:
            return key
    return None


def _amount(program: Program, minor: Any) -> Decimal:
    if not isinstance(minor, int) or isinstance(minor, bool):
        return Decimal(-1)
    return Decimal(minor).scaleb(-program.program.minor_units)


async def _apply(program: Program, kind: str, obj: dict[str, Any], now: datetime) -> str:
    if kind == "charge.refunded":
        invoice = obj.get("invoice")
        refunds = _dig(obj, "refunds", "data")
        refund_id = refunds[0].get("id") if isinstance(refunds, list) and refunds and isinstance(refunds[0], dict) \
            else f"{obj.get('id')}:refund"
        if not isinstance(invoice, str) or not isinstance(refund_id, str):
            return "ignored"
        await payments.refund_payment(program, invoice, refund_id, now, ACTOR)
        return "refunded"
    membership_id = _metadata_membership(obj)
    if membership_id is None or not await Membership.exists(id=membership_id):
        return "ignored"
    if kind == "invoice.paid":
        currency = str(obj.get("currency") or "").upper()
        payment = payments.Payment(membership_id, str(obj.get("id") or ""), _amount(program, obj.get("amount_paid")),
                                   currency, ACTOR)
        await payments.record_payment(program, payment, now)
        return "paid"
    if kind == "invoice.payment_failed":
        await payments.payment_failed(program, membership_id, now, ACTOR, f"invoice {obj.get('id')} failed")
        return "past_due"
    membership = await Membership.get(id=membership_id)
    if membership.live_member_id is None:
        return "ignored"
    await subscriptions.cancel(program, membership.member_id, False, now, actor=ACTOR)
    return "canceled"


async def apply_event(program: Program, event: dict[str, Any], now: datetime) -> str:
    """Applies a verified event once; returns what it did (or the code it was refused with)."""
    event_id, kind = event.get("id"), event.get("type")
    obj = _dig(event, "data", "object")
    if not isinstance(event_id, str) or not event_id or not isinstance(kind, str) or not isinstance(obj, dict):
        return "ignored"
    seen = await StripeEvent.get_or_none(event_id=event_id[:255])
    if seen is not None:
        return "replayed"
    if kind not in HANDLED:
        return "ignored"
    try:
        outcome = await _apply(program, kind, obj, now)
    except LoyaltyError as exc:
        outcome = exc.code.value
    try:
        await StripeEvent.create(event_id=event_id[:255], type=kind[:64], outcome=outcome[:64], received_at=now)
    except IntegrityError:  # the same event, applied by a concurrent delivery
        return "replayed"
    return outcome
