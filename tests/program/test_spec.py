"""The program file: the shipped demo, the model's rules, and the error messages."""
from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from loyalty.program.report import find_line, format_path
from loyalty.program.spec import (
    DEMO_PATH,
    ActionKind,
    BirthdayWindow,
    Bonuses,
    EarningRule,
    ExpiryPolicy,
    Limit,
    LimitPer,
    MultipliersCombine,
    PassKind,
    PlanInterval,
    PointsRounding,
    Problem,
    ProgramFileError,
    RewardKind,
    TierDowngrade,
    TierMetric,
    TierPeriod,
    load_demo,
    load_program,
    parse_program,
    render_limit,
)
from tests.support.program import with_keys

DEMO = DEMO_PATH.read_text(encoding="utf-8")

MINIMAL = """\
[program]
name = "Mini"
points_name = "stamps"
currency = "JPY"
timezone = "Asia/Tokyo"
points_per_currency_unit = "0.01"
point_value = "1"
pending_days = 0

[expiry]
policy = "never"

[[brands]]
code = "mini"
name = "Mini Massage"

[tiers]
metric = "VISITS"
period = "rolling_12_months"
downgrade = "to_qualified"

[[tiers.levels]]
code = "member"
name = "Member"
threshold = 0
"""


def patched(old: str, new: str, text: str = DEMO) -> str:
    """`text` with the one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, snippet: str) -> int:
    """The number of the only line of `text` that contains `snippet`."""
    (number,) = [n for n, line in enumerate(text.splitlines(), 1) if snippet in line]
    return number


def error_of(text: str) -> str:
    with pytest.raises(ProgramFileError) as info:
        parse_program(text, "demo.toml")
    return str(info.value)


# --- the demo program ------------------------------------------------------------


def test_demo_program_settings():
    settings = load_demo().program
    assert settings.name == "Northwind Rewards"
    assert settings.points_name == "Northwind points"
    assert settings.currency == "EUR"
    assert settings.timezone == "Europe/Amsterdam"
    assert settings.zone.key == "Europe/Amsterdam"
    assert settings.points_per_currency_unit == Decimal("1")
    assert settings.point_value == Decimal("0.01")
    assert settings.pending_days == 14
    assert settings.points_rounding is PointsRounding.DOWN
    assert settings.default_locale == "en"
    assert settings.landing_url == "https://rewards.northwind.example/join"
    assert settings.minor_units == 2


def test_demo_expiry():
    expiry = load_demo().expiry
    assert (expiry.policy, expiry.months, expiry.round_to_month_end, expiry.warning_days) == (
        ExpiryPolicy.PER_LOT, 24, True, 30,
    )


def test_demo_counts():
    program = load_demo()
    assert [b.code for b in program.brands] == ["northwind", "harbor"]
    assert [t.code for t in program.tier_levels] == ["bronze", "silver", "gold"]
    assert len(program.earning_rules) == 9
    assert {r.action for r in program.earning_rules} == set(ActionKind)
    assert len(program.rewards) == 7
    assert {r.kind for r in program.rewards} == set(RewardKind)
    assert [c.code for c in program.charities] == ["wildlife", "civil-rights", "safe-home"]
    assert Counter(p.interval for p in program.plans) == {i: 1 for i in PlanInterval}
    assert Counter(p.kind for p in program.pass_products) == {k: 1 for k in PassKind}
    assert len(program.bonuses.promotions) == 3
    assert [r.code for r in program.segments.rules] == ["champions", "at_risk", "loyal", "lapsed"]


def test_demo_tiers():
    program = load_demo()
    tiers = program.tiers
    assert (tiers.metric, tiers.period, tiers.downgrade, tiers.at_risk_days) == (
        TierMetric.SPEND, TierPeriod.CALENDAR_YEAR, TierDowngrade.ONE_TIER, 30,
    )
    assert [(t.threshold, t.points_multiplier, t.cashback_percent) for t in program.tier_levels] == [
        (Decimal("0"), Decimal("1"), Decimal("0")),
        (Decimal("500"), Decimal("1.25"), Decimal("2")),
        (Decimal("1500"), Decimal("2"), Decimal("5")),
    ]
    assert [t.bonus_day_multiplier for t in program.tier_levels] == [None, None, Decimal("3")]
    assert [t.birthday_reward_points for t in program.tier_levels] == [0, 100, 250]
    gold = program.tier_level("gold")
    assert (gold.birthday_reward_credit, gold.yearly_reward_credit, gold.yearly_reward_points) == (
        Decimal("10.00"), Decimal("25.00"), 0,
    )
    assert gold.benefits[2] == "Choose your 3X bonus day"
    assert tiers.rank("bronze") == 0
    assert tiers.rank("gold") == 2
    with pytest.raises(KeyError):
        tiers.rank("platinum")


def test_demo_earning_rules_and_their_limits():
    program = load_demo()
    assert {r.action.value: (r.points, r.limit_text()) for r in program.earning_rules} == {
        "SIGN_UP": (100, "once"),
        "NEWSLETTER_SIGNUP": (50, "once"),
        "PRODUCT_REVIEW": (20, "5 per month"),
        "SOCIAL_FOLLOW": (25, "once"),
        "SOCIAL_SHARE": (10, "1 per day"),
        "BIRTHDAY": (200, "1 per year"),
        "FITNESS_ACTIVITY": (5, "1 per day"),
        "SURVEY_COMPLETED": (30, "2 per month"),
        "VISIT": (10, "1 per day"),
    }
    assert program.earning_rule(ActionKind.SIGN_UP).description == "Welcome to Northwind Rewards"
    assert program.earning_rule("SURVEY_COMPLETED").points == 30


def test_demo_bonuses():
    bonuses = load_demo().bonuses
    assert (bonuses.new_member_multiplier, bonuses.new_member_days) == (Decimal("2"), 30)
    assert bonuses.birthday_reward_window is BirthdayWindow.WEEK
    assert bonuses.multipliers_combine is MultipliersCombine.ADD_EXTRA
    promotion, climbing, miss_you = bonuses.promotions
    assert (miss_you.code, miss_you.segments, miss_you.bonus_points) == ("we-miss-you", ("at_risk", "lapsed"), 200)
    assert (climbing.code, climbing.categories, climbing.multiplier, climbing.bonus_points) == (
        "climbing-club", ("climbing",), None, 100)
    assert promotion.code == "spring-kitchen"
    assert (promotion.starts_on, promotion.ends_on) == (date(2026, 3, 1), date(2026, 3, 31))
    assert promotion.brands == ("harbor",)
    assert promotion.categories == ("cookware", "classes")
    assert (promotion.multiplier, promotion.bonus_points) == (Decimal("2"), None)


def test_demo_rewards():
    program = load_demo()
    rewards = {r.code: r for r in program.rewards}
    twenty = rewards["twenty-percent-off"]
    assert (twenty.kind, twenty.percent_off, twenty.cost_points, twenty.value) == (
        RewardKind.PERCENT_OFF, 20, 10000, None,
    )
    assert twenty.limit_text() == "1 per month"
    backpack = rewards["trail-backpack"]
    assert (backpack.kind, backpack.cost_points) == (RewardKind.MERCHANDISE, 25000)
    credit = program.reward("store-credit-10")
    assert (credit.kind, credit.cost_points, credit.value, credit.percent_off) == (
        RewardKind.STORE_CREDIT, 1000, Decimal("10.00"), None,
    )
    assert [(r.code, r.stock) for r in program.rewards if r.stock is not None] == [
        ("trail-backpack", 200), ("chefs-table", 12),
    ]
    assert [(r.code, r.minimum_tier) for r in program.rewards if r.minimum_tier] == [("chefs-table", "gold")]
    assert rewards["free-shipping"].limit_text() is None


def test_demo_charities_plans_and_referral():
    program = load_demo()
    assert [(c.join_donation_points, c.plan_donation_points) for c in program.charities] == [(100, 200)] * 3
    assert [(p.code, p.interval, p.price) for p in program.plans] == [
        ("plus-monthly", PlanInterval.MONTH, Decimal("5.00")),
        ("plus-yearly", PlanInterval.YEAR, Decimal("25.00")),
        ("lifetime", PlanInterval.LIFETIME, Decimal("30.00")),
    ]
    monthly, yearly, lifetime = program.plans
    assert (monthly.points_multiplier, monthly.monthly_reward_credit, monthly.grace_days) == (
        Decimal("1.5"), Decimal("5.00"), 7,
    )
    assert (yearly.cashback_percent, yearly.grace_days) == (Decimal("3"), 14)
    assert (lifetime.yearly_cashback_percent, lifetime.points_multiplier, lifetime.grace_days) == (
        Decimal("10"), Decimal("1"), 0,
    )
    referral = program.referral
    assert (referral.referrer_points, referral.welcome_reward, referral.minimum_purchase, referral.yearly_cap) == (
        500, "five-off", Decimal("25.00"), 10,
    )
    assert referral.landing_url is None


def test_demo_pass_products():
    punch, visits, time_pass, credit = load_demo().pass_products
    assert (punch.kind, punch.price, punch.visits, punch.reward, punch.bonus_visits) == (
        PassKind.PUNCH_CARD, None, 10, "free-coffee", None,
    )
    assert (visits.kind, visits.price, visits.visits, visits.bonus_visits, visits.valid_days) == (
        PassKind.VISIT_PACK, Decimal("60.00"), 5, 1, 365,
    )
    assert (time_pass.kind, time_pass.months, time_pass.bonus_months, time_pass.visits) == (
        PassKind.TIME_PASS, 6, 1, None,
    )
    assert (credit.kind, credit.price, credit.bonus_credit, credit.valid_days, credit.months) == (
        PassKind.CREDIT_PASS, Decimal("100.00"), Decimal("30.00"), 730, None,
    )


def test_load_program_reads_the_same_program_as_parse_program():
    assert load_program(DEMO_PATH) == parse_program(DEMO)


def test_the_program_is_frozen():
    program = load_demo()
    with pytest.raises(ValidationError):
        program.program.pending_days = 0  # type: ignore[misc]


# --- a minimal program and the defaults ---------------------------------------------


def test_minimal_program_and_defaults():
    program = parse_program(MINIMAL)
    assert program.program.points_rounding is PointsRounding.DOWN
    assert program.program.default_locale == "en"
    assert program.program.landing_url is None
    assert program.program.minor_units == 0
    expiry = program.expiry
    assert (expiry.policy, expiry.months, expiry.warning_days) == (ExpiryPolicy.NEVER, None, 30)
    assert program.tiers.at_risk_days == 30
    (level,) = program.tier_levels
    assert (level.points_multiplier, level.cashback_percent, level.benefits, level.bonus_day_multiplier) == (
        Decimal(1), Decimal(0), (), None,
    )
    assert (level.birthday_reward_points, level.birthday_reward_credit) == (0, Decimal(0))
    assert program.earning_rules == program.rewards == program.charities == program.plans == ()
    assert program.pass_products == ()
    assert program.bonuses == Bonuses()
    assert program.bonuses.birthday_reward_window is BirthdayWindow.WEEK
    assert program.bonuses.multipliers_combine is MultipliersCombine.ADD_EXTRA
    assert program.referral is None


def test_pass_bonus_fields_default_to_zero_for_their_own_kind():
    text = MINIMAL + """
[[pass_products]]
code = "five"
name = "Five massages"
kind = "VISIT_PACK"
description = "Five visits"
price = "40000"
visits = 5

[[pass_products]]
code = "half-year"
name = "Half year"
kind = "TIME_PASS"
description = "Six months"
price = "90000"
months = 6

[[pass_products]]
code = "prepaid"
name = "Prepaid"
kind = "CREDIT_PASS"
description = "Prepaid credit"
price = "10000"
"""
    visits, time_pass, credit = parse_program(text).pass_products
    assert (visits.bonus_visits, visits.bonus_months, visits.bonus_credit) == (0, None, None)
    assert (time_pass.bonus_months, time_pass.bonus_visits) == (0, None)
    assert (credit.bonus_credit, credit.bonus_visits) == (Decimal(0), None)


def test_decimals_may_be_written_as_toml_numbers():
    text = patched('points_per_currency_unit = "0.01"', "points_per_currency_unit = 0.05", MINIMAL)
    program = parse_program(text)
    assert program.program.points_per_currency_unit == Decimal("0.05")


@pytest.mark.parametrize(
    ("rounding", "points", "expected"),
    [
        ("down", "9.99", 9),
        ("half_up", "9.5", 10),
        ("half_up", "9.49", 9),
        ("up", "9.01", 10),
        ("up", "9", 9),
    ],
)
def test_round_points(rounding, points, expected):
    text = patched("pending_days = 0", f'pending_days = 0\npoints_rounding = "{rounding}"', MINIMAL)
    assert parse_program(text).program.round_points(Decimal(points)) == expected


# --- limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "per", "expected"),
    [
        (1, "ever", "once"),
        (3, "ever", "3 times"),
        (1, "day", "1 per day"),
        (3, "week", "3 per week"),
        (2, "month", "2 per month"),
        (1, "year", "1 per year"),
    ],
)
def test_limit_rendering(count, per, expected):
    assert Limit(count=count, per=LimitPer(per)).render() == expected
    assert render_limit(Limit(count=count, per=per)) == expected


def test_no_limit_renders_as_none():
    assert render_limit(None) is None
    rule = EarningRule(action=ActionKind.PRODUCT_REVIEW, points=5, description="Review")
    assert rule.limit_text() is None


def test_limit_count_defaults_to_one():
    assert Limit(per="day") == Limit(count=1, per=LimitPer.DAY)


# --- errors ----------------------------------------------------------------------

# (what to replace in the demo, its replacement, a snippet of the line at fault or (snippet, line delta),
#  the rest of the message)
CASES = {
    "unknown key": (
        "at_risk_days = 30", "at_risk_day = 30", "at_risk_day",
        "tiers.at_risk_day: unknown key (did you mean 'at_risk_days'?)",
    ),
    "unknown key with nothing like it": (
        'name = "Harbor Kitchen"', 'name = "Harbor Kitchen"\nlogo = "harbor.png"', 'logo = "harbor',
        "brands[1].logo: unknown key",
    ),
    "unknown table": ("[bonuses]", "[bonus]", "[bonus]", "bonus: unknown key (did you mean 'bonuses'?)"),
    "descending thresholds": (
        'threshold = "1500"', 'threshold = "400"', 'threshold = "400"',
        "tiers.levels[2].threshold: must be greater than tiers.levels[1].threshold (500)",
    ),
    "equal thresholds": (
        'threshold = "1500"', 'threshold = "500"  # as silver', "# as silver",
        "tiers.levels[2].threshold: must be greater than tiers.levels[1].threshold (500)",
    ),
    "first threshold not 0": (
        'threshold = "0"', 'threshold = "11"', 'threshold = "11"',
        "tiers.levels[0].threshold: must be 0: the first level is where every member starts",
    ),
    "duplicate tier code": (
        'code = "gold"', 'code = "silver"  # again', "# again",
        'tiers.levels[2].code: "silver" is already used by tiers.levels[1]',
    ),
    "bad code": (
        'code = "gold"', 'code = "Gold"', 'code = "Gold"',
        'tiers.levels[2].code: must be a lower-case code of letters, digits, "-" or "_" (e.g. "gold"), not "Gold"',
    ),
    "bonus day multiplier of 1": (
        'bonus_day_multiplier = "3"', 'bonus_day_multiplier = "1"', "bonus_day_multiplier",
        'tiers.levels[2].bonus_day_multiplier: must be greater than 1, not "1"',
    ),
    "cashback over 100": (
        'cashback_percent = "5"', 'cashback_percent = "105"', 'cashback_percent = "105"',
        'tiers.levels[2].cashback_percent: must be less than or equal to 100, not "105"',
    ),
    "unknown minimum tier": (
        'minimum_tier = "gold"', 'minimum_tier = "platinum"', "platinum",
        'rewards[6].minimum_tier: no tier level has code "platinum"',
    ),
    "PERCENT_OFF without percent_off": (
        "percent_off = 20\n", "", ('code = "twenty-percent-off"', -1),
        "rewards[2].percent_off: is required when kind is PERCENT_OFF",
    ),
    "AMOUNT_OFF without value": (
        'value = "5.00"\n', "", ('code = "five-off"', -1), "rewards[1].value: is required when kind is AMOUNT_OFF",
    ),
    "percent_off on a STORE_CREDIT reward": (
        'value = "10.00"', 'value = "10.00"\npercent_off = 5', "percent_off = 5",
        "rewards[0].percent_off: is not used when kind is STORE_CREDIT (only for PERCENT_OFF); remove it",
    ),
    "PUNCH_CARD with a price": (
        "visits = 10\n", 'visits = 10\nprice = "4.00"\n', 'price = "4.00"',
        "pass_products[0].price: is not used when kind is PUNCH_CARD (only for CREDIT_PASS, TIME_PASS, VISIT_PACK);"
        " remove it",
    ),
    "PUNCH_CARD with an unknown reward": (
        'reward = "free-coffee"', 'reward = "free-tea"', "free-tea",
        'pass_products[0].reward: no reward has code "free-tea"',
    ),
    "TIME_PASS without months": (
        "months = 6\n", "", ('code = "climbing-6-months"', -1),
        "pass_products[2].months: is required when kind is TIME_PASS",
    ),
    "bonus_months on a VISIT_PACK": (
        "bonus_visits = 1", "bonus_visits = 1\nbonus_months = 2", "bonus_months = 2",
        "pass_products[1].bonus_months: is not used when kind is VISIT_PACK (only for TIME_PASS); remove it",
    ),
    "bad timezone": (
        'timezone = "Europe/Amsterdam"', 'timezone = "Europe/Amsterdm"', "Amsterdm",
        'program.timezone: must be an IANA time zone (e.g. "Europe/Amsterdam"), not "Europe/Amsterdm"',
    ),
    "bad currency": (
        'currency = "EUR"', 'currency = "euro"', '"euro"',
        'program.currency: must be an ISO 4217 code of 3 upper-case letters (e.g. "EUR"), not "euro"',
    ),
    "missing required key": (
        'currency = "EUR"                      # ISO 4217\n', "", "[program]",
        "program.currency: required key is missing",
    ),
    "integer written as a string": (
        "pending_days = 14", 'pending_days = "14"', "pending_days",
        'program.pending_days: must be a valid integer, not "14"',
    ),
    "negative integer": (
        "pending_days = 14", "pending_days = -1", "pending_days",
        "program.pending_days: must be greater than or equal to 0, not -1",
    ),
    "bad landing url": (
        'landing_url = "https://rewards.northwind.example/join"', 'landing_url = "rewards.example"', "landing_url",
        'program.landing_url: must be an http(s) address (e.g. "https://example.com/join"), not "rewards.example"',
    ),
    "never expiring with months": (
        'policy = "per_lot"', 'policy = "never"', "months = 24",
        'expiry.months: is not used when policy is "never"; remove it',
    ),
    "per_lot without months": (
        "months = 24 ", "", "[expiry]", 'expiry.months: is required when policy is "per_lot"',
    ),
    "round_to_month_end on inactivity": (
        'policy = "per_lot"', 'policy = "inactivity"', "round_to_month_end",
        'expiry.round_to_month_end: only applies when policy is "per_lot"',
    ),
    "duplicate brand code": (
        'code = "harbor"', 'code = "northwind"  # again', "# again",
        'brands[1].code: "northwind" is already used by brands[0]',
    ),
    "two rules for one action": (
        'action = "SURVEY_COMPLETED"', 'action = "BIRTHDAY"  # again', "# again",
        'earning_rules[7].action: "BIRTHDAY" is already used by earning_rules[5]',
    ),
    "unknown action": (
        'action = "SURVEY_COMPLETED"', 'action = "SURVEY"', 'action = "SURVEY"',
        "earning_rules[7].action: must be 'SIGN_UP', 'NEWSLETTER_SIGNUP', 'PRODUCT_REVIEW', 'SOCIAL_FOLLOW',"
        " 'SOCIAL_SHARE', 'BIRTHDAY', 'FITNESS_ACTIVITY', 'SURVEY_COMPLETED' or 'VISIT', not \"SURVEY\"",
    ),
    "zero limit count": (
        'limit = { count = 5, per = "month" }', 'limit = { count = 0, per = "month" }', "count = 0",
        "earning_rules[2].limit.count: must be greater than 0, not 0",
    ),
    "unknown limit period": (
        'limit = { count = 5, per = "month" }', 'limit = { count = 5, per = "fortnight" }', "fortnight",
        "earning_rules[2].limit.per: must be 'ever', 'day', 'week', 'month' or 'year', not \"fortnight\"",
    ),
    "promotion ending before it starts": (
        "ends_on = 2026-03-31", "ends_on = 2026-02-28", "ends_on = 2026-02-28",
        "bonuses.promotions[0].ends_on: must not be before starts_on (2026-03-01)",
    ),
    "promotion with a multiplier and bonus points": (
        'multiplier = "2"\n\n', 'multiplier = "2"\nbonus_points = 50\n\n', "bonus_points = 50",
        "bonuses.promotions[0].bonus_points: a promotion needs exactly one of multiplier or bonus_points",
    ),
    "promotion with neither": (
        'multiplier = "2"\n\n', "\n", ('code = "spring-kitchen"', -1),
        "bonuses.promotions[0].multiplier: a promotion needs exactly one of multiplier or bonus_points",
    ),
    "promotion for an unknown brand": (
        'brands = ["harbor"]', 'brands = ["northwind", "harbour"]', "harbour",
        'bonuses.promotions[0].brands[1]: no brand has code "harbour"',
    ),
    "new member days without the multiplier": (
        'new_member_multiplier = "2"', "", "[bonuses]",
        "bonuses.new_member_multiplier: new_member_multiplier and new_member_days go together",
    ),
    "unknown welcome reward": (
        'welcome_reward = "five-off"', 'welcome_reward = "ten-off"', "ten-off",
        'referral.welcome_reward: no reward has code "ten-off"',
    ),
    "money with more decimals than the currency": (
        'price = "5.00"', 'price = "5.005"', "5.005",
        "plans[0].price: EUR amounts have at most 2 decimals, not 5.005",
    ),
    "empty benefit": (
        'benefits = ["10% of your yearly spend back every spring"]', 'benefits = [""]', 'benefits = [""]',
        'plans[2].benefits[0]: must have at least 1 character, not ""',
    ),
}


@pytest.mark.parametrize(("old", "new", "at", "expected"), CASES.values(), ids=CASES.keys())
def test_validation_error_names_the_file_line_and_key(old, new, at, expected):
    text = patched(old, new)
    snippet, delta = at if isinstance(at, tuple) else (at, 0)  # delta: -1 is the table's header
    assert error_of(text) == f"demo.toml, line {line_of(text, snippet) + delta}, {expected}"


def test_a_misspelled_required_key_is_missing_and_unknown():
    text = patched('threshold = "1500"', 'treshold = "1500"')
    header, typo = line_of(text, "treshold") - 3, line_of(text, "treshold")
    assert error_of(text).splitlines() == [
        f"demo.toml, line {header}, tiers.levels[2].threshold: required key is missing",
        f"demo.toml, line {typo}, tiers.levels[2].treshold: unknown key (did you mean 'threshold'?)",
    ]


def test_toml_syntax_error_has_the_line():
    text = patched("pending_days = 14", "pending_days = = 14")
    assert error_of(text) == f"demo.toml, line {line_of(text, '= = 14')}: invalid TOML: Invalid value (column 16)"


def test_toml_duplicate_key_has_the_line():
    text = patched('name = "Harbor Kitchen"', 'name = "Harbor Kitchen"\nname = "Harbor"')
    line = line_of(text, 'name = "Harbor"')
    assert error_of(text) == f"demo.toml, line {line}: invalid TOML: Cannot overwrite a value (column 16)"


def test_toml_error_at_the_end_of_the_file():
    expected = "demo.toml, line 2: invalid TOML: Unterminated string at the end of the file"
    assert error_of('[program]\nname = "Mini') == expected


def test_missing_table_has_no_line():
    text = patched("[[brands]]\ncode = \"mini\"\nname = \"Mini Massage\"\n", "", MINIMAL)
    assert error_of(text) == "demo.toml, brands: required key is missing"


def test_empty_brands():
    text = patched("[[brands]]\ncode = \"mini\"\nname = \"Mini Massage\"\n", "", MINIMAL).replace(
        "[program]", "brands = []\n\n[program]"
    )
    assert error_of(text) == "demo.toml, line 1, brands: needs at least one entry"


def test_whole_numbers_for_visit_thresholds():
    text = MINIMAL + '\n[[tiers.levels]]\ncode = "regular"\nname = "Regular"\nthreshold = "2.5"\n'
    assert error_of(text) == (
        f"demo.toml, line {line_of(text, '2.5')}, tiers.levels[1].threshold: must be a whole number for metric VISITS"
    )


def test_money_decimals_follow_the_currency():
    text = MINIMAL + '\n[referral]\nreferrer_points = 100\nminimum_purchase = "1000.5"\n'
    assert error_of(text) == (
        f"demo.toml, line {line_of(text, '1000.5')}, referral.minimum_purchase:"
        " JPY amounts have at most 0 decimals, not 1000.5"
    )


def test_every_problem_is_reported_one_per_line():
    text = patched("pending_days = 14", "pending_days = -1")
    text = patched('currency = "EUR"', 'currency = "euro"', text)
    with pytest.raises(ProgramFileError) as info:
        parse_program(text, "demo.toml")
    currency, pending = line_of(text, '"euro"'), line_of(text, "pending_days")
    assert info.value.source == "demo.toml"
    assert info.value.problems == (
        Problem(
            "program.currency",
            'must be an ISO 4217 code of 3 upper-case letters (e.g. "EUR"), not "euro"',
            currency,
        ),
        Problem("program.pending_days", "must be greater than or equal to 0, not -1", pending),
    )
    assert str(info.value).splitlines() == [
        f"demo.toml, line {currency}, program.currency:"
        ' must be an ISO 4217 code of 3 upper-case letters (e.g. "EUR"), not "euro"',
        f"demo.toml, line {pending}, program.pending_days: must be greater than or equal to 0, not -1",
    ]


def test_load_program_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text(patched('threshold = "1500"', 'threshold = "400"'), encoding="utf-8")
    with pytest.raises(ProgramFileError) as info:
        load_program(path)
    assert str(info.value) == (
        f"{path}, line 81, tiers.levels[2].threshold: must be greater than tiers.levels[1].threshold (500)"
    )


def test_load_program_of_a_missing_file(tmp_path):
    path = tmp_path / "missing.toml"
    with pytest.raises(ProgramFileError) as info:
        load_program(path)
    assert str(info.value) == f"{path}: cannot read the file: No such file or directory"


def test_default_source_name():
    with pytest.raises(ProgramFileError) as info:
        parse_program("[program\nname = 1\n")
    assert str(info.value) == (
        "<program>, line 1: invalid TOML: Expected ']' at the end of a table declaration (column 9)"
    )


# --- locating keys ----------------------------------------------------------------


def test_format_path():
    assert format_path(("tiers", "levels", 2, "threshold")) == "tiers.levels[2].threshold"
    assert format_path(("brands", 0)) == "brands[0]"
    assert format_path(()) == ""


def test_find_line_in_nested_arrays_of_tables():
    text = "a = 1\n[[x]]\nk = 1\n[[x.y]]\nk = 2\n[[x]]\n[[x.y]]\nk = 3\n[[x.y]]\n  k = 4\n"
    assert find_line(text, ("a",)) == 1
    assert find_line(text, ("x", 0, "y", 0, "k")) == 5
    assert find_line(text, ("x", 1, "y", 0, "k")) == 8
    assert find_line(text, ("x", 1, "y", 1, "k")) == 10
    assert find_line(text, ("x", 1, "k")) == 6  # absent: the table's header
    assert find_line(text, ("z",)) is None



@pytest.mark.parametrize("key, value", [
    ("primary_colour", '"blue"'), ("accent_colour", '"#12345"'), ("logo_url", '"http://cdn.example/logo.svg"'),
    ("logo_url", '"javascript:alert(1)"'),
])
def test_the_brand_theme_takes_hex_colours_and_a_path_or_https_logo(key, value):
    text = with_keys(DEMO, "brand_theme", **{key: value})
    error = error_of(text)
    assert error.startswith(f"demo.toml, line {line_of(text, f'{key} = {value}')}, brand_theme.{key}: must match pattern '")
    assert error.endswith(f"', not {value}")


def test_the_brand_theme_is_optional_and_names_the_program_by_default():
    start = DEMO.index("\n# How the web wallet page")
    text = DEMO[:start] + DEMO[DEMO.index("\n# Segments:", start):]
    theme = parse_program(text).brand_theme
    assert (theme.name, theme.primary_colour, theme.logo_url) == (None, "#1f4e79", None)
