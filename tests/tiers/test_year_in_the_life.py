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
