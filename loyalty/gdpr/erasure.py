"""Erasing a member: at a staff member's request (`erase_member`) or their own (`delete_account`)."""
from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from loyalty import changes, events, outbox
from loyalty.audit.record import Actor, record
from loyalty.auth.login import MemberAuth
from loyalty.errors import IdempotencyConflict, NotFound
from loyalty.gdpr.forfeit import forfeit_balances, forfeit_passes
from loyalty.gdpr.models import Erasure
from loyalty.gdpr.scrub import scrub_member
from loyalty.idempotency import check_key
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.members import numbers
from loyalty.members.models import Member

MEMBER_ACTOR = "member"  # the actor of an account the member deleted themself


async def erase(member_id: int, key: str, actor: str, now: datetime) -> Erasure:
    """Erases the member once; a repeat answers the first erasure and changes nothing. The
    same key for another member is IDEMPOTENCY_CONFLICT."""
    key = check_key(key, "idempotency_key")
    async with changes.member_change():
        points = await lock_member_account(member_id, Asset.POINTS)
        credit = await lock_member_account(member_id, Asset.CREDIT)
        member = await Member.select_for_update().get(id=member_id)
        used = await Erasure.get_or_none(idempotency_key=key)
        if used is not None and used.member_id != member_id:
            raise IdempotencyConflict("This idempotency key erased another member.", field="idempotency_key")
        done = used or await Erasure.get_or_none(member_id=member_id)
        if done is not None:
            return done
        try:
            erasure = await Erasure.create(member_id=member_id, idempotency_key=key, actor=actor[:128], erased_at=now)
        except IntegrityError:
            raise IdempotencyConflict("This idempotency key erased another member.", field="idempotency_key") from None
        forfeited = await forfeit_balances(points, credit, erasure.id, now)
        pass_credit = await forfeit_passes(member_id, erasure.id, now)
        erasure.points_forfeited, erasure.credit_forfeited_minor = forfeited.points, forfeited.credit_minor
        erasure.pass_credit_forfeited_minor = pass_credit
        await erasure.save(update_fields=["points_forfeited", "credit_forfeited_minor", "pass_credit_forfeited_minor"])
        await scrub_member(member, now)
        await outbox.emit(events.MEMBER_ERASED, member_id,
                          {"member_number": member.member_number, "erased_at": now.isoformat()})
        await record(Actor(actor), "member.erase", member_id, None, None,
                     {"erased_at": now.isoformat(), "points_forfeited": forfeited.points,
                      "credit_forfeited_minor": forfeited.credit_minor, "pass_credit_forfeited_minor": pass_credit},
                     at=now)
    return erasure


async def erase_member(member_number: str, key: str, actor: str, now: datetime) -> Erasure:
    """For staff: the member with this card number, erased or not (a repeat answers the first
    erasure). NOT_FOUND when no member ever had the number."""
    number = numbers.normalize(member_number)
    member = None if number is None else await Member.get_or_none(member_number=number)
    if member is None:
        raise NotFound("No member with that number.", field="member_number")
    return await erase(member.id, key, actor, now)


async def delete_account(auth: MemberAuth, member: Member, password: str, now: datetime) -> Erasure:
    """For the member: their own account, given their password."""
    await auth.check_password(member, password, "password")
    return await erase(member.id, f"account-deletion:{member.id}", MEMBER_ACTOR, now)
