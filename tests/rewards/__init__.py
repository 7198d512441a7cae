"""Helpers for rewards, charity and referral tests: members with points, and the state a
refused operation must leave as it was."""
from __future__ import annotations

import uuid
from datetime import datetime
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from loyalty import changes, clock
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.codes import ISSUANCE, TransferCode
from loyalty.ledger.models import Asset, Transfer
from loyalty.members import service as members
from loyalty.program.spec import Program
from loyalty.runtime import Runtime
from loyalty.rewards.models import IssuedReward, RewardStock
from loyalty.wallet import get_wallet


async def new_member(email: str | None = None, name: str = "Ann") -> int:
    email = email or f"{uuid.uuid4().hex[:12]}@example.com"
    data = members.validate_new_member(members.NewMember(email, "x" * 12, name), "en")
    return (await members.create_member(data, "hash")).id


async def grant(member_id: int, points: int, *, expires_at: datetime | None = None) -> Transfer:
    """Posted points for the member, as one lot (an operator's adjustment)."""
    async with changes.member_change():
        account = await lock_member_account(member_id, Asset.POINTS)
        return await book.credit_member(
            account, points,
            book.Entry(TransferCode.ADJUSTMENT, f"grant:{uuid.uuid4().hex}", member_id, clock.now(),
                       memo={"reason": "test"}),
            ISSUANCE, lot_expires_at=expires_at,
        )


async def points(member_id: int) -> int:
    return (await get_wallet(member_id, clock.now())).points


async def state(member_id: int) -> dict[str, Any]:
    """Everything a redemption could change: the wallet, stock, coupons and transfers."""
    wallet = await get_wallet(member_id, clock.now())
    return {
        "points": wallet.points, "credit": wallet.credit_minor,
        "stock": sorted(await RewardStock.all().values_list("reward_code", "issued")),
        "coupons": sorted(await IssuedReward.all().values_list("id", "status")),
        "transfers": await Transfer.all().count(),
    }


T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def program(runtime: Runtime) -> Program:
    return runtime.program.program


@pytest.fixture
def at_t0() -> Iterator[None]:
    """The clock stands at T0 for the test."""
    with clock.frozen_at(T0):
        yield
