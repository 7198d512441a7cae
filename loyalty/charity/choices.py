"""The member's charity: which one, and the share of every award donated to it."""
from __future__ import annotations

from loyalty import changes, clock
from loyalty.charity.donations import find_charity
from loyalty.charity.models import CharityChoice
from loyalty.errors import LoyaltyError, NotFound
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.models import Asset
from loyalty.program.spec import Program


async def chosen(member_id: int) -> CharityChoice | None:
    return await CharityChoice.get_or_none(member_id=member_id)


async def choose_charity(
    program: Program, member_id: int, charity_code: str | None, auto_donate_percent: int | None,
) -> CharityChoice:
    """Sets the member's charity (None clears it, and the automatic share with it). The
    share is 0 to 100; left out, it stays as it was."""
    if charity_code is not None and find_charity(program, charity_code) is None:
        raise NotFound("No charity with that id.", field="charity_id")
    if auto_donate_percent is not None and not 0 <= auto_donate_percent <= 100:
        raise LoyaltyError("The share to donate is a whole percentage from 0 to 100.", field="auto_donate_percent")
    if charity_code is None and auto_donate_percent:
        raise LoyaltyError("Choose a charity to donate a share of your points to.", field="charity_id")
    now = clock.now()
    async with changes.member_change():
        await lock_member_account(member_id, Asset.POINTS)  # one change of the member at a time
        choice = await CharityChoice.get_or_none(member_id=member_id)
        if choice is None:
            choice = await CharityChoice.create(member_id=member_id, auto_donate_percent=0, updated_at=now)
        choice.charity_code = charity_code
        if charity_code is None:
            choice.auto_donate_percent = 0
        elif auto_donate_percent is not None:
            choice.auto_donate_percent = auto_donate_percent
        choice.updated_at = now
        await choice.save(update_fields=["charity_code", "auto_donate_percent", "updated_at"])
        changes.touch(member_id)
    return choice
