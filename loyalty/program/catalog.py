"""The program's offers: the reward catalog, charities, paid plans and pass products."""
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, Strict, model_validator

from loyalty.program.fields import (
    CONFIG, Code, Count, Money, Multiplier, Percent, PositiveInt, PositiveMoney, Text, check_kind_fields,
)
from loyalty.program.limits import Limit, render_limit

# --- [[rewards]] and [[charities]] ------------------------------------------


class RewardKind(StrEnum):
    PERCENT_OFF = "PERCENT_OFF"
    AMOUNT_OFF = "AMOUNT_OFF"
    FREE_SHIPPING = "FREE_SHIPPING"
    FREE_PRODUCT = "FREE_PRODUCT"
    MERCHANDISE = "MERCHANDISE"
    EXPERIENCE = "EXPERIENCE"
    STORE_CREDIT = "STORE_CREDIT"


_K = RewardKind
_REWARD_FIELDS = {"percent_off": ({_K.PERCENT_OFF}, True), "value": ({_K.AMOUNT_OFF, _K.STORE_CREDIT}, True)}


class Reward(BaseModel):
    model_config = CONFIG

    code: Code
    name: Text
    description: Text
    kind: RewardKind
    cost_points: PositiveInt
    percent_off: Annotated[int, Strict(), Field(ge=1, le=100)] | None = None
    value: PositiveMoney | None = None
    minimum_tier: Code | None = None  # a tier level code
    stock: Count | None = None  # None: unlimited
    limit: Limit | None = None  # per member
    valid_days: PositiveInt | None = None  # how long the issued coupon can be used
    segments: tuple[Code, ...] = ()  # empty: every member; else members in one of these segments

    @model_validator(mode="after")
    def _check(self) -> Reward:
        check_kind_fields(self, self.kind, _REWARD_FIELDS)
        return self

    def limit_text(self) -> str | None:
        return render_limit(self.limit)


class Charity(BaseModel):
    model_config = CONFIG

    code: Code
    name: Text
    description: Text
    join_donation_points: Count = 0  # the program donates these when a member joins choosing it
    plan_donation_points: Count = 0  # ... and these on each paid plan payment of such a member


# --- [[plans]] and [[pass_products]] -----------------------------------------


class PlanInterval(StrEnum):
    MONTH = "MONTH"
    YEAR = "YEAR"
    LIFETIME = "LIFETIME"  # paid once


class Plan(BaseModel):
    model_config = CONFIG

    code: Code
    name: Text
    price: PositiveMoney
    interval: PlanInterval
    points_multiplier: Multiplier = Decimal(1)
    cashback_percent: Percent = Decimal(0)  # credit back on each purchase
    monthly_reward_credit: Money = Decimal(0)
    yearly_cashback_percent: Percent = Decimal(0)  # % of the year's spend paid back yearly
    benefits: tuple[Text, ...] = ()
    grace_days: Count = 7  # an unpaid period stays PAST_DUE this long before it expires
    # Checkout perks the shop applies (Member.benefits), and what else the plan gives.
    discount_percent: Percent = Decimal(0)
    free_shipping: bool = False
    grants_tier: Code | None = None  # while active, the member is at least this tier level
    donation: bool = True  # each payment gives the chosen charity its plan_donation_points
    dividend_date: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")] = "03-01"
    reminder_days: Count = 3  # the renewal reminder goes out this many days before a period ends


class PassKind(StrEnum):
    PUNCH_CARD = "PUNCH_CARD"  # free; `visits` stamps earn `reward`
    VISIT_PACK = "VISIT_PACK"  # `visits` paid visits plus `bonus_visits`
    TIME_PASS = "TIME_PASS"  # `months` plus `bonus_months` of access
    CREDIT_PASS = "CREDIT_PASS"  # pay `price`, get price + `bonus_credit` of credit


_P = PassKind
_PAID = {_P.VISIT_PACK, _P.TIME_PASS, _P.CREDIT_PASS}
_PASS_FIELDS = {
    "price": (_PAID, True),
    "visits": ({_P.PUNCH_CARD, _P.VISIT_PACK}, True),
    "bonus_visits": ({_P.VISIT_PACK}, False),
    "months": ({_P.TIME_PASS}, True),
    "bonus_months": ({_P.TIME_PASS}, False),
    "bonus_credit": ({_P.CREDIT_PASS}, False),
    "reward": ({_P.PUNCH_CARD}, True),
    "valid_days": ({_P.VISIT_PACK, _P.CREDIT_PASS}, False),
    "stamp_valid_days": ({_P.PUNCH_CARD}, False),
    "max_visits_per_day": ({_P.TIME_PASS}, False),
    "brand": ({_P.CREDIT_PASS}, False),
}
_PASS_DEFAULTS = {
    "VISIT_PACK": {"bonus_visits": 0}, "TIME_PASS": {"bonus_months": 0}, "CREDIT_PASS": {"bonus_credit": 0},
}


class PassProduct(BaseModel):
    """Fields that do not apply to the kind are None (the contract's nulls)."""

    model_config = CONFIG

    code: Code
    name: Text
    kind: PassKind
    description: Text
    price: PositiveMoney | None = None
    visits: PositiveInt | None = None
    bonus_visits: Count | None = None
    months: PositiveInt | None = None
    bonus_months: Count | None = None
    bonus_credit: Money | None = None
    reward: Code | None = None  # a reward code
    valid_days: PositiveInt | None = None
    stamp_valid_days: PositiveInt | None = None  # PUNCH_CARD: older stamps no longer count
    max_visits_per_day: PositiveInt | None = None  # TIME_PASS: visits a day, unlimited when left out
    brand: Code | None = None  # CREDIT_PASS: the one brand its credit pays at
    locations: tuple[Text, ...] = ()  # the locations whose visits it admits; every location when empty
    reminder_days: Count = 7  # paid passes: the member is reminded this many days before it expires

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        # why: the bonus fields default to 0 for their own kind and stay None for the others
        if isinstance(data, dict) and isinstance(data.get("kind"), str):
            return {**_PASS_DEFAULTS.get(data["kind"], {}), **data}
        return data

    @model_validator(mode="after")
    def _check(self) -> PassProduct:
        check_kind_fields(self, self.kind, _PASS_FIELDS)
        return self
