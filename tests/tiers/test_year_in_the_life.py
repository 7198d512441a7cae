"""A year in the life of a member (and the two years after it), one table per qualification period.

The program is the demo's (Amsterdam; 1 point per euro, 14 days pending; points expire at the
end of the month 24 months after they were earned, warned 30 days ahead) with its tiers at 1
point per euro: Bronze; Silver from EUR 500 in a period with 2% back and 100 birthday points;
Gold from EUR 1500 with 5% back, a 3X bonus day, 250 points and EUR 10 on the birthday and
EUR 25 credit a calendar year; one tier down at review, warnings 30 days ahead. Ann is born on
17 June: her birthday week starts on Monday 15 June 2026 and Monday 14 June 2027.

Each step states the exact tier status, the wallet (points, pending points, credit and pending
credit in cents) and the tier, birthday, yearly-reward and expiry-warning events after it. A
purchase earns at the level held before it: the one that crosses a threshold earns at the
level below.
"""
from __future__ import annotations

from datetime import date

from tests.support.tiers import tier_program, tier_program_text
from tests.tiers.scenario import Step, Tier, at_risk, birthday, down, expiring, play, up, yearly

BORN = date(1990, 6, 17)
Y26, Y27, Y28, Y29 = ("2026-01-01", "2027-01-01"), ("2027-01-01", "2028-01-01"), ("2028-01-01", "2029-01-01"), (
    "2029-01-01", "2030-01-01")

CALENDAR_YEAR = [
    Step("2026-01-10 10:00", ("join",), Tier("bronze", "0.00", "500.00", "0.00", None, Y26), (0, 0, 0, 0)),
    Step("2026-02-01 12:00", ("buy", "O-1", "300.00", "northwind"),
         Tier("bronze", "300.00", "200.00", "0.00", None, Y26), (0, 300, 0, 0)),
    Step("2026-03-01 09:00", ("jobs",), Tier("bronze", "300.00", "200.00", "0.00", None, Y26), (300, 0, 0, 0)),
    # 300 + 250 reaches Silver; the purchase earns at Bronze (no cashback). Silver earned in
    # 2026 holds until the end of 2027.
    Step("2026-03-01 12:00", ("buy", "O-2", "250.00", "harbor"),
         Tier("silver", "550.00", "950.00", "0.00", "2028-01-01", Y26), (300, 250, 0, 0), (up("silver"),)),
    # A refund that takes the member back under the threshold in the same year takes Silver
    # back; 100 of O-2's pending 250 points go with it.
    Step("2026-03-10 12:00", ("refund", "O-2", "R-1", "100.00"),
         Tier("bronze", "450.00", "50.00", "0.00", None, Y26), (300, 150, 0, 0), (down("bronze"),)),
    Step("2026-03-20 12:00", ("buy", "O-3", "200.00", "northwind"),
         Tier("silver", "650.00", "850.00", "0.00", "2028-01-01", Y26), (300, 350, 0, 0), (up("silver"),)),
    # O-2's 150 posted on 15 March, O-3's 200 on 3 April.
    Step("2026-04-05 09:00", ("jobs",), Tier("silver", "650.00", "850.00", "0.00", "2028-01-01", Y26),
         (650, 0, 0, 0)),
    # At Silver: 500 points and 2% of EUR 500.00 = 1000 cents, both pending.
    Step("2026-05-04 12:00", ("buy", "O-4", "500.00", "harbor"),
         Tier("silver", "1150.00", "350.00", "0.00", "2028-01-01", Y26), (650, 500, 0, 1000)),
    Step("2026-05-20 09:00", ("jobs",), Tier("silver", "1150.00", "350.00", "0.00", "2028-01-01", Y26),
         (1150, 0, 1000, 0)),
    # Monday of the birthday week: Silver's 100 points, posted at once.
    Step("2026-06-15 06:00", ("jobs",), Tier("silver", "1150.00", "350.00", "0.00", "2028-01-01", Y26),
         (1250, 0, 1000, 0), (birthday(100),)),
    # 1150 + 400 reaches Gold; at Silver: 400 points and 2% of 400.00 = 800 cents.
    Step("2026-07-01 12:00", ("buy", "O-5", "400.00", "northwind"),
         Tier("gold", "1550.00", None, "0.00", "2028-01-01", Y26), (1250, 400, 1000, 800), (up("gold"),)),
    Step("2026-07-01 13:00", ("bonus_day", "2026-08-07"),
         Tier("gold", "1550.00", None, "0.00", "2028-01-01", Y26), (1250, 400, 1000, 800)),
    # The first run at Gold in 2026 gives Gold's yearly EUR 25.00.
    Step("2026-07-02 06:00", ("jobs",), Tier("gold", "1550.00", None, "0.00", "2028-01-01", Y26),
         (1250, 400, 3500, 800), (yearly(0, 2500),)),
    Step("2026-07-20 09:00", ("jobs",), Tier("gold", "1550.00", None, "0.00", "2028-01-01", Y26),
         (1650, 0, 4300, 0)),
    # The bonus day: 1 + (3 - 1) = 3X, 300 points; 5% of 100.00 = 500 cents.
    Step("2026-08-07 12:00", ("buy", "O-6", "100.00", "harbor"),
         Tier("gold", "1650.00", None, "0.00", "2028-01-01", Y26), (1650, 300, 4300, 500)),
    # 40% refunded: 300 x 40 / 100 = 120 points and 500 x 40 / 100 = 200 cents taken back.
    Step("2026-08-10 12:00", ("refund", "O-6", "R-2", "40.00"),
         Tier("gold", "1610.00", None, "0.00", "2028-01-01", Y26), (1650, 180, 4300, 300)),
    # The year ends: Gold earned in 2026 holds through 2027, and 2027 starts from nothing.
    # O-6's 180 points and 300 cents posted on 21 August; 2027's yearly EUR 25.00.
    Step("2027-01-01 02:00", ("jobs",), Tier("gold", "0.00", None, "1500.00", "2028-01-01", Y27),
         (1830, 0, 7100, 0), (yearly(0, 2500),)),
    Step("2027-03-01 12:00", ("buy", "O-7", "600.00", "harbor"),
         Tier("gold", "600.00", None, "900.00", "2028-01-01", Y27), (1830, 600, 7100, 3000)),
    # O-7 posted; Gold's birthday: 250 points and 1000 cents.
    Step("2027-06-14 06:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-01-01", Y27),
         (2680, 0, 11100, 0), (birthday(250, 1000),)),
    Step("2027-12-02 02:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-01-01", Y27),
         (2680, 0, 11100, 0), (at_risk("900.00"),)),
    Step("2027-12-02 03:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-01-01", Y27),
         (2680, 0, 11100, 0)),
    # Review: 2027 did not reach Gold, so one tier down; Silver holds through 2028 and has no
    # yearly reward.
    Step("2028-01-01 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-01-01", Y28),
         (2680, 0, 11100, 0), (down("silver"),)),
    # O-1's lot (February 2026) expires at the end of February 2028: warned 30 days ahead.
    Step("2028-02-01 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-01-01", Y28),
         (2680, 0, 11100, 0), (expiring(300, "2028-03-01"),)),
    Step("2028-02-15 12:00", ("set_tier", "gold", "2028-03-01"),
         Tier("gold", "0.00", None, "1500.00", "2028-03-01", Y28), (2680, 0, 11100, 0), (up("gold"),)),
    # The set tier lapses on its date; O-1's 300 points expire the same night.
    Step("2028-03-01 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-01-01", Y28),
         (2380, 0, 11100, 0), (down("silver"),)),
    # Nothing in 2028: Bronze. Every lot of 2026 has expired: 150 + 200 (O-2, O-3) + 500 (O-4)
    # + 100 (birthday) + 400 (O-5) + 180 (O-6) = 1530; 600 (O-7) + 250 (birthday 2027) are left.
    Step("2029-01-01 02:00", ("jobs",), Tier("bronze", "0.00", "500.00", "0.00", None, Y29), (850, 0, 11100, 0),
         (down("bronze"),)),
]


async def test_a_year_in_the_life_of_a_member_by_calendar_year(clean_db):
    await play(tier_program_text("calendar_year"), tier_program("calendar_year"), CALENDAR_YEAR, BORN)


def r12(end: str) -> tuple[str, str]:
    """The rolling period that ends at the start of `end` (the day after today)."""
    year, rest = end.split("-", 1)
    return f"{int(year) - 1}-{rest}", end


# The period is the 12 months that end with today; a tier reached today holds 12 months on
# from tomorrow, and reaching it again (within the last 12 months) extends it.
ROLLING_12_MONTHS = [
    Step("2026-01-10 10:00", ("join",), Tier("bronze", "0.00", "500.00", "0.00", None, r12("2026-01-11")),
         (0, 0, 0, 0)),
    Step("2026-02-01 12:00", ("buy", "O-1", "300.00", "northwind"),
         Tier("bronze", "300.00", "200.00", "0.00", None, r12("2026-02-02")), (0, 300, 0, 0)),
    Step("2026-03-01 09:00", ("jobs",), Tier("bronze", "300.00", "200.00", "0.00", None, r12("2026-03-02")),
         (300, 0, 0, 0)),
    Step("2026-03-01 12:00", ("buy", "O-2", "250.00", "harbor"),
         Tier("silver", "550.00", "950.00", "0.00", "2027-03-02", r12("2026-03-02")), (300, 250, 0, 0),
         (up("silver"),)),
    Step("2026-03-10 12:00", ("refund", "O-2", "R-1", "100.00"),
         Tier("bronze", "450.00", "50.00", "0.00", None, r12("2026-03-11")), (300, 150, 0, 0), (down("bronze"),)),
    Step("2026-03-20 12:00", ("buy", "O-3", "200.00", "northwind"),
         Tier("silver", "650.00", "850.00", "0.00", "2027-03-21", r12("2026-03-21")), (300, 350, 0, 0),
         (up("silver"),)),
    Step("2026-04-05 09:00", ("jobs",),
         Tier("silver", "650.00", "850.00", "0.00", "2027-03-21", r12("2026-04-06")), (650, 0, 0, 0)),
    # Silver reached again: it now holds until 12 months after today.
    Step("2026-05-04 12:00", ("buy", "O-4", "500.00", "harbor"),
         Tier("silver", "1150.00", "350.00", "0.00", "2027-05-05", r12("2026-05-05")), (650, 500, 0, 1000)),
    Step("2026-05-20 09:00", ("jobs",),
         Tier("silver", "1150.00", "350.00", "0.00", "2027-05-05", r12("2026-05-21")), (1150, 0, 1000, 0)),
    Step("2026-06-15 06:00", ("jobs",),
         Tier("silver", "1150.00", "350.00", "0.00", "2027-06-16", r12("2026-06-16")), (1250, 0, 1000, 0),
         (birthday(100),)),
    Step("2026-07-01 12:00", ("buy", "O-5", "400.00", "northwind"),
         Tier("gold", "1550.00", None, "0.00", "2027-07-02", r12("2026-07-02")), (1250, 400, 1000, 800),
         (up("gold"),)),
    Step("2026-07-01 13:00", ("bonus_day", "2026-08-07"),
         Tier("gold", "1550.00", None, "0.00", "2027-07-02", r12("2026-07-02")), (1250, 400, 1000, 800)),
    Step("2026-07-02 06:00", ("jobs",),
         Tier("gold", "1550.00", None, "0.00", "2027-07-02", r12("2026-07-03")), (1250, 400, 3500, 800),
         (yearly(0, 2500),)),
    Step("2026-07-20 09:00", ("jobs",),
         Tier("gold", "1550.00", None, "0.00", "2027-07-02", r12("2026-07-21")), (1650, 0, 4300, 0)),
    # The bonus day: 3X, 300 points; 5% back. Gold reached again: held until 8 August 2027.
    Step("2026-08-07 12:00", ("buy", "O-6", "100.00", "harbor"),
         Tier("gold", "1650.00", None, "0.00", "2027-08-08", r12("2026-08-08")), (1650, 300, 4300, 500)),
    Step("2026-08-10 12:00", ("refund", "O-6", "R-2", "40.00"),
         Tier("gold", "1610.00", None, "0.00", "2027-08-11", r12("2026-08-11")), (1650, 180, 4300, 300)),
    # The new calendar year brings the yearly reward again; the tier's period just moves on.
    Step("2027-01-01 02:00", ("jobs",),
         Tier("gold", "1610.00", None, "0.00", "2027-08-11", r12("2027-01-02")), (1830, 0, 7100, 0),
         (yearly(0, 2500),)),
    # O-1 (1 February 2026) and O-2 (1 March 2026, 150 after its refund) have left the last 12
    # months: 1610 - 300 - 150 + 600 = 1760, Gold again.
    Step("2027-03-01 12:00", ("buy", "O-7", "600.00", "harbor"),
         Tier("gold", "1760.00", None, "0.00", "2028-03-02", r12("2027-03-02")), (1830, 600, 7100, 3000)),
    # Left: O-5 400, O-6 100 - 40 = 60 and O-7 600 = 1060; Gold is kept 440 short of 1500.
    Step("2027-06-14 06:00", ("jobs",),
         Tier("gold", "1060.00", None, "440.00", "2028-03-02", r12("2027-06-15")), (2680, 0, 11100, 0),
         (birthday(250, 1000),)),
    # 30 days before Gold lapses only O-7 is left; O-1's lot is warned the same morning, and
    # the first run of 2028 at Gold gives 2028's yearly EUR 25.00.
    Step("2028-02-01 02:00", ("jobs",),
         Tier("gold", "600.00", None, "900.00", "2028-03-02", r12("2028-02-02")), (2680, 0, 13600, 0),
         (expiring(300, "2028-03-01"), at_risk("900.00"), yearly(0, 2500))),
    Step("2028-02-01 03:00", ("jobs",),
         Tier("gold", "600.00", None, "900.00", "2028-03-02", r12("2028-02-02")), (2680, 0, 13600, 0)),
    # Review: the 12 months before 2 March 2028 hold nothing (O-7 was on 1 March 2027), so one
    # tier down; O-1's 300 points expired on 1 March. March 2026's lots (O-2's 150 and O-3's
    # 200) expire in 30 days: warned.
    Step("2028-03-02 02:00", ("jobs",),
         Tier("silver", "0.00", "1500.00", "500.00", "2029-03-02", r12("2028-03-03")), (2380, 0, 13600, 0),
         (expiring(350, "2028-04-01"), down("silver"))),
    Step("2028-03-15 12:00", ("set_tier", "gold", "2028-04-01"),
         Tier("gold", "0.00", None, "1500.00", "2028-04-01", r12("2028-03-16")), (2380, 0, 13600, 0),
         (up("gold"),)),
    # The set tier lapses; O-2's and O-3's 350 points expire.
    Step("2028-04-01 02:00", ("jobs",),
         Tier("silver", "0.00", "1500.00", "500.00", "2029-03-02", r12("2028-04-02")), (2030, 0, 13600, 0),
         (down("silver"),)),
    # Nothing in 12 months: Bronze. Only 2027's lots are left: O-7's 600, warned now, and the
    # birthday's 250.
    Step("2029-03-02 02:00", ("jobs",), Tier("bronze", "0.00", "500.00", "0.00", None, r12("2029-03-03")),
         (850, 0, 13600, 0), (expiring(600, "2029-04-01"), down("bronze"))),
]


async def test_a_year_in_the_life_of_a_member_by_rolling_12_months(clean_db):
    await play(tier_program_text("rolling_12_months"), tier_program("rolling_12_months"), ROLLING_12_MONTHS, BORN)


P1, P2, P3, P4 = ("2026-04-15", "2027-04-15"), ("2027-04-15", "2028-04-15"), ("2028-04-15", "2029-04-15"), (
    "2029-04-15", "2030-04-15")

# Membership years from the join date, 15 April; birthdays and the yearly reward still go by
# the calendar.
ANNIVERSARY_YEAR = [
    Step("2026-04-15 10:00", ("join",), Tier("bronze", "0.00", "500.00", "0.00", None, P1), (0, 0, 0, 0)),
    Step("2026-05-01 12:00", ("buy", "O-1", "300.00", "northwind"),
         Tier("bronze", "300.00", "200.00", "0.00", None, P1), (0, 300, 0, 0)),
    Step("2026-05-20 09:00", ("jobs",), Tier("bronze", "300.00", "200.00", "0.00", None, P1), (300, 0, 0, 0)),
    Step("2026-05-20 12:00", ("buy", "O-2", "250.00", "harbor"),
         Tier("silver", "550.00", "950.00", "0.00", "2028-04-15", P1), (300, 250, 0, 0), (up("silver"),)),
    Step("2026-05-25 12:00", ("refund", "O-2", "R-1", "100.00"),
         Tier("bronze", "450.00", "50.00", "0.00", None, P1), (300, 150, 0, 0), (down("bronze"),)),
    Step("2026-06-01 12:00", ("buy", "O-3", "200.00", "northwind"),
         Tier("silver", "650.00", "850.00", "0.00", "2028-04-15", P1), (300, 350, 0, 0), (up("silver"),)),
    # O-2's 150 posted on 3 June; O-3's 200 post at noon, after this run. Silver's birthday
    # points: 300 + 150 + 100 = 550.
    Step("2026-06-15 06:00", ("jobs",), Tier("silver", "650.00", "850.00", "0.00", "2028-04-15", P1),
         (550, 200, 0, 0), (birthday(100),)),
    Step("2026-07-01 12:00", ("buy", "O-4", "500.00", "harbor"),
         Tier("silver", "1150.00", "350.00", "0.00", "2028-04-15", P1), (550, 700, 0, 1000)),
    Step("2026-07-20 09:00", ("jobs",), Tier("silver", "1150.00", "350.00", "0.00", "2028-04-15", P1),
         (1250, 0, 1000, 0)),
    Step("2026-08-01 12:00", ("buy", "O-5", "400.00", "northwind"),
         Tier("gold", "1550.00", None, "0.00", "2028-04-15", P1), (1250, 400, 1000, 800), (up("gold"),)),
    Step("2026-08-01 13:00", ("bonus_day", "2026-09-09"),
         Tier("gold", "1550.00", None, "0.00", "2028-04-15", P1), (1250, 400, 1000, 800)),
    Step("2026-08-02 06:00", ("jobs",), Tier("gold", "1550.00", None, "0.00", "2028-04-15", P1),
         (1250, 400, 3500, 800), (yearly(0, 2500),)),
    Step("2026-08-20 09:00", ("jobs",), Tier("gold", "1550.00", None, "0.00", "2028-04-15", P1),
         (1650, 0, 4300, 0)),
    # The bonus day: 3X, 300 points; 5% back.
    Step("2026-09-09 12:00", ("buy", "O-6", "100.00", "harbor"),
         Tier("gold", "1650.00", None, "0.00", "2028-04-15", P1), (1650, 300, 4300, 500)),
    Step("2026-09-12 12:00", ("refund", "O-6", "R-2", "40.00"),
         Tier("gold", "1610.00", None, "0.00", "2028-04-15", P1), (1650, 180, 4300, 300)),
    # A new calendar year: the yearly reward again; the membership year goes on.
    Step("2027-01-01 02:00", ("jobs",), Tier("gold", "1610.00", None, "0.00", "2028-04-15", P1),
         (1830, 0, 7100, 0), (yearly(0, 2500),)),
    # The second membership year starts from nothing; Gold holds until its end.
    Step("2027-04-15 02:00", ("jobs",), Tier("gold", "0.00", None, "1500.00", "2028-04-15", P2),
         (1830, 0, 7100, 0)),
    Step("2027-05-03 12:00", ("buy", "O-7", "600.00", "harbor"),
         Tier("gold", "600.00", None, "900.00", "2028-04-15", P2), (1830, 600, 7100, 3000)),
    Step("2027-06-14 06:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-04-15", P2),
         (2680, 0, 11100, 0), (birthday(250, 1000),)),
    # 30 days before Gold lapses; the first run of 2028 at Gold gives 2028's EUR 25.00.
    Step("2028-03-16 02:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-04-15", P2),
         (2680, 0, 13600, 0), (at_risk("900.00"), yearly(0, 2500))),
    Step("2028-03-16 03:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-04-15", P2),
         (2680, 0, 13600, 0)),
    Step("2028-04-15 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-04-15", P3),
         (2680, 0, 13600, 0), (down("silver"),)),
    # May 2026's lots (O-1's 300 and O-2's 150) expire at the end of May 2028: warned.
    Step("2028-05-02 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-04-15", P3),
         (2680, 0, 13600, 0), (expiring(450, "2028-06-01"),)),
    Step("2028-05-10 12:00", ("set_tier", "gold", "2028-06-01"),
         Tier("gold", "0.00", None, "1500.00", "2028-06-01", P3), (2680, 0, 13600, 0), (up("gold"),)),
    # The set tier lapses and May 2026's 450 points expire; June 2026's (O-3's 200 and the
    # birthday's 100) are warned.
    Step("2028-06-01 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-04-15", P3),
         (2230, 0, 13600, 0), (expiring(300, "2028-07-01"), down("silver"))),
    # Nothing in the third membership year: Bronze. 2026's other lots have expired: 300 (June)
    # + 500 (O-4) + 400 (O-5) + 180 (O-6) = 1380; 2027's 600 + 250 are left.
    Step("2029-04-15 02:00", ("jobs",), Tier("bronze", "0.00", "500.00", "0.00", None, P4), (850, 0, 13600, 0),
         (down("bronze"),)),
]


async def test_a_year_in_the_life_of_a_member_by_anniversary_year(clean_db):
    await play(tier_program_text("anniversary_year"), tier_program("anniversary_year"), ANNIVERSARY_YEAR, BORN)
