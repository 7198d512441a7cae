"""Donations: points moved to a charity's program account, valued at the program's point
value of the day, each with a Donation row for the member's list and an event for a receipt.

- `donate_points`: the member gives points now (to the chosen charity by default).
- `after_award`: the member's automatic share of an award, right after it posts.
- `donate_on_join` / `donate_for_plan`: the program gives on the member's behalf.
"""
from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from loyalty import changes, clock, events, outbox, sql
from loyalty.charity.models import CharityChoice, Donation, DonationSource
from loyalty.errors import LoyaltyError, NotFound
from loyalty.idempotency import check_key, check_replay, fingerprint
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import ISSUANCE, TransferCode, charity_account
from loyalty.ledger.models import Account, Asset, Transfer
from loyalty.program.spec import Charity, Program
from loyalty.staff.blocks import is_blocked, refuse_if_blocked

MAX_DONATION_POINTS = 2**31 - 1


def find_charity(program: Program, code: str | None) -> Charity | None:
    return next((c for c in program.charities if c.code == code), None)


async def _record(
    program: Program, member_id: int, charity: Charity, transfer: Transfer, source: DonationSource,
    key: str, request_hash: str | None = None,
) -> Donation:
    settings = program.program
    value_minor = program.program.points_value_minor(transfer.amount)
    donation = await Donation.create(
        member_id=member_id, charity_code=charity.code, points=transfer.amount, value_minor=value_minor,
        currency=settings.currency, source=source.value, transfer_id=transfer.id, idempotency_key=key,
        request_hash=request_hash, donated_at=transfer.occurred_at,
    )
    await outbox.emit(events.DONATION_MADE, member_id, {
        "donation_id": donation.id, "charity": charity.code, "charity_name": charity.name,
        "points": transfer.amount, "value_minor": value_minor, "currency": settings.currency,
        "automatic": source is not DonationSource.MEMBER, "source": source.value,
    })
    return donation


def _memo(charity: Charity) -> dict[str, str]:
    return {"charity": charity.code, "charity_name": charity.name}


async def _replay(key: str, request_hash: str) -> Donation | None:
    existing = await Donation.get_or_none(idempotency_key=key)
    if existing is not None:
        check_replay(existing.request_hash or "", request_hash, "donation")
    return existing


async def donate_points(
    program: Program, member_id: int, charity_code: str | None, points: int, idempotency_key: str,
) -> Donation:
    key = f"donation:{member_id}:{check_key(idempotency_key, 'idempotency_key')}"
    request_hash = fingerprint(member=member_id, charity=charity_code, points=points)
    if (existing := await _replay(key, request_hash)) is not None:
        return existing
    if not 0 < points <= MAX_DONATION_POINTS:
        raise LoyaltyError("Donate a positive number of points.", field="points")
    if charity_code is None:
        choice = await CharityChoice.get_or_none(member_id=member_id)
        charity_code = choice.charity_code if choice else None
        if charity_code is None:
            raise LoyaltyError("Choose a charity first, or name one.", field="charity_id")
    charity = find_charity(program, charity_code)
    if charity is None:
        raise NotFound("No charity with that id.", field="charity_id")
    now = clock.now()
    try:
        async with changes.member_change():
            account = await lock_member_account(member_id, Asset.POINTS)
            if (existing := await _replay(key, request_hash)) is not None:
                return existing
            await refuse_if_blocked(member_id)
            transfer = await book.debit_member(
                account, points, book.Entry(TransferCode.DONATION, key, member_id, now, memo=_memo(charity)),
                charity_account(charity.code), field="points",
            )
            return await _record(program, member_id, charity, transfer, DonationSource.MEMBER, key, request_hash)
    except IntegrityError:
        if (existing := await _replay(key, request_hash)) is not None:
            return existing
        raise


async def after_award(
    program: Program, account: Account, transfer: Transfer, *, net_amount: int | None = None,
) -> Donation | None:
    """The member's automatic share of a posted award (`autoDonatePercent` of it, or of
    `net_amount` when part of it was taken back before it posted, rounded down), drawn from
    the award's own lot, and never more than the member holds. Call inside the award's
    transaction, holding the member's lock. Exactly once per award."""
    choice = await CharityChoice.get_or_none(member_id=account.member_id)
    if choice is None or not choice.auto_donate_percent:
        return None
    charity = find_charity(program, choice.charity_code)
    base = transfer.amount if net_amount is None else net_amount
    held = await sql.fetch_aggregate(
        "SELECT COALESCE(MAX(posted), 0) AS posted FROM ledger_accounts WHERE id = ?", account.id
    )
    points = min(base * choice.auto_donate_percent // 100, int(held["posted"]))
    if charity is None or points <= 0 or await is_blocked(account.member_id):
        return None
    key = f"donation:auto:{transfer.id}"
    if await Donation.exists(idempotency_key=key):
        return None
    gift = await book.debit_member(
        account, points,
        book.Entry(TransferCode.DONATION, key, account.member_id, clock.now(), memo=_memo(charity)),
        charity_account(charity.code), prefer_lots_of=transfer.id,
    )
    return await _record(program, account.member_id, charity, gift, DonationSource.AUTOMATIC, key)


async def _program_gives(
    program: Program, member_id: int, charity: Charity, points: int, key: str, source: DonationSource,
    now: datetime,
) -> Donation | None:
    if points <= 0 or await Donation.exists(idempotency_key=key):
        return None
    transfer = await book.move_between_programs(
        Asset.POINTS, points, book.Entry(TransferCode.PROGRAM_DONATION, key, member_id, now, memo=_memo(charity)),
        ISSUANCE, charity_account(charity.code),
    )
    return await _record(program, member_id, charity, transfer, source, key)


async def donate_on_join(program: Program, member_id: int, charity_code: str, now: datetime) -> Donation | None:
    """The charity's `join_donation_points`, given by the program when a member joins choosing
    it. Inside the joining transaction."""
    charity = find_charity(program, charity_code)
    if charity is None:
        return None
    return await _program_gives(
        program, member_id, charity, charity.join_donation_points, f"donation:join:{member_id}",
        DonationSource.JOIN, now,
    )


async def donate_for_plan(program: Program, member_id: int, payment_id: str, now: datetime) -> Donation | None:
    """The chosen charity's `plan_donation_points`, given by the program for a plan payment
    (exactly once per payment id). Inside the payment's transaction; nothing without a choice."""
    choice = await CharityChoice.get_or_none(member_id=member_id)
    charity = find_charity(program, choice.charity_code if choice else None)
    if charity is None:
        return None
    return await _program_gives(
        program, member_id, charity, charity.plan_donation_points, f"donation:plan:{payment_id}",
        DonationSource.PLAN, now,
    )
