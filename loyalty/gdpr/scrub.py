"""Removing an erased member's personal data from every table that holds some.

What is personal: the address (as typed, normalised, its mailbox, and every address a link was
sent to), the name, the birthday and the push tokens. The member row keeps its id and number
with placeholder values; devices, emailed tokens and sign-up requests are deleted; sessions
are revoked; the payloads of the member's events, messages and webhook deliveries lose every
value that holds one of those; a referrer's messages about the member lose the friend's name.
Call inside the erasure's transaction."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from loyalty.auth.models import AccountToken, RefreshToken, SessionFamily
from loyalty.events import REFERRAL_COMPLETED
from loyalty.members.models import Device, Member, SignupRequest
from loyalty.notifications.models import DROPPED, PENDING, Notification
from loyalty.outbox import OutboxEvent
from loyalty.referrals.models import Referral, ReferralCode
from loyalty.webhooks.models import WebhookDelivery

ERASED = "[erased]"
ERASED_NAME = "Erased member"
SECRET_KEYS = frozenset({"token", "to"})  # an emailed link's token and the address it went to


def erased_address(member_id: int) -> str:
    """Unique, so the row keeps the constraints of an address, and never deliverable."""
    return f"erased-{member_id}@erased.invalid"


def redact(value: Any, personal: frozenset[str]) -> Any:
    """`value` (JSON data) with every string that contains a personal value replaced."""
    if isinstance(value, dict):
        return {key: ERASED if key in SECRET_KEYS else redact(item, personal) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, personal) for item in value]
    if isinstance(value, str):
        folded = value.casefold()
        return ERASED if any(p in folded for p in personal) else value
    return value


async def personal_values(member: Member) -> frozenset[str]:
    """Every personal value held of the member, case-folded, for `redact`."""
    values = {member.email, member.email_normalized, member.email_canonical or "", member.display_name,
              member.birthday.isoformat() if member.birthday else ""}
    values.update(str(row.email) for row in await AccountToken.filter(member_id=member.id).only("id", "email"))
    values.update(str(row.token) for row in await Device.filter(member_id=member.id).only("id", "token"))
    return frozenset(v.casefold() for v in values if v)


async def _redact_events(member_ids: Iterable[int], personal: frozenset[str], only: str | None = None) -> None:
    ids = list(member_ids)
    events = OutboxEvent.filter(member_id__in=ids)
    notes = Notification.filter(member_id__in=ids)
    hooks = WebhookDelivery.filter(member_id__in=ids)
    if only is not None:
        events, notes, hooks = events.filter(topic=only), notes.filter(topic=only), hooks.filter(topic=only)
    for event in await events:
        await OutboxEvent.filter(id=event.id).update(payload=redact(event.payload, personal))
    for note in await notes:
        error = redact(note.last_error, personal)
        await Notification.filter(id=note.id).update(payload=redact(note.payload, personal), last_error=error)
    for hook in await hooks:
        body = json.dumps(redact(json.loads(hook.body), personal), separators=(",", ":"))
        await WebhookDelivery.filter(id=hook.id).update(body=body, last_error=redact(hook.last_error, personal))


async def _anonymise_row(member: Member, now: datetime) -> None:
    address = erased_address(member.id)
    await Member.filter(id=member.id).update(
        email=address, email_normalized=address, email_canonical=address, email_verified_at=None,
        password_hash="!", display_name=ERASED_NAME, birthday=None, marketing_consent=False,
        notify_email=False, notify_push=False, notify_marketing=False, updated_at=now, erased_at=now,
    )


async def scrub_member(member: Member, now: datetime) -> None:
    personal = await personal_values(member)
    await _redact_events([member.id], personal)
    referrers = [row.referrer_id for row in await Referral.filter(friend_id=member.id).only("id", "referrer_id")]
    await _redact_events(referrers, frozenset({member.display_name.casefold()}), only=REFERRAL_COMPLETED)
    await Notification.filter(member_id=member.id, status=PENDING).update(status=DROPPED,
                                                                           last_error="the member was erased")
    families = list(await SessionFamily.filter(member_id=member.id).values_list("id", flat=True))
    await SessionFamily.filter(Q(id__in=families) & Q(revoked_at=None)).update(revoked_at=now, revoked_reason="erased")
    await RefreshToken.filter(family_id__in=families, revoked_at=None).update(revoked_at=now)
    await Device.filter(member_id=member.id).delete()
    await AccountToken.filter(member_id=member.id).delete()
    await SignupRequest.filter(member_id=member.id).delete()
    await ReferralCode.filter(member_id=member.id).update(device_hash=None)
    await _anonymise_row(member, now)
