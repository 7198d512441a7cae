"""Seeding through the domain, in this process (inside `harness.domain`)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from loyalty import clock
from loyalty.auth.api_keys import create_api_key
from loyalty.auth.keys import load_signing_key
from loyalty.auth.tokens import TokenService
from loyalty.members import service as members
from loyalty.program.spec import Program
from loyalty.program.store import apply_program_file
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.settings import Settings
from loyalty.wallet import get_wallet

# Purchases older than the return window (14 days in the demo program) post at once.
POSTED_AGE = timedelta(days=15)

# Nobody logs in during a benchmark: members get a placeholder instead of a password hash.
NO_PASSWORD = "bench-no-password"


async def apply_program(settings: Settings) -> Program:
    """The program file, applied as the servers would apply it on start."""
    current, _ = await apply_program_file(settings.program_file)
    return current.program


async def create_members(count: int, *, label: str = "member") -> list[int]:
    ids = []
    for n in range(count):
        data = members.validate_new_member(
            members.NewMember(f"{label}-{n}@bench.example", "x" * 12, f"Bench {label} {n}"), "en"
        )
        ids.append((await members.create_member(data, NO_PASSWORD)).id)
    return ids


async def shop_api_key(*scopes: str) -> str:
    _, key = await create_api_key("bench shop", frozenset(scopes))
    return key


def member_token(settings: Settings, member_id: int) -> str:
    """An access token for the member, signed with the key the servers load (the development
    key in DATA_DIR, which this call creates when it is not there yet)."""
    tokens = TokenService(
        load_signing_key(settings), issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return tokens.issue(member_id).token


def spread_over(count: int, first: datetime, last: datetime) -> list[datetime]:
    """`count` moments from `first` to `last`, evenly apart, oldest first."""
    step = (last - first) / max(1, count - 1)
    return [first + step * n for n in range(count)]


def random_amount_minor(rng: random.Random) -> int:
    return rng.randint(100, 20_000)  # EUR 1.00 to 200.00


async def record_purchases(
    program: Program, member_id: int, count: int, *, label: str, span: timedelta, rng: random.Random,
    spend_every: int = 0, refund_every: int = 0,
) -> None:
    """`count` purchases over the `span` before the return window, oldest first, through the
    domain: every `spend_every`-th pays with some of the points there are, and every
    `refund_every`-th is refunded in half."""
    now = clock.now()
    for n, occurred_at in enumerate(spread_over(count, now - span, now - POSTED_AGE)):
        order_id = f"{label}-{n}"
        amount_minor = random_amount_minor(rng)
        spend = None
        if spend_every and n % spend_every == spend_every - 1:
            spend = min((await get_wallet(member_id, now)).points, rng.randint(1, 50)) or None
        await record_purchase(program, PurchaseRequest(
            member_id, order_id, Decimal(amount_minor).scaleb(-2), "EUR", occurred_at=occurred_at,
            points_to_spend=spend,
        ))
        if refund_every and n % refund_every == refund_every - 1:
            await refund_purchase(program, RefundRequest(order_id, f"{order_id}-refund", Decimal(amount_minor // 2).scaleb(-2)))


async def record_pending_purchases(program: Program, member_id: int, count: int, *, label: str, rng: random.Random) -> None:
    """`count` purchases made now: their points are pending for the return window."""
    for n in range(count):
        amount = Decimal(random_amount_minor(rng)).scaleb(-2)
        await record_purchase(program, PurchaseRequest(member_id, f"{label}-pending-{n}", amount, "EUR"))
