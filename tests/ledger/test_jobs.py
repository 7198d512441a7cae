"""The operator's commands, run as real processes against the test database: `loyalty run-job`
with the clock moved by --now, and `loyalty verify-ledger` on a clean and a corrupted ledger."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty import clock, sql
from loyalty.ledger.models import Account, AccountKind, Lot, Transfer
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.outbox import OutboxEvent
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.wallet import get_wallet
from tests.support.cli import run_cli
from tests.support.servers import run_command

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
AVAILABLE = datetime(2026, 3, 24, 12, 0, tzinfo=timezone.utc)  # T0 + 14 days
EXPIRES = datetime(2028, 3, 31, 22, 0, tzinfo=timezone.utc)  # end of March 2028 in Amsterdam, 24 months on
NOW_ERROR = "error: --now takes an ISO date-time with an offset, e.g. 2026-03-01T02:00:00+00:00\n"


async def new_member(email: str = "ann@example.com") -> int:
    data = members.validate_new_member(members.NewMember(email, "x" * 12, "Ann"), "en")
    return (await members.create_member(data, "hash")).id


async def wallet(member_id: int) -> tuple[int, int]:
    w = await get_wallet(member_id, T0)
    return w.points, w.pending_points


async def job(settings, name: str, now: str) -> str:
    done = await run_cli(settings, "run-job", name, "--now", now)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
async def member_with_pending_points(runtime) -> int:
    """100 points pending from a purchase at T0, 30 of them refunded (a pending clawback)."""
    program = runtime.program.program
    with clock.frozen_at(T0):
        ann = await new_member()
        await record_purchase(program, PurchaseRequest(ann, "O-1", Decimal("100.00"), "EUR"))
        await refund_purchase(program, RefundRequest("O-1", "R-1", Decimal("30.00")))
    assert await wallet(ann) == (0, 70)
    return ann


async def test_run_job_activate_pending_and_expire_points_with_the_clock_moved(member_with_pending_points, settings):
    ann = member_with_pending_points

    assert await job(settings, "activate-pending", "2026-03-24T11:59:59+00:00") == (
        "activate-pending: 0 at 2026-03-24T11:59:59+00:00\n")
    assert await wallet(ann) == (0, 70)

    # The same moment given in another offset: the job reports it in UTC.
    assert await job(settings, "activate-pending", "2026-03-24T13:00:00+01:00") == (
        "activate-pending: 2 at 2026-03-24T12:00:00+00:00\n")
    assert await wallet(ann) == (70, 0)
    assert sorted(await Transfer.all().values_list("code", "status", "posted_at")) == [
        ("CLAWBACK", "posted", AVAILABLE), ("EARN_PURCHASE", "posted", AVAILABLE)]
    (lot,) = await Lot.all()
    assert (lot.amount, lot.remaining, lot.expires_at) == (100, 70, EXPIRES)
    activated = await OutboxEvent.get(topic="points.activated")
    assert (activated.member_id, activated.payload["points"], activated.created_at) == (ann, 100, AVAILABLE)

    assert await job(settings, "activate-pending", "2026-04-30T00:00:00+00:00") == (
        "activate-pending: 0 at 2026-04-30T00:00:00+00:00\n")

    assert await job(settings, "expire-points", "2028-03-31T23:59:59+02:00") == (
        "expire-points: 0 at 2028-03-31T21:59:59+00:00\n")
    assert await wallet(ann) == (70, 0)

    assert await job(settings, "expire-points", "2028-04-01T00:00:00+02:00") == (
        "expire-points: 70 at 2028-03-31T22:00:00+00:00\n")
    assert await wallet(ann) == (0, 0)
    expiry = await Transfer.get(code="EXPIRY")
    assert (expiry.amount, expiry.member_id, expiry.posted_at) == (70, ann, EXPIRES)
    assert (await Lot.get(id=lot.id)).remaining == 0
    expired = await OutboxEvent.get(topic="points.expired")
    assert (expired.member_id, expired.payload) == (ann, {"points": 70, "transfer": expiry.id})

    assert await job(settings, "expire-points", "2029-01-01T00:00:00+00:00") == (
        "expire-points: 0 at 2029-01-01T00:00:00+00:00\n")
    assert [str(v) for v in await verify_ledger()] == []


@pytest.mark.parametrize("moment", ["2026-03-24T12:00:00", "2026-03-24", "next tuesday"])
async def test_run_job_refuses_now_without_an_offset(member_with_pending_points, settings, moment):
    done = await run_cli(settings, "run-job", "activate-pending", "--now", moment)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", NOW_ERROR)
    assert await Transfer.filter(status="pending").count() == 2
    assert await wallet(member_with_pending_points) == (0, 70)


async def test_run_job_refuses_an_unknown_job(clean_db, settings):
    done = run_command(settings, "run-job", "expire-everything")
    assert (done.returncode, done.stdout) == (2, "")
    assert "argument name: invalid choice: 'expire-everything'" in done.stderr


async def test_verify_ledger_reports_a_balance_changed_by_hand(runtime, settings):
    with clock.frozen_at(T0):
        ann = await new_member()
        await record_purchase(runtime.program.program, PurchaseRequest(
            ann, "O-1", Decimal("100.00"), "EUR", occurred_at=T0 - timedelta(days=30)))
    done = await run_cli(settings, "verify-ledger")
    assert (done.returncode, done.stdout) == (0, "verify-ledger: the ledger is consistent\n")

    account = await Account.get(member_id=ann, kind=AccountKind.MEMBER.value, asset="POINTS")
    await sql.execute("UPDATE ledger_accounts SET posted = posted + 1 WHERE id = ?", account.id)

    report = [
        f"rule 3: an account's balances equal its transfers (posted, pending in, pending out): {account.id}: "
        "found 101/0/0, expected 100/0/0",
        "rule 3: each asset sums to zero: POINTS: found 1, expected 0",
        f"rule 7: a member's points equal the remainders of their lots: {account.id}: found 101, expected 100",
    ]
    done = await run_cli(settings, "verify-ledger")
    assert (done.returncode, done.stdout.splitlines()) == (1, [*report, "verify-ledger: 3 violation(s)"])
    assert [str(v) for v in await verify_ledger()] == report

    await sql.execute("UPDATE ledger_accounts SET posted = posted - 1 WHERE id = ?", account.id)
    done = await run_cli(settings, "verify-ledger")
    assert (done.returncode, done.stdout) == (0, "verify-ledger: the ledger is consistent\n")
