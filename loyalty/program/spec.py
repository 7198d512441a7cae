"""The program file: a TOML description of the program, validated into frozen models.

`parse_program(text)` / `load_program(path)` return a `Program` or raise a
`ProgramFileError` naming the file, the line and the key at fault. The shipped
demo (`DEMO_PATH`) documents the format by example. Money is a Decimal in the
program's currency, points are ints; the caller hashes the text for versioning.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
import re
import tomllib
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from enum import StrEnum
from os import PathLike
from pathlib import Path
from typing import Annotated, NamedTuple
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, Strict, ValidationError, model_validator

from loyalty.program.catalog import (
    Charity, PassKind, PassProduct, Plan, PlanInterval, Reward, RewardKind,
)
from loyalty.program.fields import (
    CONFIG, BonusMultiplier, Code, Count, CurrencyCode, Locale, Money, Multiplier, Percent, PositiveDecimal,
    PositiveInt, Text, TimeZone, Url, by_code, check_money, minor_units, problem, unique,
)
from loyalty.program.limits import Limit, LimitPer, render_limit
from loyalty.program.report import describe, find_line, format_path
from loyalty.program.segments import SegmentRule, Segments

__all__ = [
    "DEMO_PATH", "ActionKind", "BirthdayWindow", "Bonuses", "Brand", "BrandTheme", "Charity", "EarningRule", "Expiry",
    "ExpiryPolicy", "Limit", "LimitPer", "MultipliersCombine", "PassKind", "PassProduct", "Plan",
    "PlanInterval", "PointsRounding", "Problem", "Program", "ProgramFileError", "ProgramSettings",
    "Promotion", "Referral", "Reward", "RewardKind", "SegmentRule", "Segments", "TierDowngrade", "TierLevel", "TierMetric",
    "TierPeriod", "Tiers", "load_demo", "load_program", "parse_program", "render_limit",
]

DEMO_PATH = Path(__file__).with_name("demo.toml")

# --- [program] -------------------------------------------------------------


class PointsRounding(StrEnum):
    DOWN = "down"
    HALF_UP = "half_up"
    UP = "up"


class ProgramSettings(BaseModel):
    model_config = CONFIG

    name: Text
    points_name: Text
    currency: CurrencyCode
    timezone: TimeZone
    points_per_currency_unit: PositiveDecimal  # at the base tier, before multipliers
    point_value: PositiveDecimal  # money per point, redeemed as credit or donated
    pending_days: Count  # the return window
    points_rounding: PointsRounding = PointsRounding.DOWN
    default_locale: Locale = "en"
    landing_url: Url | None = None
    # The SIGN_UP points and the referral welcome coupon wait until the member verifies
    # their email address; false (the default) gives them on joining.
    welcome_after_verification: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def minor_units(self) -> int:
        """Decimals of the currency: 2 for EUR (cents), 0 for JPY."""
        return minor_units(self.currency)

    def round_points(self, points: Decimal) -> int:
        """A fractional award rounded as `points_rounding` says."""
        mode = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP, "up": ROUND_UP}[self.points_rounding.value]
        return int(points.quantize(Decimal(1), rounding=mode))

    def points_value_minor(self, points: int) -> int:
        """What `points` are worth at `point_value`, in minor units, rounded down: what they
        pay for on an order, and what a donation of them is valued at."""
        value = (Decimal(points) * self.point_value).scaleb(self.minor_units)
        return int(value.to_integral_value(rounding=ROUND_DOWN))


# --- [expiry] --------------------------------------------------------------


class ExpiryPolicy(StrEnum):
    PER_LOT = "per_lot"  # each earned lot expires `months` after it was earned
    INACTIVITY = "inactivity"  # the whole balance expires after `months` without activity
    NEVER = "never"


class Expiry(BaseModel):
    model_config = CONFIG

    policy: ExpiryPolicy
    months: PositiveInt | None = None
    round_to_month_end: Annotated[bool, Strict()] = False  # per_lot: expire at the end of that month
    warning_days: Count = 30  # members are warned this many days before points expire

    @model_validator(mode="after")
    def _check(self) -> Expiry:
        if self.policy is ExpiryPolicy.NEVER and self.months is not None:
            raise problem(("months",), 'is not used when policy is "never"; remove it')
        if self.policy is not ExpiryPolicy.NEVER and self.months is None:
            raise problem(("months",), f'is required when policy is "{self.policy}"')
        if self.round_to_month_end and self.policy is not ExpiryPolicy.PER_LOT:
            raise problem(("round_to_month_end",), 'only applies when policy is "per_lot"')
        return self


# --- [brand_theme] -----------------------------------------------------------

Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
LogoUrl = Annotated[str, Field(pattern=r"^(/[A-Za-z0-9._~/-]*|https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/%-]*)?)$",
                               max_length=500)]


class BrandTheme(BaseModel):
    """How the web wallet page looks: the name in its header, its colours and its logo."""

    model_config = CONFIG

    name: Text | None = None  # default: the program name
    primary_colour: Colour = "#1f4e79"  # header, buttons, links
    on_primary_colour: Colour = "#ffffff"  # text on the primary colour
    accent_colour: Colour = "#b45309"  # the progress bar, highlights
    background_colour: Colour = "#f5f6f8"
    logo_url: LogoUrl | None = None  # a path on the API host, or an https URL


# --- [[brands]] and [tiers] --------------------------------------------------


class Brand(BaseModel):
    model_config = CONFIG

    code: Code
    name: Text


class TierMetric(StrEnum):
    SPEND = "SPEND"  # money spent in the period
    POINTS_EARNED = "POINTS_EARNED"
    VISITS = "VISITS"


class TierPeriod(StrEnum):
    CALENDAR_YEAR = "calendar_year"
    ROLLING_12_MONTHS = "rolling_12_months"
    ANNIVERSARY_YEAR = "anniversary_year"  # the year from the member's join date


class TierDowngrade(StrEnum):
    ONE_TIER = "one_tier"  # a member who misses the threshold drops one level
    TO_QUALIFIED = "to_qualified"  # ... drops to the level the period qualifies for


class TierLevel(BaseModel):
    model_config = CONFIG

    code: Code
    name: Text
    threshold: Annotated[Decimal, Field(ge=0)]  # money for SPEND, a whole count otherwise
    points_multiplier: Multiplier = Decimal(1)
    cashback_percent: Percent = Decimal(0)
    benefits: tuple[Text, ...] = ()
    bonus_day_multiplier: BonusMultiplier | None = None  # "choose your bonus day" perk
    birthday_reward_points: Count = 0
    birthday_reward_credit: Money = Decimal(0)
    yearly_reward_credit: Money = Decimal(0)
    yearly_reward_points: Count = 0


class Tiers(BaseModel):
    """Levels in ascending order; a level's rank is its index (0 = entry level)."""

    model_config = CONFIG

    metric: TierMetric
    period: TierPeriod
    downgrade: TierDowngrade
    at_risk_days: Count = 30  # members are warned this many days before the period ends
    visits_include_purchases: Annotated[bool, Strict()] = False  # VISITS: each purchase counts as a visit too
    levels: Annotated[tuple[TierLevel, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> Tiers:
        unique(self.levels, "code", "levels", "tiers.levels")
        if self.levels[0].threshold != 0:
            raise problem(("levels", 0, "threshold"), "must be 0: the first level is where every member starts")
        for i, level in enumerate(self.levels):
            if self.metric is not TierMetric.SPEND and level.threshold != level.threshold.to_integral_value():
                raise problem(("levels", i, "threshold"), f"must be a whole number for metric {self.metric}")
            if i and level.threshold <= self.levels[i - 1].threshold:
                raise problem(
                    ("levels", i, "threshold"),
                    f"must be greater than tiers.levels[{i - 1}].threshold ({self.levels[i - 1].threshold})",
                )
        return self

    def rank(self, code: str) -> int:
        """The rank of the level `code` (KeyError when unknown)."""
        for i, level in enumerate(self.levels):
            if level.code == code:
                return i
        raise KeyError(code)


# --- [[earning_rules]] and [bonuses] ----------------------------------------


class ActionKind(StrEnum):
    SIGN_UP = "SIGN_UP"
    NEWSLETTER_SIGNUP = "NEWSLETTER_SIGNUP"
    PRODUCT_REVIEW = "PRODUCT_REVIEW"
    SOCIAL_FOLLOW = "SOCIAL_FOLLOW"
    SOCIAL_SHARE = "SOCIAL_SHARE"
    BIRTHDAY = "BIRTHDAY"
    FITNESS_ACTIVITY = "FITNESS_ACTIVITY"
    SURVEY_COMPLETED = "SURVEY_COMPLETED"
    VISIT = "VISIT"  # a visit recorded by the booking system (recordVisit), not through recordAction


class EarningRule(BaseModel):
    model_config = CONFIG

    action: ActionKind
    points: PositiveInt
    limit: Limit | None = None  # None: unlimited
    description: Text

    def limit_text(self) -> str | None:
        """The contract's EarningRule.limit: "once", "1 per day", ...; None when unlimited."""
        return render_limit(self.limit)


class MultipliersCombine(StrEnum):
    """How the multipliers that apply to one purchase (tier, plan, new member,
    promotion, bonus day) combine; with 2x and 3x:"""

    MULTIPLY = "multiply"  # their product: 6x
    ADD_EXTRA = "add_extra"  # 1 plus each one's extra over 1: 1 + 1 + 2 = 4x
    HIGHEST = "highest"  # only the largest: 3x


class BirthdayWindow(StrEnum):
    DAY = "day"  # birthday rewards are given for the birthday itself
    WEEK = "week"  # ... for the calendar week (Monday to Sunday) that holds it


class Promotion(BaseModel):
    """A dated bonus on purchases: a multiplier, or flat points per purchase."""

    model_config = CONFIG

    code: Code
    name: Text
    starts_on: date  # inclusive, in the program's time zone
    ends_on: date  # inclusive
    brands: tuple[Code, ...] = ()  # empty: every brand
    categories: tuple[Text, ...] = ()  # empty: every category
    multiplier: BonusMultiplier | None = None
    bonus_points: PositiveInt | None = None
    segments: tuple[Code, ...] = ()  # empty: every member; else members in one of these segments

    @model_validator(mode="after")
    def _check(self) -> Promotion:
        if self.ends_on < self.starts_on:
            raise problem(("ends_on",), f"must not be before starts_on ({self.starts_on})")
        if (self.multiplier is None) == (self.bonus_points is None):
            key = "bonus_points" if self.multiplier is not None else "multiplier"
            raise problem((key,), "a promotion needs exactly one of multiplier or bonus_points")
        return self


class Bonuses(BaseModel):
    model_config = CONFIG

    new_member_multiplier: Multiplier | None = None  # on purchases in the first new_member_days
    new_member_days: PositiveInt | None = None
    birthday_reward_window: BirthdayWindow = BirthdayWindow.WEEK
    multipliers_combine: MultipliersCombine = MultipliersCombine.ADD_EXTRA
    promotions: tuple[Promotion, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Bonuses:
        if (self.new_member_multiplier is None) != (self.new_member_days is None):
            missing = "new_member_days" if self.new_member_days is None else "new_member_multiplier"
            raise problem((missing,), "new_member_multiplier and new_member_days go together")
        unique(self.promotions, "code", "promotions", "bonuses.promotions")
        return self


# --- [referral] and the whole file --------------------------------------------


class Referral(BaseModel):
    model_config = CONFIG

    referrer_points: Count  # for the referrer, once the friend qualifies
    welcome_reward: Code | None = None  # a reward code, issued to the new member
    minimum_purchase: Money = Decimal(0)  # the friend's first purchase that qualifies
    yearly_cap: PositiveInt | None = None  # referrals rewarded per referrer per year
    landing_url: Url | None = None  # overrides program.landing_url for referral links


class Program(BaseModel):
    model_config = CONFIG

    program: ProgramSettings
    expiry: Expiry
    brands: Annotated[tuple[Brand, ...], Field(min_length=1)]
    tiers: Tiers
    earning_rules: tuple[EarningRule, ...] = ()
    bonuses: Bonuses = Bonuses()
    rewards: tuple[Reward, ...] = ()
    charities: tuple[Charity, ...] = ()
    plans: tuple[Plan, ...] = ()
    pass_products: tuple[PassProduct, ...] = ()
    referral: Referral | None = None
    brand_theme: BrandTheme = BrandTheme()
    segments: Segments | None = None

    @model_validator(mode="after")
    def _check(self) -> Program:
        for where in ("brands", "rewards", "charities", "plans", "pass_products"):
            unique(getattr(self, where), "code", where)
        unique(self.earning_rules, "action", "earning_rules")
        brands = {b.code for b in self.brands}
        tiers = {t.code for t in self.tiers.levels}
        rewards = {r.code for r in self.rewards}
        for i, promotion in enumerate(self.bonuses.promotions):
            for j, brand in enumerate(promotion.brands):
                if brand not in brands:
                    raise problem(("bonuses", "promotions", i, "brands", j), f'no brand has code "{brand}"')
        for i, reward in enumerate(self.rewards):
            if reward.minimum_tier is not None and reward.minimum_tier not in tiers:
                raise problem(("rewards", i, "minimum_tier"), f'no tier level has code "{reward.minimum_tier}"')
        for i, plan in enumerate(self.plans):
            if plan.grants_tier is not None and plan.grants_tier not in tiers:
                raise problem(("plans", i, "grants_tier"), f'no tier level has code "{plan.grants_tier}"')
        for i, product in enumerate(self.pass_products):
            if product.reward is not None and product.reward not in rewards:
                raise problem(("pass_products", i, "reward"), f'no reward has code "{product.reward}"')
            if product.brand is not None and product.brand not in brands:
                raise problem(("pass_products", i, "brand"), f'no brand has code "{product.brand}"')
        self._check_segments()
        if self.referral and self.referral.welcome_reward and self.referral.welcome_reward not in rewards:
            raise problem(("referral", "welcome_reward"), f'no reward has code "{self.referral.welcome_reward}"')
        check_money(self, (), self.program.minor_units, self.program.currency)
        return self

    def pass_product(self, code: str) -> PassProduct | None:
        return next((p for p in self.pass_products if p.code == code), None)

    def _check_segments(self) -> None:
        """Promotions and rewards name segments of [segments]."""
        known = self.segments.codes if self.segments else frozenset()
        sources: tuple[tuple[str, Sequence[Promotion | Reward]], ...] = (
            ("bonuses", self.bonuses.promotions), ("rewards", self.rewards))
        for where, items in sources:
            for i, item in enumerate(items):
                for j, code in enumerate(item.segments):
                    if code not in known:
                        at = ("promotions", i, "segments", j) if where == "bonuses" else (i, "segments", j)
                        raise problem((where, *at), f'no segments rule has code "{code}"')

    @property
    def tier_levels(self) -> tuple[TierLevel, ...]:
        """The tier levels by rank (index 0 is the entry level)."""
        return self.tiers.levels

    def tier_level(self, code: str) -> TierLevel:
        return self.tiers.levels[self.tiers.rank(code)]

    def plan(self, code: str) -> Plan | None:
        return next((p for p in self.plans if p.code == code), None)

    def reward(self, code: str) -> Reward:
        found: Reward = by_code(self.rewards, code)
        return found

    def earning_rule(self, action: ActionKind | str) -> EarningRule | None:
        return next((r for r in self.earning_rules if r.action == action), None)


# --- loading -------------------------------------------------------------------


class Problem(NamedTuple):
    path: str  # the key at fault, e.g. "tiers.levels[2].threshold"; "" for the file
    message: str
    line: int | None


class ProgramFileError(Exception):
    """The program file cannot be used. str() is one line per problem, e.g.
    `demo.toml, line 42, tiers.levels[2].threshold: must be greater than ...`."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = tuple(problems)
        super().__init__("\n".join(self._line(p) for p in self.problems))

    def _line(self, p: Problem) -> str:
        where = [self.source] + ([f"line {p.line}"] if p.line else []) + ([p.path] if p.path else [])
        return f"{', '.join(where)}: {p.message}"


@functools.lru_cache(maxsize=16)
def parse_program(text: str, source: str = "<program>") -> Program:
    """The program the file describes (the models are frozen, so a text read again, as every
    process does when it reloads, is parsed once)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", str(exc))
        if match is None:  # "(at end of document)"
            message = re.sub(r"\s*\(at end of document\)$", "", str(exc)) + " at the end of the file"
            last = len(text.splitlines()) or 1
            raise ProgramFileError(source, [Problem("", f"invalid TOML: {message}", last)]) from None
        message = f"invalid TOML: {str(exc)[: match.start()]} (column {match.group(2)})"
        raise ProgramFileError(source, [Problem("", message, int(match.group(1)))]) from None
    try:
        return Program.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            path, message = describe(dict(error), Program)
            problems.append(Problem(format_path(path), message, find_line(text, path)))
        raise ProgramFileError(source, problems) from None


def load_program(path: str | PathLike[str]) -> Program:
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProgramFileError(source, [Problem("", f"cannot read the file: {exc.strerror}", None)]) from None
    except UnicodeDecodeError:
        raise ProgramFileError(source, [Problem("", "is not UTF-8 text", None)]) from None
    return parse_program(text, source)


def load_demo() -> Program:
    """The demo program shipped with the platform."""
    return load_program(DEMO_PATH)
