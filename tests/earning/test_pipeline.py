"""The earning pipeline, step by step, with the numbers a member would compute by hand."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from loyalty.earning.pipeline import Line, PurchaseFacts, combine, purchase_points
from loyalty.ledger.descriptions import describe
from loyalty.program.spec import MultipliersCombine, Program, parse_program
from tests.support.program import demo_text

MARCH_10 = datetime(2026, 3, 10, 11, 0, tzinfo=timezone.utc)  # inside the spring-kitchen promotion
APRIL_10 = datetime(2026, 4, 10, 11, 0, tzinfo=timezone.utc)


def program(**bonuses: object) -> Program:
    return parse_program(demo_text(**bonuses))


DEMO = program()
GOLD, SILVER, BRONZE = DEMO.tier_level("gold"), DEMO.tier_level("silver"), DEMO.tier_level("bronze")


def facts(amount: str = "100.00", *, at: datetime = APRIL_10, brand: str | None = "northwind", tier=BRONZE,
          joined_at: datetime | None = None, bonus_day: date | None = None, lines=()) -> PurchaseFacts:
    minor = int(Decimal(amount) * 100)
    return PurchaseFacts(
        eligible_minor=minor, brand=brand, categories=tuple(c for c, _ in lines if c), occurred_at=at,
        lines=tuple(Line(c, int(Decimal(a) * 100)) for c, a in lines), tier=tier,
        joined_at=joined_at or at - timedelta(days=400), bonus_day=bonus_day,
    )


@pytest.mark.parametrize(("rule", "expected"), [
    (MultipliersCombine.MULTIPLY, Decimal(6)),
    (MultipliersCombine.ADD_EXTRA, Decimal(4)),
    (MultipliersCombine.HIGHEST, Decimal(3)),
])
def test_combine_two_and_three_by_each_rule(rule, expected):
    assert combine(rule, [Decimal(2), Decimal(3)]) == expected


def test_combine_nothing_is_one_and_a_fraction_stays_exact():
    assert combine(MultipliersCombine.ADD_EXTRA, []) == 1
    assert combine(MultipliersCombine.ADD_EXTRA, [Decimal("1.25"), Decimal(2)]) == Decimal("2.25")
    assert combine(MultipliersCombine.MULTIPLY, [Decimal("1.25"), Decimal(2)]) == Decimal("2.50")


def test_a_bronze_member_long_after_joining_earns_the_base_rate():
    points, award = purchase_points(DEMO, facts("100.99"))
    assert points == 100
    assert [(r.step, r.points) for r in award.reasons] == [("base", Decimal("100.99"))]


def test_the_tier_multiplier_applies_silver_1_25_rounded_down_once():
    points, award = purchase_points(DEMO, facts("10.00", tier=SILVER))
    assert points == 12  # 10 + 2.5, rounded down at the end
    assert [(r.step, r.points, r.detail) for r in award.reasons] == [
        ("base", Decimal("10.00"), "1"), ("tier", Decimal("2.5000"), "1.25")]


def test_the_new_member_multiplier_applies_in_the_first_30_days_only():
    joined = APRIL_10 - timedelta(days=29, hours=23)
    assert purchase_points(DEMO, facts(joined_at=joined))[0] == 200
    assert purchase_points(DEMO, facts(joined_at=APRIL_10 - timedelta(days=30)))[0] == 100
    assert purchase_points(DEMO, facts(joined_at=APRIL_10))[0] == 200


def test_the_bonus_day_multiplies_only_on_the_chosen_date_in_the_program_time_zone():
    # 23:30 UTC on 9 April is 01:30 on 10 April in Amsterdam.
    late = datetime(2026, 4, 9, 23, 30, tzinfo=timezone.utc)
    day = date(2026, 4, 10)
    assert purchase_points(DEMO, facts(at=late, tier=GOLD, bonus_day=day))[0] == 100 + 100 + 200  # 2X + 3X
    assert purchase_points(DEMO, facts(at=late - timedelta(hours=2), tier=GOLD, bonus_day=day))[0] == 200
    # Without the perk a chosen day does nothing.
    assert purchase_points(DEMO, facts(at=late, tier=SILVER, bonus_day=day))[0] == 125


def test_a_promotion_applies_by_date_brand_and_category_per_line():
    lines = (("cookware", "60.00"), ("food", "40.00"))
    # Harbor in March: the cookware line is doubled.
    assert purchase_points(DEMO, facts(at=MARCH_10, brand="harbor", lines=lines))[0] == 160
    # Another brand, or April: no promotion.
    assert purchase_points(DEMO, facts(at=MARCH_10, brand="northwind", lines=lines))[0] == 100
    assert purchase_points(DEMO, facts(at=APRIL_10, brand="harbor", lines=lines))[0] == 100
    # No line in the promotion's categories.
    assert purchase_points(DEMO, facts(at=MARCH_10, brand="harbor", lines=(("food", "100.00"),)))[0] == 100


def test_the_last_day_of_a_promotion_counts_in_the_program_time_zone():
    lines = (("classes", "50.00"),)
    last_evening = datetime(2026, 3, 31, 21, 59, tzinfo=timezone.utc)  # 23:59 in Amsterdam
    assert purchase_points(DEMO, facts("50.00", at=last_evening, brand="harbor", lines=lines))[0] == 100
    assert purchase_points(DEMO, facts("50.00", at=last_evening + timedelta(minutes=2), brand="harbor",
                                       lines=lines))[0] == 50


ALL_AT_ONCE = dict(at=MARCH_10, brand="harbor", tier=GOLD, joined_at=MARCH_10 - timedelta(days=3),
                   bonus_day=date(2026, 3, 10), lines=(("cookware", "60.00"), ("food", "40.00")))


@pytest.mark.parametrize(("rule", "expected"), [
    # cookware 60 with 2X tier, 2X new, 3X day, 2X promotion; food 40 with the first three
    ("add_extra", 60 * 6 + 40 * 5),  # 1 + 1 + 1 + 2 + 1 = 6; 1 + 1 + 1 + 2 = 5
    ("multiply", 60 * 24 + 40 * 12),  # 2 * 2 * 3 * 2 = 24; 2 * 2 * 3 = 12
    ("highest", 60 * 3 + 40 * 3),
])
def test_every_multiplier_at_once_by_each_combination_rule(rule, expected):
    assert purchase_points(program(multipliers_combine=f'"{rule}"'), facts(**ALL_AT_ONCE))[0] == expected


def test_each_step_says_what_it_added_and_they_add_up():
    points, award = purchase_points(DEMO, facts(**ALL_AT_ONCE))
    assert points == 560
    assert [(r.step, int(r.points), r.detail) for r in award.reasons] == [
        ("base", 100, "1"), ("tier", 100, "2"), ("new_member", 100, "2"), ("bonus_day", 200, "3"),
        ("promotion", 60, "2"),
    ]


def test_multiply_explains_each_step_on_top_of_the_ones_before():
    _, award = purchase_points(program(multipliers_combine='"multiply"'),
                               facts(tier=GOLD, bonus_day=date(2026, 4, 10)))
    assert [(r.step, int(r.points)) for r in award.reasons] == [("base", 100), ("tier", 100), ("bonus_day", 400)]


def test_highest_explains_only_the_multiplier_that_counted():
    _, award = purchase_points(program(multipliers_combine='"highest"'),
                               facts(tier=GOLD, bonus_day=date(2026, 4, 10)))
    assert [(r.step, int(r.points)) for r in award.reasons] == [("base", 100), ("bonus_day", 200)]


FLAT_PROMOTION = """
[[bonuses.promotions]]
code = "harbor-welcome"
name = "50 points on any Harbor purchase"
starts_on = 2026-04-01
ends_on = 2026-04-30
brands = ["harbor"]
bonus_points = 50
"""


def test_a_flat_promotion_adds_its_points_once_after_the_multipliers():
    flat = parse_program(demo_text().replace("\n# Rewards:", FLAT_PROMOTION + "\n# Rewards:", 1))
    points, award = purchase_points(flat, facts("10.00", brand="harbor", tier=GOLD))
    assert points == 10 + 10 + 50
    assert award.reasons[-1].step == "promotion_points"
    assert purchase_points(flat, facts("10.00", brand="northwind", tier=GOLD))[0] == 20


def test_the_description_explains_the_purchase_in_every_language():
    _, award = purchase_points(DEMO, facts(**ALL_AT_ONCE))
    memo = {"order": "O-1", "amount_minor": 10000, "currency": "EUR", "tier_name": "Gold",
            "reasons": [[r.step, str(r.points), r.detail] for r in award.reasons]}
    assert describe("EARN_PURCHASE", memo, 560, "en") == (
        "Purchase of EUR 100.00 (order O-1): 1 point per EUR, 2X Gold tier, 2X new member bonus, "
        "3X on your bonus day, 2X promotion, 5.6X in all")
    assert describe("EARN_PURCHASE", memo, 560, "nl") == (
        "Aankoop van EUR 100,00 (bestelling O-1): 1 punt per EUR, 2X Gold-niveau, 2X bonus voor nieuwe leden, "
        "3X op je bonusdag, 2X actie, 5,6X in totaal")
    assert describe("EARN_PURCHASE", memo, 560, "de") == (
        "Einkauf über 100,00 EUR (Bestellung O-1): 1 Punkt pro EUR, 2X Stufe Gold, 2X Neumitgliederbonus, "
        "3X an deinem Bonustag, 2X Aktion, 5,6X insgesamt")
    assert describe("EARN_PURCHASE", memo, 560, "ro") == (
        "Achiziție de 100,00 EUR (comanda O-1): 1 punct la fiecare EUR, 2X nivelul Gold, 2X bonus de membru nou, "
        "3X în ziua ta bonus, 2X promoție, 5,6X în total")


TWO_PROMOTIONS = """
[[bonuses.promotions]]
code = "harbor-april"
name = "Triple points on classes"
starts_on = 2026-04-01
ends_on = 2026-04-30
categories = ["classes"]
multiplier = "3"

[[bonuses.promotions]]
code = "april-everything"
name = "Double points in April"
starts_on = 2026-04-01
ends_on = 2026-04-30
multiplier = "2"
"""


def test_overlapping_promotions_combine_on_the_lines_they_share():
    both = parse_program(demo_text().replace("\n# Rewards:", TWO_PROMOTIONS + "\n# Rewards:", 1))
    lines = (("classes", "30.00"), ("food", "70.00"))
    # classes: 1 + 2 + 1 = 4X on 30; food: 2X on 70.
    points, award = purchase_points(both, facts(brand="harbor", lines=lines))
    assert points == 120 + 140
    assert [(r.step, int(r.points), r.detail) for r in award.reasons] == [
        ("base", 100, "1"), ("promotion", 60, "3"), ("promotion", 100, "2")]


def test_line_shares_of_an_odd_amount_add_up_to_the_whole():
    lines = (("cookware", "10.00"), ("food", "10.00"), ("classes", "10.00"))
    # Cookware and classes (the promotion's lines) take two thirds of 10.01 rounded down,
    # 6.67, and are doubled; the food line takes the remaining 3.34.
    points, award = purchase_points(DEMO, facts("10.01", at=MARCH_10, brand="harbor", lines=lines))
    assert [(r.step, r.points) for r in award.reasons] == [("base", Decimal("10.01")), ("promotion", Decimal("6.67"))]
    assert points == 16  # 16.68, rounded down


@pytest.mark.parametrize(("rule", "points", "said"), [
    ("add_extra", 225, "1.25X Silver tier, 2X new member bonus, 2.25X in all"),
    ("multiply", 250, "1.25X Silver tier, 2X new member bonus, 2.5X in all"),
    ("highest", 200, "2X new member bonus"),
])
def test_the_description_says_what_several_multipliers_make_together(rule, points, said):
    combined = parse_program(demo_text(multipliers_combine=f'"{rule}"'))
    joined = APRIL_10 - timedelta(days=3)
    total, award = purchase_points(combined, facts("100.00", tier=SILVER, joined_at=joined))
    memo = {"order": "O-1", "amount_minor": 10000, "currency": "EUR", "tier_name": "Silver",
            "reasons": [[r.step, str(r.points), r.detail] for r in award.reasons]}
    assert total == points
    assert describe("EARN_PURCHASE", memo, total, "en") == f"Purchase of EUR 100.00 (order O-1): 1 point per EUR, {said}"


def test_one_multiplier_needs_no_total():
    _, award = purchase_points(DEMO, facts("10.00", tier=GOLD))
    memo = {"order": "O-1", "amount_minor": 1000, "currency": "EUR", "tier_name": "Gold",
            "reasons": [[r.step, str(r.points), r.detail] for r in award.reasons]}
    assert describe("EARN_PURCHASE", memo, 20, "de") == "Einkauf über 10,00 EUR (Bestellung O-1): 1 Punkt pro EUR, 2X Stufe Gold"


def test_the_multiples_together_come_before_promotion_points():
    memo = {"order": "O-1", "amount_minor": 10000, "currency": "EUR", "tier_name": "Silver",
            "reasons": [["base", "100", "1"], ["tier", "25", "1.25"], ["new_member", "100", "2"],
                        ["promotion_points", "100", "100"]]}
    assert describe("EARN_PURCHASE", memo, 325, "en") == (
        "Purchase of EUR 100.00 (order O-1): 1 point per EUR, 1.25X Silver tier, 2X new member bonus, 2.25X in all, "
        "100 promotion points")


def test_the_demo_climbing_club_adds_100_points_to_orders_with_climbing_gear_at_northwind():
    december = datetime(2026, 12, 3, 11, 0, tzinfo=timezone.utc)
    rope = (("climbing", "60.00"), (None, "40.00"))
    assert purchase_points(DEMO, facts(at=december, tier=SILVER, lines=rope))[0] == 125 + 100
    assert purchase_points(DEMO, facts(at=december, tier=SILVER, lines=((None, "100.00"),)))[0] == 125
    assert purchase_points(DEMO, facts(at=december, brand="harbor", lines=rope))[0] == 100
    # The promotion runs through 2099: the day after, the rope earns the base rate only.
    assert purchase_points(DEMO, facts(at=datetime(2099, 12, 31, 12, tzinfo=timezone.utc), lines=rope))[0] == 100 + 100
    assert purchase_points(DEMO, facts(at=datetime(2100, 1, 1, 12, tzinfo=timezone.utc), lines=rope))[0] == 100
