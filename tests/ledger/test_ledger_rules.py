"""One test (or a few) per ledger rule of loyalty/ledger/__init__.py, on a real database,
calling the domain functions directly, with exact values. Every scenario ends with
verify_ledger() finding nothing.

The demo program: 1 point per EUR (rounded down), a point is worth EUR 0.01, points are
pending for 14 days after the purchase, and each lot expires 24 months after it was earned,
at the end of that month in Europe/Amsterdam.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from loyalty import clock
from loyalty.actions.models import ActionRecord
from loyalty.actions.service import record_action
from loyalty.errors import ErrorCode, LoyaltyError
from loyalty.ledger import book
from loyalty.ledger.accounts import lock_member_account
from loyalty.ledger.activation import activate_pending
from loyalty.ledger.codes import REDEMPTION, TransferCode
from loyalty.ledger.expiry import expire_points
from loyalty.ledger.models import Account, AccountKind, Asset, Lot, LotAllocation, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import ActionKind
from loyalty.purchases.models import Purchase, Refund
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
PAST = T0 - timedelta(days=30)  # a purchase this old is out of its return window: it posts at once
AVAILABLE = T0 + timedelta(days=14)  # when a purchase made at T0 posts
UTC = timezone.utc


# -- helpers ---------------------------------------------------------------------------------

async def new_member(email: str = "ann@example.com") -> int:
    data = members.validate_new_member(members.NewMember(email, "x" * 12, "Ann"), "en")
    return (await members.create_member(data, "hash")).id


async def buy(
    program, member_id: int, order_id: str, amount: str, *, at: datetime | None = None, spend: int | None = None,
) -> Purchase:
    return await record_purchase(program, PurchaseRequest(
        member_id, order_id, Decimal(amount), "EUR", occurred_at=at, points_to_spend=spend,
    ))


async def refund(program, order_id: str, refund_id: str, amount: str) -> Purchase:
    return await refund_purchase(program, RefundRequest(order_id, refund_id, Decimal(amount)))


async def wallet(member_id: int) -> tuple[int, int, int, int]:
    """(points, pending points, lifetime points, points owed)."""
    w = await get_wallet(member_id, clock.now())
    return w.points, w.pending_points, w.lifetime_points, w.points_owed


def name_of(account: Account, members_by_id: dict[int, str]) -> str:
    if account.kind == AccountKind.PROGRAM.value:
        return f"{account.asset}:{account.code}"
    return f"{account.asset}:{account.kind}:{members_by_id[account.member_id]}"


async def balances(**members_by_name: int) -> dict[str, tuple[int, int, int]]:
    """Every account's (posted, pending in, pending out), by a readable name: every member
    account, and the program accounts that some transfer touched (all of them exist from
    start-up on)."""
    by_id = {v: k for k, v in members_by_name.items()}
    touched = {t.debit_account_id for t in await Transfer.all()} | {t.credit_account_id for t in await Transfer.all()}
    return {
        name_of(a, by_id): (a.posted, a.pending_in, a.pending_out)
        for a in await Account.all().order_by("id")
        if a.kind != AccountKind.PROGRAM.value or a.id in touched
    }


async def transfers(**members_by_name: int) -> list[tuple[Any, ...]]:
    """Every transfer as (code, debit, credit, amount, status), oldest first."""
    by_id = {v: k for k, v in members_by_name.items()}
    accounts = {a.id: name_of(a, by_id) for a in await Account.all()}
    return [
        (t.code, accounts[t.debit_account_id], accounts[t.credit_account_id], t.amount, t.status)
        for t in await Transfer.all().order_by("id")
    ]


async def counts() -> dict[str, int]:
    return {
        "purchases": await Purchase.all().count(), "refunds": await Refund.all().count(),
        "transfers": await Transfer.all().count(), "lots": await Lot.all().count(),
        "allocations": await LotAllocation.all().count(), "events": await OutboxEvent.all().count(),
        "actions": await ActionRecord.all().count(),
    }


async def rows(model) -> list[dict[str, Any]]:
    return list(await model.all().order_by("id").values())


async def assert_ledger_is_consistent() -> None:
    assert [str(v) for v in await verify_ledger()] == []


async def lot_of(transfer_id: int) -> Lot:
    return await Lot.get(transfer_id=transfer_id)


def amsterdam_month_end(year: int, month: int) -> datetime:
    """The first moment after the last day of `month`, Amsterdam time, in UTC."""
    offset = 2 if 4 <= month + 1 <= 10 else 1  # CEST from April to October (month + 1 is when it ends)
    first = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return first - timedelta(hours=offset)


# -- rule 1 ------------------------------------------------------------------------------------

async def test_rule_1_every_change_is_a_transfer_between_two_accounts_of_one_asset(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await buy(program, ann, "O-1", "100.00", at=PAST)  # 100 posted
        await buy(program, ann, "O-2", "50.00", spend=40)  # 40 spent; 50.00 - 0.40 earns 49, pending
        await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")  # 20 posted
        await refund(program, "O-1", "R-1", "10.00")  # 10 taken back from posted points

        assert await transfers(ann=ann) == [
            ("EARN_PURCHASE", "POINTS:issuance", "POINTS:member:ann", 100, "posted"),
            ("PAY_WITH_POINTS", "POINTS:member:ann", "POINTS:redemption", 40, "posted"),
            ("EARN_PURCHASE", "POINTS:issuance", "POINTS:member:ann", 49, "pending"),
            ("EARN_ACTION", "POINTS:issuance", "POINTS:member:ann", 20, "posted"),
            ("CLAWBACK", "POINTS:member:ann", "POINTS:issuance", 10, "posted"),
        ]
        accounts = {a.id: a for a in await Account.all()}
        for t in await Transfer.all():
            assert isinstance(t.amount, int) and t.amount > 0
            assert t.debit_account_id != t.credit_account_id
            assert accounts[t.debit_account_id].asset == accounts[t.credit_account_id].asset == t.asset
        assert await balances(ann=ann) == {
            "POINTS:member:ann": (100 - 40 + 20 - 10, 49, 0),
            "POINTS:issuance": (-100 - 20 + 10, 0, 49),
            "POINTS:redemption": (40, 0, 0),
        }
        await assert_ledger_is_consistent()


async def test_rule_1_a_transfer_moves_a_positive_whole_amount(runtime):
    with clock.frozen_at(T0):
        ann = await new_member()
        entry = book.Entry(TransferCode.ADJUSTMENT, "adjust:1", ann, T0)
        async with in_transaction():
            account = await lock_member_account(ann, Asset.POINTS)
            for amount in (0, -5):
                with pytest.raises(ValueError, match=f"a transfer moves a positive amount, not {amount}"):
                    await book.credit_member(account, amount, entry, "issuance")
        assert await Transfer.all().count() == 0
        assert await wallet(ann) == (0, 0, 0, 0)
        await assert_ledger_is_consistent()


# -- rule 2 ------------------------------------------------------------------------------------

async def test_rule_2_transfers_are_append_only_and_a_refund_reverses_by_a_new_transfer(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        o1 = await buy(program, ann, "O-1", "100.00", at=PAST)  # 100 posted
        o2 = await buy(program, ann, "O-2", "20.00", spend=50)  # 50 spent; 20.00 - 0.50 earns 19, pending
        before = await rows(Transfer)

        await refund(program, "O-1", "R-1", "25.00")
        await refund(program, "O-2", "R-2", "20.00")

        after = await rows(Transfer)
        assert after[: len(before)] == before  # nothing recorded was changed
        new = after[len(before):]
        assert [(t["code"], t["amount"], t["status"], t["reverses_id"], t["reference"], t["idempotency_key"])
                for t in new] == [
            ("CLAWBACK", 25, "posted", o1.earn_transfer_id, "R-1", "refund:R-1:clawback"),
            ("CLAWBACK", 19, "pending", o2.earn_transfer_id, "R-2", "refund:R-2:clawback"),
            ("RESTORE", 50, "posted", o2.spend_transfer_id, "R-2", "refund:R-2:restore"),
        ]
        earn_o1, earn_o2, spend_o2 = (next(t for t in after if t["id"] == i) for i in
                                      (o1.earn_transfer_id, o2.earn_transfer_id, o2.spend_transfer_id))
        # Each reversal goes the opposite way of the transfer it names.
        assert (new[0]["debit_account_id"], new[0]["credit_account_id"]) == (
            earn_o1["credit_account_id"], earn_o1["debit_account_id"])
        assert (new[1]["debit_account_id"], new[1]["credit_account_id"]) == (
            earn_o2["credit_account_id"], earn_o2["debit_account_id"])
        assert (new[2]["debit_account_id"], new[2]["credit_account_id"]) == (
            spend_o2["credit_account_id"], spend_o2["debit_account_id"])
        # A pending clawback waits for the credit it reverses.
        assert new[1]["available_at"] == earn_o2["available_at"] == AVAILABLE
        assert await wallet(ann) == (100 - 50 - 25 + 50, 19 - 19, 75, 0)
        await assert_ledger_is_consistent()

    # Posting pending transfers changes their status and when they posted, nothing else.
    with clock.frozen_at(AVAILABLE):
        assert await activate_pending(AVAILABLE) == 2
        posted = await rows(Transfer)
    assert len(posted) == len(after)
    for old, now in zip(after, posted):
        if old["status"] == "pending":
            assert now == {**old, "status": "posted", "posted_at": AVAILABLE, "batch_id": now["batch_id"]}
            assert now["batch_id"]
        else:
            assert now == old
    await assert_ledger_is_consistent()


# -- rule 3 ------------------------------------------------------------------------------------

async def _balances_from_transfers() -> dict[int, tuple[int, int, int]]:
    sums: dict[int, list[int]] = {a.id: [0, 0, 0] for a in await Account.all()}
    for t in await Transfer.all():
        if t.status == "posted":
            sums[t.credit_account_id][0] += t.amount
            sums[t.debit_account_id][0] -= t.amount
        elif t.status == "pending":
            sums[t.credit_account_id][1] += t.amount
            sums[t.debit_account_id][2] += t.amount
    return {k: tuple(v) for k, v in sums.items()}


async def _assert_balances_equal_transfers() -> None:
    kept = {a.id: (a.posted, a.pending_in, a.pending_out) for a in await Account.all()}
    assert kept == await _balances_from_transfers()
    for asset in Asset:
        assert sum(a.posted for a in await Account.filter(asset=asset.value)) == 0


async def test_rule_3_balances_equal_their_transfers_and_each_asset_sums_to_zero(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
        await buy(program, ann, "O-1", "100.00", at=PAST)  # 100 posted
        await buy(program, ann, "O-2", "10.00", spend=30)  # 30 spent; 10.00 - 0.30 earns 9, pending
        await refund(program, "O-2", "R-1", "5.00")  # half: 15 restored, 4 of the 9 taken back (pending)
        await record_action(program, bob, ActionKind.SIGN_UP, "bob")  # 100 posted
        assert await balances(ann=ann, bob=bob) == {
            "POINTS:member:ann": (100 - 30 + 15, 9, 4),
            "POINTS:issuance": (-200, 4, 9),
            "POINTS:redemption": (30 - 15, 0, 0),
            "POINTS:member:bob": (100, 0, 0),
        }
        await _assert_balances_equal_transfers()
        await assert_ledger_is_consistent()

    with clock.frozen_at(AVAILABLE):
        assert await activate_pending(AVAILABLE) == 2
        assert await balances(ann=ann, bob=bob) == {
            "POINTS:member:ann": (85 + 9 - 4, 0, 0),
            "POINTS:issuance": (-200 - 9 + 4, 0, 0),
            "POINTS:redemption": (15, 0, 0),
            "POINTS:member:bob": (100, 0, 0),
        }
        await _assert_balances_equal_transfers()
        await assert_ledger_is_consistent()

    expires = amsterdam_month_end(2028, 3)  # every lot here expires 24 months after March 2026, or earlier
    with clock.frozen_at(expires):
        assert await expire_points(expires) == 90 + 100
        assert await balances(ann=ann, bob=bob) == {
            "POINTS:member:ann": (0, 0, 0),
            "POINTS:issuance": (-205, 0, 0),
            "POINTS:redemption": (15, 0, 0),
            "POINTS:member:bob": (0, 0, 0),
            "POINTS:expiry": (190, 0, 0),
        }
        await _assert_balances_equal_transfers()
        await assert_ledger_is_consistent()


# -- rule 4 ------------------------------------------------------------------------------------

async def test_rule_4_a_member_account_never_goes_below_zero(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await buy(program, ann, "O-1", "100.00", at=PAST)
        assert await wallet(ann) == (100, 0, 100, 0)
        before = await counts()
        accounts_before = await rows(Account)

        with pytest.raises(LoyaltyError) as refused:
            await buy(program, ann, "O-2", "5.00", spend=101)
        assert (refused.value.code, refused.value.field, refused.value.message) == (
            ErrorCode.INSUFFICIENT_POINTS, "points_to_spend", "Not enough points.")
        assert await Purchase.get_or_none(order_id="O-2") is None
        assert await counts() == before
        assert await rows(Account) == accounts_before
        assert await wallet(ann) == (100, 0, 100, 0)
        await assert_ledger_is_consistent()

        # Exactly what is there can be spent (never clamped: all or nothing).
        o2 = await buy(program, ann, "O-2", "5.00", spend=100)
        assert (o2.points_spent, o2.points_awarded) == (100, 4)  # 5.00 - 1.00 earns 4
        assert await wallet(ann) == (0, 4, 100, 0)
        await assert_ledger_is_consistent()


async def test_rule_4_a_clawback_after_spending_books_points_owed(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        o1 = await buy(program, ann, "O-1", "100.00", at=PAST)  # 100 posted
        o2 = await buy(program, ann, "O-2", "1.00", spend=80)  # 1.00 - 0.80 earns nothing
        assert o2.points_awarded == 0
        assert await wallet(ann) == (20, 0, 100, 0)

        after = await refund(program, "O-1", "R-1", "100.00")  # takes back 100: 20 held, 80 owed
        assert after.points_clawed_back == 100
        assert await wallet(ann) == (0, 0, 0, 80)
        assert (await transfers(ann=ann))[-2:] == [
            ("CLAWBACK", "POINTS:member:ann", "POINTS:issuance", 20, "posted"),
            ("SHORTFALL", "POINTS:debt:ann", "POINTS:issuance", 80, "posted"),
        ]
        shortfall = await Transfer.get(code="SHORTFALL")
        assert (shortfall.reverses_id, shortfall.reference) == (o1.earn_transfer_id, "R-1")
        assert await balances(ann=ann) == {
            "POINTS:member:ann": (0, 0, 0),
            "POINTS:issuance": (0, 0, 0),
            "POINTS:redemption": (80, 0, 0),
            "POINTS:debt:ann": (-80, 0, 0),
        }
        await assert_ledger_is_consistent()

        # The next points credited pay what is owed first.
        await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")  # 20
        assert await wallet(ann) == (0, 0, 20, 60)
        assert (await transfers(ann=ann))[-2:] == [
            ("EARN_ACTION", "POINTS:issuance", "POINTS:member:ann", 20, "posted"),
            ("SETTLE_DEBT", "POINTS:member:ann", "POINTS:debt:ann", 20, "posted"),
        ]
        await assert_ledger_is_consistent()


async def test_rule_4_the_debit_is_a_guarded_update(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")  # 20 posted
        spend = book.Entry(TransferCode.PAY_WITH_POINTS, "spend:1", ann, T0)
        async with in_transaction():
            account = await lock_member_account(ann, Asset.POINTS)
            before = await rows(Account)
            account.posted = 1_000_000  # a stale copy in Python: the guard reads the row, not this
            with pytest.raises(book.InsufficientFunds) as refused:
                await book.debit_member(account, 21, spend, REDEMPTION, field="points")
            assert (refused.value.code, refused.value.field) == (ErrorCode.INSUFFICIENT_POINTS, "points")
            # Refused by the UPDATE itself: unchanged inside the transaction, before any rollback.
            assert await rows(Account) == before
            assert await Transfer.filter(idempotency_key="spend:1").count() == 0
        # The transaction committed: still nothing.
        assert await rows(Account) == before
        assert await wallet(ann) == (20, 0, 20, 0)

        async with in_transaction():
            account = await lock_member_account(ann, Asset.POINTS)
            await book.debit_member(account, 20, spend, REDEMPTION)
            with pytest.raises(book.InsufficientFunds):
                await book.debit_member(account, 1, book.Entry(TransferCode.PAY_WITH_POINTS, "spend:2", ann, T0),
                                        REDEMPTION)
        assert await wallet(ann) == (0, 0, 20, 0)

        # Store credit is guarded the same way.
        async with in_transaction():
            credit = await lock_member_account(ann, Asset.CREDIT)
            with pytest.raises(book.InsufficientFunds) as refused:
                await book.debit_member(credit, 1, book.Entry(TransferCode.ADJUSTMENT, "credit:1", ann, T0),
                                        REDEMPTION)
            assert refused.value.code == ErrorCode.INSUFFICIENT_CREDIT
        assert (await Account.get(id=credit.id)).posted == 0
        assert await Transfer.all().count() == 2
        await assert_ledger_is_consistent()


async def test_rule_4_points_never_pay_more_than_the_order(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await buy(program, ann, "O-1", "100.00", at=PAST)
        state = await counts(), await rows(Account)
        with pytest.raises(LoyaltyError) as refused:
            await buy(program, ann, "O-2", "0.99", spend=100)  # EUR 1.00 of points
        assert (refused.value.code, refused.value.field, refused.value.message) == (
            ErrorCode.INVALID, "points_to_spend", "The points are worth more than the order.")
        assert (await counts(), await rows(Account)) == state

        paid = await buy(program, ann, "O-2", "1.00", spend=100)  # exactly the order
        assert (paid.points_spent, paid.points_awarded) == (100, 0)
        assert await wallet(ann) == (0, 0, 100, 0)
        await assert_ledger_is_consistent()


# -- rule 5 ------------------------------------------------------------------------------------

async def test_rule_5_exactly_once_replays_return_the_first_result(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        first = await buy(program, ann, "O-1", "100.00", at=PAST)
        o2 = await buy(program, ann, "O-2", "10.00", spend=30)
        review = await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")
        refunded = await refund(program, "O-1", "R-1", "40.00")
        state = await counts(), await rows(Account), await rows(Purchase), await wallet(ann)
        assert state[3] == (100 - 30 + 20 - 40, 9, 80, 0)

    # Replayed later, when a replay would earn differently if it were recorded again.
    with clock.frozen_at(T0 + timedelta(days=1)):
        again = await buy(program, ann, "O-1", "100.00", at=PAST)
        assert (again.id, again.points_awarded, again.earn_transfer_id) == (
            first.id, 100, first.earn_transfer_id)
        again = await buy(program, ann, "O-2", "10.00", spend=30)
        assert (again.id, again.points_spent, again.spend_transfer_id, again.points_awarded) == (
            o2.id, 30, o2.spend_transfer_id, 9)
        replayed = await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")
        assert (replayed.replayed, replayed.record.id, replayed.points_awarded) == (True, review.record.id, 20)
        again = await refund(program, "O-1", "R-1", "40.00")
        assert (again.id, again.refunded_minor, again.points_clawed_back) == (refunded.id, 4000, 40)
        assert (await counts(), await rows(Account), await rows(Purchase), await wallet(ann)) == state
        await assert_ledger_is_consistent()


async def test_rule_5_same_key_other_arguments_is_idempotency_conflict(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann, bob = await new_member("ann@example.com"), await new_member("bob@example.com")
        await buy(program, ann, "O-1", "100.00", at=PAST)
        await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")
        await refund(program, "O-1", "R-1", "40.00")
        await buy(program, ann, "O-2", "30.00")
        state = await counts(), await rows(Account), await rows(Purchase), await rows(Refund)

        order_conflict = "This order was already recorded with other details."
        others = [
            PurchaseRequest(ann, "O-1", Decimal("100.01"), "EUR", occurred_at=PAST),  # amount
            PurchaseRequest(bob, "O-1", Decimal("100.00"), "EUR", occurred_at=PAST),  # member
            PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR", occurred_at=PAST, points_to_spend=10),
            PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR", occurred_at=PAST - timedelta(days=1)),
            PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR", occurred_at=PAST, brand="harbor"),
            PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR"),  # occurredAt left out
            PurchaseRequest(ann, "O-1", Decimal("100.00"), "USD", occurred_at=PAST),  # currency
        ]
        for request in others:
            with pytest.raises(LoyaltyError) as conflict:
                await record_purchase(program, request)
            assert (conflict.value.code, conflict.value.message) == (ErrorCode.IDEMPOTENCY_CONFLICT, order_conflict)

        # A new order in another currency is refused by validation instead.
        with pytest.raises(LoyaltyError) as mismatch:
            await record_purchase(program, PurchaseRequest(ann, "O-9", Decimal("100.00"), "USD", occurred_at=PAST))
        assert (mismatch.value.code, mismatch.value.field) == (ErrorCode.CURRENCY_MISMATCH, "currency")

        refund_conflict = "This refund was already recorded with other details."
        for order_id, amount in (("O-1", "40.01"), ("O-1", "10.00"), ("O-2", "40.00")):
            with pytest.raises(LoyaltyError) as conflict:
                await refund(program, order_id, "R-1", amount)
            assert (conflict.value.code, conflict.value.message) == (ErrorCode.IDEMPOTENCY_CONFLICT, refund_conflict)

        with pytest.raises(LoyaltyError) as conflict:
            await record_action(program, bob, ActionKind.PRODUCT_REVIEW, "review-1")
        assert (conflict.value.code, conflict.value.message) == (
            ErrorCode.IDEMPOTENCY_CONFLICT, "This action reference was already recorded for another member.")

        assert (await counts(), await rows(Account), await rows(Purchase), await rows(Refund)) == state
        assert await wallet(bob) == (0, 0, 0, 0)
        await assert_ledger_is_consistent()


async def test_rule_5_a_key_with_surrounding_spaces_is_the_same_key(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        first = await buy(program, ann, "O-1", "100.00")
        await refund(program, "O-1", "R-1", "10.00")
        for order_id, refund_id in ((" O-1", " R-1"), ("O-1 ", "R-1\t")):
            assert (await buy(program, ann, order_id, "100.00")).id == first.id
            assert (await refund(program, order_id, refund_id, "10.00")).refunded_minor == 1000
        assert await Purchase.all().values_list("order_id", flat=True) == ["O-1"]
        assert await Refund.all().values_list("refund_id", flat=True) == ["R-1"]
        assert await wallet(ann) == (0, 90, 0, 0)
        await assert_ledger_is_consistent()


# -- rule 6 ------------------------------------------------------------------------------------

async def test_rule_6_a_pending_transfer_posts_at_most_once(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        o1 = await buy(program, ann, "O-1", "100.00")
        await refund(program, "O-1", "R-1", "30.00")  # a pending clawback of 30
        assert await wallet(ann) == (0, 70, 0, 0)
        earn = await Transfer.get(id=o1.earn_transfer_id)
        claw = await Transfer.get(code="CLAWBACK")
        assert (earn.status, earn.available_at, claw.status, claw.available_at, claw.reverses_id) == (
            "pending", AVAILABLE, "pending", AVAILABLE, earn.id)

    just_before = AVAILABLE - timedelta(seconds=1)
    with clock.frozen_at(just_before):
        assert await activate_pending(just_before) == 0
        assert await wallet(ann) == (0, 70, 0, 0)

    with clock.frozen_at(AVAILABLE):
        assert await activate_pending(AVAILABLE) == 2  # the credit and its clawback, together
        earn, claw = await Transfer.get(id=earn.id), await Transfer.get(id=claw.id)
        assert (earn.status, earn.posted_at, claw.status, claw.posted_at) == ("posted", AVAILABLE, "posted", AVAILABLE)
        assert earn.batch_id == claw.batch_id
        lot = await lot_of(earn.id)
        assert (lot.amount, lot.remaining, lot.expires_at) == (100, 70, amsterdam_month_end(2028, 3))
        assert [(a.lot_id, a.transfer_id, a.amount) for a in await LotAllocation.all()] == [(lot.id, claw.id, 30)]
        assert await wallet(ann) == (70, 0, 70, 0)
        state = await counts(), await rows(Account), await rows(Transfer), await rows(Lot)

        assert await activate_pending(AVAILABLE) == 0
        assert (await counts(), await rows(Account), await rows(Transfer), await rows(Lot)) == state

    later = AVAILABLE + timedelta(days=30)
    with clock.frozen_at(later):
        assert await activate_pending(later) == 0
        assert (await counts(), await rows(Account), await rows(Transfer), await rows(Lot)) == state
        # A refund after the points posted takes them from the member's points instead.
        await refund(program, "O-1", "R-2", "70.00")
        assert await wallet(ann) == (0, 0, 0, 0)
        assert (await Lot.get(id=lot.id)).remaining == 0
        await assert_ledger_is_consistent()


# -- rule 7 ------------------------------------------------------------------------------------

async def test_rule_7_spending_draws_from_lots_that_expire_first_and_a_refund_restores_the_same_lots(runtime):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        a = await buy(program, ann, "O-A", "50.00", at=datetime(2025, 1, 10, 10, 0, tzinfo=UTC))
        b = await buy(program, ann, "O-B", "30.00", at=datetime(2024, 6, 5, 10, 0, tzinfo=UTC))
        await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")
        c = await Transfer.get(code="EARN_ACTION")
        lot_a, lot_b, lot_c = await lot_of(a.earn_transfer_id), await lot_of(b.earn_transfer_id), await lot_of(c.id)
        expiry = {
            lot_a.id: amsterdam_month_end(2027, 1),  # 2027-01-31T23:00Z
            lot_b.id: amsterdam_month_end(2026, 6),  # 2026-06-30T22:00Z
            lot_c.id: amsterdam_month_end(2028, 3),  # 2028-03-31T22:00Z
        }
        assert expiry[lot_b.id] == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
        assert {lot.id: lot.expires_at for lot in (lot_a, lot_b, lot_c)} == expiry
        assert [(lot.amount, lot.remaining) for lot in (lot_a, lot_b, lot_c)] == [(50, 50), (30, 30), (20, 20)]

        spent = await buy(program, ann, "O-S", "10.00", spend=60)
        allocations = await LotAllocation.filter(transfer_id=spent.spend_transfer_id).order_by("id")
        assert [(x.lot_id, x.amount) for x in allocations] == [(lot_b.id, 30), (lot_a.id, 30)]

        async def remaining() -> dict[int, int]:
            return {lot.id: lot.remaining for lot in await Lot.filter(id__in=list(expiry))}

        assert await remaining() == {lot_a.id: 20, lot_b.id: 0, lot_c.id: 20}
        view = await get_wallet(ann, T0)
        assert [(e.points, e.expires_at) for e in view.expiring] == [(20, expiry[lot_a.id]), (20, expiry[lot_c.id])]
        await assert_ledger_is_consistent()

        # Half the order back: half the points back, to the lot that expires last among those drawn.
        await refund(program, "O-S", "R-1", "5.00")
        restore_1 = await Transfer.get(idempotency_key="refund:R-1:restore")
        assert (restore_1.amount, restore_1.reverses_id) == (30, spent.spend_transfer_id)
        assert [(x.lot_id, x.amount) for x in await LotAllocation.filter(transfer_id=restore_1.id)] == [(lot_a.id, -30)]
        assert await remaining() == {lot_a.id: 50, lot_b.id: 0, lot_c.id: 20}
        await assert_ledger_is_consistent()

        # The rest: the other lot gets its points back, with its own (earlier) expiry.
        await refund(program, "O-S", "R-2", "5.00")
        restore_2 = await Transfer.get(idempotency_key="refund:R-2:restore")
        assert [(x.lot_id, x.amount) for x in await LotAllocation.filter(transfer_id=restore_2.id)] == [(lot_b.id, -30)]
        assert await remaining() == {lot_a.id: 50, lot_b.id: 30, lot_c.id: 20}
        assert {lot.id: lot.expires_at for lot in await Lot.filter(id__in=list(expiry))} == expiry
        view = await get_wallet(ann, T0)
        assert view.points == 100
        assert [(e.points, e.expires_at) for e in view.expiring] == [
            (30, expiry[lot_b.id]), (50, expiry[lot_a.id]), (20, expiry[lot_c.id])]
        await assert_ledger_is_consistent()

    # Restored points expire when their lot does.
    moment = expiry[lot_b.id]
    with clock.frozen_at(moment):
        assert await expire_points(moment) == 30
        assert await remaining() == {lot_a.id: 50, lot_b.id: 0, lot_c.id: 20}
        assert (await get_wallet(ann, moment)).points == 70
        await assert_ledger_is_consistent()


# -- rule 8 ------------------------------------------------------------------------------------

async def _events(since: int = 0) -> list[tuple[str, int | None, dict]]:
    """The points events, by when they were written (then by topic: one transaction can write two)."""
    found = await OutboxEvent.filter(topic__startswith="points.").values("topic", "member_id", "payload", "created_at")
    found.sort(key=lambda e: (e["created_at"], e["topic"]))
    return [(e["topic"], e["member_id"], e["payload"]) for e in found][since:]


async def test_rule_8_events_are_written_to_the_outbox_in_the_same_transaction(runtime, monkeypatch):
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await buy(program, ann, "O-1", "100.00")
    with clock.frozen_at(T0 + timedelta(seconds=1)):
        await record_action(program, ann, ActionKind.PRODUCT_REVIEW, "review-1")
    with clock.frozen_at(T0 + timedelta(seconds=2)):
        await buy(program, ann, "O-2", "5.00", spend=20)  # 5.00 - 0.20 earns 4
    with clock.frozen_at(T0 + timedelta(seconds=3)):
        await refund(program, "O-1", "R-1", "50.00")
        assert await _events() == [
            ("points.earned", ann, {"points": 100, "order": "O-1", "pending": True,
                                    "available_at": "2026-03-24T12:00:00+00:00"}),
            ("points.earned", ann, {"points": 20, "action": "PRODUCT_REVIEW"}),
            ("points.earned", ann, {"points": 4, "order": "O-2", "pending": True,
                                    "available_at": "2026-03-24T12:00:02+00:00"}),
            ("points.spent", ann, {"points": 20, "order": "O-2"}),
            ("points.clawed_back", ann, {"points": 50, "owed": 0, "order": "O-1", "refund": "R-1"}),
        ]
        assert await OutboxEvent.filter(published_at__not_isnull=True).count() == 0

        # A failed pay-with-points writes no event (nor anything else).
        state = await counts()
        with pytest.raises(LoyaltyError) as refused:
            await buy(program, ann, "O-3", "5.00", spend=1)
        assert refused.value.code == ErrorCode.INSUFFICIENT_POINTS
        assert await counts() == state
        await assert_ledger_is_consistent()

    with clock.frozen_at(AVAILABLE + timedelta(seconds=2)):  # both purchases post
        assert await activate_pending(clock.now()) == 3  # two credits and the pending clawback
        earn = await Transfer.filter(code="EARN_PURCHASE").first()
        assert len(earn.batch_id) == 32
        assert await _events(5) == [("points.activated", ann, {"points": 104, "batch": earn.batch_id})]
        assert await wallet(ann) == (100 + 4 - 50, 0, 20 + 100 + 4 - 50, 0)

    with clock.frozen_at(AVAILABLE + timedelta(seconds=3)):
        await refund(program, "O-2", "R-2", "5.00")  # takes back the 4, gives back the 20 spent
        assert await _events(6) == [
            ("points.clawed_back", ann, {"points": 4, "owed": 0, "order": "O-2", "refund": "R-2"}),
            ("points.restored", ann, {"points": 20, "order": "O-2"}),
        ]
        assert await wallet(ann) == (70, 0, 70, 0)

        # "points.spent" is written before the points earned are credited: when that fails,
        # the event goes with the rest of the transaction.
        state = await counts(), await rows(Account)

        async def failing_credit(*args, **kwargs):
            raise RuntimeError("the database went away")

        with monkeypatch.context() as patched:
            patched.setattr(book, "credit_member", failing_credit)
            with pytest.raises(RuntimeError, match="the database went away"):
                await buy(program, ann, "O-4", "5.00", spend=10)  # 5.00 - 0.10 would earn 4
        assert (await counts(), await rows(Account)) == state
        assert await Purchase.get_or_none(order_id="O-4") is None
        await assert_ledger_is_consistent()

    expires = amsterdam_month_end(2028, 3)
    with clock.frozen_at(expires):
        assert await expire_points(expires) == 70
        expiry = await Transfer.get(code="EXPIRY")
        assert await _events(8) == [("points.expired", ann, {"points": 70, "transfer": expiry.id})]
        assert [e.created_at for e in await OutboxEvent.filter(topic__in=["points.activated", "points.expired"])
                .order_by("created_at")] == [AVAILABLE + timedelta(seconds=2), expires]
        await assert_ledger_is_consistent()
