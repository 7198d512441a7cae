"""A year in the life of a member of the demo program, one dated step at a time, with the
wallet a member would work out by hand after each step: (points, pending points, store
credit in cents, pending credit in cents). The tier is set by the steps (hold_tier); the
daily jobs run in their order on the days the table says."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from loyalty import clock
from loyalty.bonuses.days import choose_bonus_day
from loyalty.jobs import JOBS
from loyalty.ledger.verify import verify_ledger
from loyalty.outbox import OutboxEvent
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import Item, PurchaseRequest, record_purchase
from loyalty.wallet import Expiry, get_wallet
from tests.support.members import new_member
from tests.support.tiers import hold_tier

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    when: str  # UTC
    what: str
    args: tuple = ()
    wallet: tuple[int, int, int, int] = (0, 0, 0, 0)  # points, pending, credit, pending credit
    why: str = ""


ITEMS_MARCH = (Item("pan", 1, Decimal("60.00"), "cookware"), Item("bread", 1, Decimal("20.00"), "food"))
ITEMS_FEB = (Item("lunch", 1, Decimal("50.00"), "food"),)

YEAR = [
    Step("2026-01-05 10:00", "join", (), (0, 0, 0, 0), "Bronze, birthday 15 April"),
    Step("2026-01-10 11:00", "buy", ("O-1", "100.00", "northwind"), (0, 200, 0, 0), "new member 2X"),
    Step("2026-01-24 11:00", "jobs", (), (200, 0, 0, 0), "the return window is over"),
    Step("2026-02-10 11:00", "buy", ("O-2", "50.00", "harbor", ITEMS_FEB), (200, 50, 0, 0),
         "day 36: the new-member bonus is over"),
    Step("2026-02-12 11:00", "refund", ("O-2", "R-1", "20.00"), (200, 30, 0, 0), "20 of 50 points taken back"),
    Step("2026-02-24 11:00", "jobs", (), (230, 0, 0, 0)),
    Step("2026-03-02 08:00", "tier", ("silver",), (230, 0, 0, 0)),
    Step("2026-03-02 11:00", "buy", ("O-3", "80.00", "harbor", ITEMS_MARCH), (230, 160, 0, 160),
         "pan 60 x (1 + 0.25 + 1) = 135, bread 20 x 1.25 = 25; 2% back"),
    Step("2026-03-16 11:00", "jobs", (), (390, 0, 160, 0)),
    Step("2026-04-01 11:00", "buy", ("O-4", "40.00", "northwind", (), 100, "1.00"), (290, 47, 60, 76),
         "100 points and 1.00 credit pay 2.00: 38.00 x 1.25 = 47.5 points, 2% = 76 cents"),
    Step("2026-04-13 05:00", "jobs", (), (390, 47, 60, 76), "Monday of the birthday week: Silver's 100 points"),
    Step("2026-04-15 11:00", "jobs", (), (437, 0, 136, 0)),
    Step("2026-05-04 08:00", "tier", ("gold",), (437, 0, 136, 0)),
    Step("2026-05-04 09:00", "bonus_day", (date(2026, 5, 20),), (437, 0, 136, 0)),
    Step("2026-05-20 11:00", "buy", ("O-5", "100.00", "northwind"), (437, 400, 136, 500),
         "bonus day: 1 + 1 (Gold) + 2 (3X) = 4X; 5% back"),
    Step("2026-05-22 11:00", "refund", ("O-5", "R-2", "100.00"), (437, 0, 136, 0), "all of it back"),
    Step("2026-06-03 05:00", "jobs", (), (437, 0, 2636, 0), "Gold's yearly 25.00"),
    Step("2026-06-03 06:00", "jobs", (), (437, 0, 2636, 0), "a second run the same day changes nothing"),
    Step("2027-04-12 05:00", "jobs", (), (687, 0, 6136, 0), "Gold birthday: 250 points and 10.00; 2027's 25.00"),
    Step("2028-01-02 09:00", "jobs", (), (687, 0, 8636, 0), "2028's 25.00; the January lot is warned"),
    Step("2028-01-31 23:00", "jobs", (), (587, 0, 8636, 0),
         "1 February 2028 in Amsterdam: what is left of January 2026's points expires; February's is warned"),
]


async def run_step(program, ann: int, step: Step, monkeypatch) -> None:
    now = at(step.when)
    with clock.frozen_at(now):
        if step.what == "tier":
            hold_tier(monkeypatch, ann, step.args[0])
        elif step.what == "buy":
            order, amount, brand, *rest = step.args
            items = rest[0] if rest else ()
            points = rest[1] if len(rest) > 1 else None
            credit = Decimal(rest[2]) if len(rest) > 2 else None
            await record_purchase(program, PurchaseRequest(
                ann, order, Decimal(amount), "EUR", brand=brand, items=items, points_to_spend=points,
                credit_to_spend=credit))
        elif step.what == "refund":
            await refund_purchase(program, RefundRequest(step.args[0], step.args[1], Decimal(step.args[2])))
        elif step.what == "bonus_day":
            await choose_bonus_day(program, ann, step.args[0])
        elif step.what == "jobs":
            for job in JOBS.values():
                await job(now)


async def test_a_year_in_the_life_of_a_member(runtime, monkeypatch):
    program = runtime.program.program
    with clock.frozen_at(at(YEAR[0].when)):
        ann = await new_member(birthday=date(1990, 4, 15))
    seen = []
    for step in YEAR[1:]:
        await run_step(program, ann, step, monkeypatch)
        wallet = await get_wallet(ann, at(step.when), program)
        seen.append((step.when, step.what, (wallet.points, wallet.pending_points, wallet.credit_minor,
                                            wallet.credit_pending_minor)))
        assert await verify_ledger() == [], step
    assert seen == [(s.when, s.what, s.wallet) for s in YEAR[1:]]


async def test_the_year_leaves_the_expiries_and_events_a_member_would_expect(runtime, monkeypatch):
    program = runtime.program.program
    with clock.frozen_at(at(YEAR[0].when)):
        ann = await new_member(birthday=date(1990, 4, 15))
    for step in YEAR[1:18]:  # up to the second run on 3 June 2026
        await run_step(program, ann, step, monkeypatch)
    expiring = (await get_wallet(ann, at("2026-06-03 06:00"), program)).expiring
    # The ends of the months 24 months on, at midnight in Amsterdam; O-4 drew its 100
    # points from the lot that expires first (January's).
    assert expiring == (
        Expiry(100, at("2028-01-31 23:00")), Expiry(30, at("2028-02-29 23:00")),
        Expiry(160, at("2028-03-31 22:00")), Expiry(147, at("2028-04-30 22:00")),
    )
    for step in YEAR[18:]:
        await run_step(program, ann, step, monkeypatch)
    topics = await OutboxEvent.filter(member_id=ann).order_by("created_at").values_list("topic", flat=True)
    assert [t for t in topics if t in ("birthday.rewarded", "tier.yearly_reward", "points.expiring",
                                       "points.expired")] == [
        "birthday.rewarded", "tier.yearly_reward", "birthday.rewarded", "tier.yearly_reward",
        "tier.yearly_reward", "points.expiring", "points.expired", "points.expiring",
    ]
