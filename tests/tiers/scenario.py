"""Running a member's dated steps with the settable clock, and reading back what they see.

A step happens at a local time of the program's zone ("2026-03-01 12:00"): the member
joins, buys, gets a refund, chooses a bonus day, an operator sets their tier, or a day's
jobs run (all of `loyalty.jobs.JOBS`, in their order). After each step the test compares the
tier status (`Tier`), the wallet (points, pending points, store credit and pending credit in
cents) and the events the step emitted about the tier, birthday and yearly rewards and
expiring points.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from loyalty import clock
from loyalty.bonuses.days import choose_bonus_day
from loyalty.jobs import JOBS
from loyalty.ledger.verify import verify_ledger
from loyalty.members import service as members
from loyalty.outbox import OutboxEvent
from loyalty.program.spec import Program
from loyalty.program.store import apply_program
from loyalty.purchases.refunds import RefundRequest, refund_purchase
from loyalty.purchases.service import PurchaseRequest, record_purchase
from loyalty.tiers.status import tier_status
from loyalty.wallet import get_wallet
from tests.support.tiers import set_tier


@dataclass(frozen=True)
class Tier:
    """The status as dates of the program's zone: every boundary is a local midnight."""

    level: str
    qualifying: str
    to_next: str | None
    to_keep: str
    valid_until: str | None
    period: tuple[str, str]


@dataclass(frozen=True)
class Step:
    at: str
    do: tuple
    tier: Tier
    wallet: tuple[int, int, int, int]  # points, pending points, credit and pending credit in cents
    events: tuple[tuple[str, str], ...] = ()


def up(code: str) -> tuple[str, str]:
    return "tier.upgraded", code


def down(code: str) -> tuple[str, str]:
    return "tier.downgraded", code


def at_risk(remaining: str) -> tuple[str, str]:
    return "tier.at_risk", remaining


def birthday(points: int, credit_minor: int = 0) -> tuple[str, str]:
    return "birthday.rewarded", f"{points} points, {credit_minor} credit"


def yearly(points: int, credit_minor: int = 0) -> tuple[str, str]:
    return "tier.yearly_reward", f"{points} points, {credit_minor} credit"


def expiring(points: int, day: str) -> tuple[str, str]:
    return "points.expiring", f"{points} points on {day}"


TOPICS = ("tier.upgraded", "tier.downgraded", "tier.at_risk", "tier.yearly_reward", "birthday.rewarded",
          "points.expiring")


def local(program: Program, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=program.program.zone)


def _day(program: Program, moment: datetime | None) -> str | None:
    if moment is None:
        return None
    here = moment.astimezone(program.program.zone)
    assert here.time() == time(0), f"{moment} is not a local midnight"
    return here.date().isoformat()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def read_tier(program: Program, member_id: int) -> Tier:
    status = await tier_status(program, member_id, clock.now())
    return Tier(
        level=status.level.code, qualifying=str(status.qualifying_amount), to_next=_text(status.remaining_to_next),
        to_keep=str(status.remaining_to_keep), valid_until=_day(program, status.valid_until),
        period=(_day(program, status.period.start), _day(program, status.period.end)),
    )


async def run_day(now: datetime) -> dict[str, int]:
    return {name: await job(now) for name, job in JOBS.items()}


class Member:
    def __init__(self, program: Program, email: str = "ann@example.com", born: date | None = None):
        self.program = program
        self.email = email
        self.born = born
        self.id = 0

    async def do(self, action: tuple) -> None:
        kind, *args = action
        program, now = self.program, clock.now()
        if kind == "join":
            data = members.validate_new_member(members.NewMember(self.email, "x" * 12, "Ann", self.born), "en")
            self.id = (await members.create_member(data, "hash")).id
        elif kind == "buy":
            order, amount, brand = args
            await record_purchase(program, PurchaseRequest(self.id, order, Decimal(amount), "EUR", brand=brand))
        elif kind == "refund":
            order, refund, amount = args
            await refund_purchase(program, RefundRequest(order, refund, Decimal(amount)))
        elif kind == "bonus_day":
            await choose_bonus_day(program, self.id, date.fromisoformat(args[0]))
        elif kind == "set_tier":
            code, until = args
            await set_tier(program, self.id, code, until=date.fromisoformat(until))
        elif kind == "jobs":
            await run_day(now)
        else:
            raise AssertionError(f"unknown step {kind}")


def _event(program: Program, topic: str, payload: dict) -> tuple[str, str]:
    if topic in ("tier.upgraded", "tier.downgraded"):
        return topic, payload["tier"]
    if topic == "tier.at_risk":
        return topic, payload["remaining_to_keep"]
    if topic == "points.expiring":
        day = datetime.fromisoformat(payload["expires_at"]).astimezone(program.program.zone).date()
        return expiring(payload["points"], day.isoformat())
    return topic, f"{payload['points']} points, {payload['credit_minor']} credit"


async def events_after(program: Program, seen: set) -> tuple[tuple[str, str], ...]:
    """The step's events, in the order of their topics (a step's events share one moment)."""
    rows = await OutboxEvent.filter(topic__in=TOPICS)
    fresh = [r for r in rows if r.id not in seen]
    seen.update(r.id for r in fresh)
    return tuple(sorted(_event(program, r.topic, r.payload) for r in fresh))


async def play(program_text: str, program: Program, steps: list[Step], born: date | None = None) -> None:
    """Runs the steps, comparing each one's outcome; the ledger is verified at the end."""
    await apply_program(program_text, "scenario program")
    member, seen = Member(program, born=born), set()
    for number, step in enumerate(steps, 1):
        with clock.frozen_at(local(program, step.at)):
            await member.do(step.do)
            w = await get_wallet(member.id, clock.now())
            outcome = (await read_tier(program, member.id),
                       (w.points, w.pending_points, w.credit_minor, w.credit_pending_minor),
                       await events_after(program, seen))
        assert outcome == (step.tier, step.wallet, step.events), f"step {number} at {step.at}: {step.do}: {outcome}"
    assert [str(v) for v in await verify_ledger()] == []


async def at(member: Member, when: str, *action: str) -> None:
    """One step for the member at a local time."""
    with clock.frozen_at(local(member.program, when)):
        await member.do(tuple(action))


async def tier_at(member: Member, when: str) -> Tier:
    with clock.frozen_at(local(member.program, when)):
        return await read_tier(member.program, member.id)


async def joined(program: Program, when: str = "2026-01-10 10:00", email: str = "ann@example.com") -> Member:
    member = Member(program, email)
    await at(member, when, "join")
    return member
