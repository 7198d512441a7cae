"""A member's visits and the pass changes that move no value, written for their history:
Member.activity shows them among the ledger's transfers (loyalty.wallet merges the two),
described in the member's language by loyalty.ledger.descriptions from `code` and `memo`.

Each entry names the pass and what it has left: a visit (kind VISIT) stamps a card
(VISIT_STAMP) or uses a pack (VISIT_PACK) or a time pass (VISIT_TIME); a pass change (kind
PASS) is a purchase waiting for its payment (PASS_BOUGHT), a payment (PASS_PAID), a card
complete (PASS_COMPLETED), a pack used up (PASS_USED_UP), an expiry (PASS_EXPIRED) or a
refunded payment (PASS_REFUNDED). A change that moves pass credit is a ledger transfer
(PASS_CREDIT, PAY_WITH_PASS, PASS_EXPIRY, PASS_CANCELED) and is the history's entry itself,
as is the points entry of a visit that earns the VISIT earning rule's points (its memo
carries the visit's): no row here repeats them."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from loyalty import sql
from loyalty.passes.models import Pass, PassHistory, PassStatus
from loyalty.passes.payloads import pass_name
from loyalty.program.spec import PassKind, Program
from loyalty.rewards.models import IssuedReward

VISIT, PASS = "VISIT", "PASS"


class Code(StrEnum):
    VISIT_STAMP = "VISIT_STAMP"
    VISIT_PACK = "VISIT_PACK"
    VISIT_TIME = "VISIT_TIME"
    PASS_BOUGHT = "PASS_BOUGHT"
    PASS_PAID = "PASS_PAID"
    PASS_COMPLETED = "PASS_COMPLETED"
    PASS_USED_UP = "PASS_USED_UP"
    PASS_EXPIRED = "PASS_EXPIRED"
    PASS_REFUNDED = "PASS_REFUNDED"


def _kind(code: Code) -> str:
    return VISIT if code.startswith("VISIT") else PASS


def valid_through(program: Program, row: Pass) -> str | None:
    """The last local day the pass is valid, as an ISO date; None when it has no end."""
    if row.valid_until is None:
        return None
    return (row.valid_until - timedelta(microseconds=1)).astimezone(program.program.zone).date().isoformat()


def memo_of(program: Program, row: Pass, **extra: object) -> dict[str, object]:
    """The pass's name and what it has left, and `extra` (values that are None are left out)."""
    memo: dict[str, object] = {"pass_name": pass_name(program, row), "product": row.product_code}
    if row.visits_total is not None:
        memo |= {"used": row.visits_used, "total": row.visits_total, "left": max(row.visits_total - row.visits_used, 0)}
    memo |= {k: v for k, v in extra.items() if v is not None}
    return memo


async def _newest_transfers(member_ids: Sequence[int]) -> dict[int, int]:
    if not member_ids:
        return {}
    rows = await sql.fetch(
        f"SELECT member_id, MAX(id) AS newest FROM ledger_transfers WHERE member_id IN ({sql.marks(member_ids)}) "
        "GROUP BY member_id", *member_ids,
    )
    return {int(r["member_id"]): int(r["newest"]) for r in rows}


async def _write(row: Pass, code: Code, memo: dict[str, object], at: datetime, reference: str | None) -> None:
    newest = await _newest_transfers([row.member_id])
    await PassHistory.create(member_id=row.member_id, pass_id=row.id, kind=_kind(code), code=code.value, memo=memo,
                             reference=reference, occurred_at=at, after_transfer_id=newest.get(row.member_id, 0))


async def record(program: Program, row: Pass, code: Code, at: datetime, reference: str | None = None,
                 **extra: object) -> None:
    """One entry for `row`, inside the change's transaction (the member's lock held)."""
    await _write(row, code, memo_of(program, row, **extra), at, reference)


def _reward_name(program: Program, row: Pass) -> str | None:
    product = program.pass_product(row.product_code)
    reward = program.reward(product.reward) if product is not None and product.reward else None
    return reward.name if reward is not None else None


def visit_entry(program: Program, row: Pass, location: str | None) -> tuple[Code, dict[str, object]]:
    """What a visit that used `row` (as it is after the visit) says in the history."""
    kind = PassKind(row.kind)
    if kind is PassKind.PUNCH_CARD:
        return Code.VISIT_STAMP, memo_of(program, row, location=location, reward_name=_reward_name(program, row))
    if kind is PassKind.VISIT_PACK:
        return Code.VISIT_PACK, memo_of(program, row, location=location)
    return Code.VISIT_TIME, memo_of(program, row, location=location, valid_through=valid_through(program, row))


async def visit(program: Program, row: Pass, issued: IssuedReward | None, entry: tuple[Code, dict[str, object]],
                at: datetime, reference: str, *, shown: bool = False) -> None:
    """A visit's entry (`visit_entry`; unless `shown`: the visit's points carry it), then the
    change it made to the pass: a card complete, a pack used up."""
    if not shown:
        await _write(row, entry[0], entry[1], at, reference)
    if issued is not None:
        await record(program, row, Code.PASS_COMPLETED, at, reference, reward_name=_reward_name(program, row),
                     coupon=issued.code)
    elif row.kind == PassKind.VISIT_PACK.value and row.status == PassStatus.USED_UP:
        await record(program, row, Code.PASS_USED_UP, at, reference)


async def record_each(program: Program, rows: Sequence[Pass], code: Code, at: datetime,
                      extra: dict[int, dict[str, object]] | None = None) -> None:
    """One entry per row, for a job that changes many passes: one read and one insert."""
    newest = await _newest_transfers(sorted({row.member_id for row in rows}))
    await PassHistory.bulk_create([
        PassHistory(member_id=row.member_id, pass_id=row.id, kind=_kind(code), code=code.value,
                    memo=memo_of(program, row, **(extra or {}).get(row.id, {})), occurred_at=at,
                    after_transfer_id=newest.get(row.member_id, 0))
        for row in rows
    ])
