"""Rewarding the referrer: once per friend, when the friend's first purchase at or above the
program's minimum has posted (its return window is over and no refund came inside it), up
to the yearly cap. Past the cap the referral completes without points. A referral whose
referrer or friend has been erased never completes: it stays PENDING, no points are given
and no message is sent (the job leaves such referrals out, and `complete` checks again
under the referrer's lock, which an erasure of the referrer also takes). The referrer's points
are an award like any other: their automatic donation takes its share, and they count as
points earned towards a POINTS_EARNED tier at once."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from loyalty import changes, events, outbox, sql
from loyalty.charity.donations import after_award
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import ISSUANCE, TransferCode
from loyalty.ledger.expiry import lot_expiry
from loyalty.ledger.models import Asset
from loyalty.members.models import Member
from loyalty.money import to_minor
from loyalty.program.spec import Program
from loyalty.program.store import load_current
from loyalty.purchases.models import Purchase, Refund
from loyalty.referrals.models import Referral, ReferralStatus
from loyalty.tiers import progress


async def qualifying_purchase(program: Program, referral: Referral, now: datetime) -> Purchase | None:
    """The friend's first purchase at or above the minimum that has posted and was not
    refunded inside its return window."""
    settings, rule = program.program, program.referral
    assert rule is not None, "referrals complete only in a program that has them"
    window = timedelta(days=settings.pending_days)
    minimum_minor = to_minor(rule.minimum_purchase, settings.minor_units, allow_zero=True)
    candidates = await Purchase.filter(
        member_id=referral.friend_id, amount_minor__gte=max(minimum_minor, 1),
    ).order_by("occurred_at", "id")
    for purchase in candidates:
        if purchase.occurred_at + window > now:
            return None  # not posted yet: the next one cannot be first
        refunded = await Refund.filter(purchase_id=purchase.id, created_at__lt=purchase.occurred_at + window).exists()
        if not refunded:
            return purchase
    return None


def _year_start(program: Program, now: datetime) -> datetime:
    local = now.astimezone(program.program.zone)
    return datetime.combine(local.date().replace(month=1, day=1), time(), tzinfo=program.program.zone)


async def _rewarded_this_year(program: Program, referrer_id: int, now: datetime) -> int:
    return await Referral.filter(
        referrer_id=referrer_id, status=ReferralStatus.COMPLETED.value, points__gt=0,
        completed_at__gte=_year_start(program, now),
    ).count()


async def _anyone_erased(referral: Referral) -> bool:
    return await Member.filter(id__in=[referral.referrer_id, referral.friend_id], erased_at__isnull=False).exists()


async def complete(program: Program, referral_id: int, purchase: Purchase, now: datetime) -> bool:
    rule = program.referral
    assert rule is not None, "referrals complete only in a program that has them"
    referral = await Referral.get(id=referral_id)
    async with changes.member_change():
        account = await lock_member_account(referral.referrer_id, Asset.POINTS)
        row = await sql.fetch_one(f"SELECT status FROM referrals WHERE id = ?{sql.for_update()}", referral_id)
        if row is None or row["status"] != ReferralStatus.PENDING.value:
            return False
        if await _anyone_erased(referral):
            return False
        capped = rule.yearly_cap is not None and await _rewarded_this_year(program, referral.referrer_id, now) >= rule.yearly_cap
        points = 0 if capped else rule.referrer_points
        transfer = None
        if points:
            transfer = await book.credit_member(
                account, points,
                book.Entry(TransferCode.REFERRAL, f"referral:{referral.id}", referral.referrer_id, now,
                           memo={"referral": referral.id}),
                ISSUANCE, lot_expires_at=lot_expiry(program, now),
            )
            await after_award(program, account, transfer)
        await Referral.filter(id=referral.id).update(
            status=ReferralStatus.COMPLETED.value, completed_at=now, purchase_id=purchase.id, points=points,
            transfer_id=transfer.id if transfer else None,
        )
        if transfer is not None:
            await progress.track(program, referral.referrer_id, now)
        friend = await Member.get(id=referral.friend_id)
        await outbox.emit(events.REFERRAL_COMPLETED, referral.referrer_id, {
            "friend_name": friend.display_name, "points": points, "capped": capped,
        })
    return True


async def complete_referrals(now: datetime) -> int:
    """The job: completes every pending referral whose friend has qualified. Idempotent."""
    current = await load_current()
    if current is None or current.program.referral is None:
        return 0
    program = current.program
    done = 0
    rows = await sql.fetch(
        "SELECT r.id FROM referrals r JOIN members a ON a.id = r.referrer_id JOIN members f ON f.id = r.friend_id "
        "WHERE r.status = ? AND a.erased_at IS NULL AND f.erased_at IS NULL ORDER BY r.id",
        ReferralStatus.PENDING.value,
    )
    pending = await Referral.filter(id__in=[int(r["id"]) for r in rows]).order_by("id")
    for referral in pending:
        purchase = await qualifying_purchase(program, referral, now)
        if purchase is not None and await complete(program, referral.id, purchase, now):
            done += 1
    return done
