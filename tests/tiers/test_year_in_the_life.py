"""A year (and a bit) in the life of a member, one table per qualification period.

The program is the demo's tiers (Silver from EUR 500, Gold from EUR 1500 in a period, one
tier down at review, warnings 30 days ahead), at 1 point per euro and 14 days pending.
Each step states the exact tier status, wallet (spendable, pending) and tier events after it.
"""
from __future__ import annotations

from tests.support.tiers import tier_program, tier_program_text
from tests.tiers.scenario import Step, Tier, play

UP, DOWN, RISK = "tier.upgraded", "tier.downgraded", "tier.at_risk"
Y26, Y27, Y28, Y29 = ("2026-01-01", "2027-01-01"), ("2027-01-01", "2028-01-01"), ("2028-01-01", "2029-01-01"), (
    "2029-01-01", "2030-01-01")

CALENDAR_YEAR = [
    Step("2026-01-10 10:00", ("join",), Tier("bronze", "0.00", "500.00", "0.00", None, Y26), (0, 0)),
    Step("2026-02-01 12:00", ("buy", "O-1", "300.00", "northwind"),
         Tier("bronze", "300.00", "200.00", "0.00", None, Y26), (0, 300)),
    Step("2026-03-01 09:00", ("jobs",), Tier("bronze", "300.00", "200.00", "0.00", None, Y26), (300, 0)),
    Step("2026-03-01 12:00", ("buy", "O-2", "250.00", "harbor"),
         Tier("silver", "550.00", "950.00", "0.00", "2028-01-01", Y26), (300, 250), ((UP, "silver"),)),
    # A refund that takes the member back under the threshold in the same year takes Silver back.
    Step("2026-03-10 12:00", ("refund", "O-2", "R-1", "100.00"),
         Tier("bronze", "450.00", "50.00", "0.00", None, Y26), (300, 150), ((DOWN, "bronze"),)),
    Step("2026-04-01 09:00", ("jobs",), Tier("bronze", "450.00", "50.00", "0.00", None, Y26), (450, 0)),
    Step("2026-05-01 12:00", ("buy", "O-3", "1100.00", "harbor"),
         Tier("gold", "1550.00", None, "0.00", "2028-01-01", Y26), (450, 1100), ((UP, "gold"),)),
    Step("2026-05-02 12:00", ("refund", "O-3", "R-2", "200.00"),
         Tier("silver", "1350.00", "150.00", "0.00", "2028-01-01", Y26), (450, 900), ((DOWN, "silver"),)),
    Step("2026-06-01 12:00", ("buy", "O-4", "150.00", "northwind"),
         Tier("gold", "1500.00", None, "0.00", "2028-01-01", Y26), (450, 1050), ((UP, "gold"),)),
    Step("2026-12-31 23:00", ("jobs",), Tier("gold", "1500.00", None, "0.00", "2028-01-01", Y26), (1500, 0)),
    # The year ends: Gold earned in 2026 holds through 2027, and 2027 starts from nothing.
    Step("2027-01-01 02:00", ("jobs",), Tier("gold", "0.00", None, "1500.00", "2028-01-01", Y27), (1500, 0)),
    Step("2027-03-01 12:00", ("buy", "O-5", "600.00", "harbor"),
         Tier("gold", "600.00", None, "900.00", "2028-01-01", Y27), (1500, 600)),
    Step("2027-12-02 02:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-01-01", Y27), (2100, 0),
         ((RISK, "900.00"),)),
    Step("2027-12-02 03:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-01-01", Y27), (2100, 0)),
    # Review: 2027 did not reach Gold, so one tier down; Silver (which 2027 reached) holds through 2028.
    Step("2028-01-01 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-01-01", Y28), (2100, 0),
         ((DOWN, "silver"),)),
    Step("2028-02-01 12:00", ("set_tier", "gold", "2028-03-01"),
         Tier("gold", "0.00", None, "1500.00", "2028-03-01", Y28), (2100, 0), ((UP, "gold"),)),
    Step("2028-02-15 12:00", ("buy", "O-6", "100.00", "northwind"),
         Tier("gold", "100.00", None, "1400.00", "2028-03-01", Y28), (2100, 100)),
    # The set tier lapses on its date; points of February 2026 expire the same night.
    Step("2028-03-01 02:00", ("jobs",), Tier("silver", "100.00", "1400.00", "400.00", "2029-01-01", Y28), (1900, 0),
         ((DOWN, "silver"),)),
    Step("2029-01-01 02:00", ("jobs",), Tier("bronze", "0.00", "500.00", "0.00", None, Y29), (700, 0),
         ((DOWN, "bronze"),)),
]


async def test_a_year_in_the_life_of_a_member_by_calendar_year(clean_db):
    await play(tier_program_text("calendar_year"), tier_program("calendar_year"), CALENDAR_YEAR)




# The period is the 12 months that end with today; a tier reached today holds 12 months on
# from tomorrow, and reaching it again (within the last 12 months) extends it.
ROLLING_12_MONTHS = [
    Step("2026-01-10 10:00", ("join",),
         Tier("bronze", "0.00", "500.00", "0.00", None, ("2025-01-11", "2026-01-11")), (0, 0)),
    Step("2026-02-01 12:00", ("buy", "O-1", "300.00", "northwind"),
         Tier("bronze", "300.00", "200.00", "0.00", None, ("2025-02-02", "2026-02-02")), (0, 300)),
    Step("2026-03-01 09:00", ("jobs",),
         Tier("bronze", "300.00", "200.00", "0.00", None, ("2025-03-02", "2026-03-02")), (300, 0)),
    Step("2026-03-01 12:00", ("buy", "O-2", "250.00", "harbor"),
         Tier("silver", "550.00", "950.00", "0.00", "2027-03-02", ("2025-03-02", "2026-03-02")), (300, 250),
         ((UP, "silver"),)),
    Step("2026-03-10 12:00", ("refund", "O-2", "R-1", "100.00"),
         Tier("bronze", "450.00", "50.00", "0.00", None, ("2025-03-11", "2026-03-11")), (300, 150),
         ((DOWN, "bronze"),)),
    Step("2026-04-01 09:00", ("jobs",),
         Tier("bronze", "450.00", "50.00", "0.00", None, ("2025-04-02", "2026-04-02")), (450, 0)),
    Step("2026-05-01 12:00", ("buy", "O-3", "1100.00", "harbor"),
         Tier("gold", "1550.00", None, "0.00", "2027-05-02", ("2025-05-02", "2026-05-02")), (450, 1100),
         ((UP, "gold"),)),
    Step("2026-05-02 12:00", ("refund", "O-3", "R-2", "200.00"),
         Tier("silver", "1350.00", "150.00", "0.00", "2027-05-03", ("2025-05-03", "2026-05-03")), (450, 900),
         ((DOWN, "silver"),)),
    Step("2026-06-01 12:00", ("buy", "O-4", "150.00", "northwind"),
         Tier("gold", "1500.00", None, "0.00", "2027-06-02", ("2025-06-02", "2026-06-02")), (450, 1050),
         ((UP, "gold"),)),
    # February 2026 has left the last 12 months: 1200 counts, 300 more today keeps Gold.
    Step("2027-02-02 02:00", ("jobs",),
         Tier("gold", "1200.00", None, "300.00", "2027-06-02", ("2026-02-03", "2027-02-03")), (1500, 0)),
    Step("2027-05-03 02:00", ("jobs",),
         Tier("gold", "150.00", None, "1350.00", "2027-06-02", ("2026-05-04", "2027-05-04")), (1500, 0),
         ((RISK, "1350.00"),)),
    Step("2027-05-20 12:00", ("buy", "O-5", "1400.00", "harbor"),
         Tier("gold", "1550.00", None, "0.00", "2028-05-21", ("2026-05-21", "2027-05-21")), (1500, 1400)),
    Step("2027-06-02 02:00", ("jobs",),
         Tier("gold", "1400.00", None, "100.00", "2028-05-21", ("2026-06-03", "2027-06-03")), (1500, 1400)),
    Step("2027-06-02 03:00", ("jobs",),
         Tier("gold", "1400.00", None, "100.00", "2028-05-21", ("2026-06-03", "2027-06-03")), (1500, 1400)),
    Step("2028-04-21 02:00", ("jobs",),
         Tier("gold", "1400.00", None, "100.00", "2028-05-21", ("2027-04-22", "2028-04-22")), (2450, 0),
         ((RISK, "100.00"),)),
    # Review: the 12 months before 21 May 2028 hold nothing, so one tier down.
    Step("2028-05-21 02:00", ("jobs",),
         Tier("silver", "0.00", "1500.00", "500.00", "2029-05-21", ("2027-05-22", "2028-05-22")), (2450, 0),
         ((DOWN, "silver"),)),
    Step("2028-06-01 12:00", ("set_tier", "gold", "2028-07-01"),
         Tier("gold", "0.00", None, "1500.00", "2028-07-01", ("2027-06-02", "2028-06-02")), (2450, 0),
         ((UP, "gold"),)),
    Step("2028-07-01 02:00", ("jobs",),
         Tier("silver", "0.00", "1500.00", "500.00", "2029-05-21", ("2027-07-02", "2028-07-02")), (1400, 0),
         ((DOWN, "silver"),)),
    Step("2029-05-21 02:00", ("jobs",),
         Tier("bronze", "0.00", "500.00", "0.00", None, ("2028-05-22", "2029-05-22")), (1400, 0),
         ((DOWN, "bronze"),)),
]

P1, P2, P3, P4 = ("2026-04-15", "2027-04-15"), ("2027-04-15", "2028-04-15"), ("2028-04-15", "2029-04-15"), (
    "2029-04-15", "2030-04-15")

# Membership years from the join date, 15 April.
ANNIVERSARY_YEAR = [
    Step("2026-04-15 10:00", ("join",), Tier("bronze", "0.00", "500.00", "0.00", None, P1), (0, 0)),
    Step("2026-05-01 12:00", ("buy", "O-1", "300.00", "northwind"),
         Tier("bronze", "300.00", "200.00", "0.00", None, P1), (0, 300)),
    Step("2026-06-01 09:00", ("jobs",), Tier("bronze", "300.00", "200.00", "0.00", None, P1), (300, 0)),
    Step("2026-06-01 12:00", ("buy", "O-2", "250.00", "harbor"),
         Tier("silver", "550.00", "950.00", "0.00", "2028-04-15", P1), (300, 250), ((UP, "silver"),)),
    Step("2026-06-05 12:00", ("refund", "O-2", "R-1", "100.00"),
         Tier("bronze", "450.00", "50.00", "0.00", None, P1), (300, 150), ((DOWN, "bronze"),)),
    Step("2026-07-01 09:00", ("jobs",), Tier("bronze", "450.00", "50.00", "0.00", None, P1), (450, 0)),
    Step("2026-07-01 12:00", ("buy", "O-3", "1100.00", "harbor"),
         Tier("gold", "1550.00", None, "0.00", "2028-04-15", P1), (450, 1100), ((UP, "gold"),)),
    Step("2026-07-02 12:00", ("refund", "O-3", "R-2", "200.00"),
         Tier("silver", "1350.00", "150.00", "0.00", "2028-04-15", P1), (450, 900), ((DOWN, "silver"),)),
    Step("2026-08-01 12:00", ("buy", "O-4", "150.00", "northwind"),
         Tier("gold", "1500.00", None, "0.00", "2028-04-15", P1), (450, 1050), ((UP, "gold"),)),
    Step("2027-04-15 02:00", ("jobs",), Tier("gold", "0.00", None, "1500.00", "2028-04-15", P2), (1500, 0)),
    Step("2027-06-01 12:00", ("buy", "O-5", "600.00", "harbor"),
         Tier("gold", "600.00", None, "900.00", "2028-04-15", P2), (1500, 600)),
    Step("2028-03-16 02:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-04-15", P2), (2100, 0),
         ((RISK, "900.00"),)),
    Step("2028-03-16 03:00", ("jobs",), Tier("gold", "600.00", None, "900.00", "2028-04-15", P2), (2100, 0)),
    Step("2028-04-15 02:00", ("jobs",), Tier("silver", "0.00", "1500.00", "500.00", "2029-04-15", P3), (2100, 0),
         ((DOWN, "silver"),)),
    Step("2028-05-01 12:00", ("set_tier", "gold", "2028-06-01"),
         Tier("gold", "0.00", None, "1500.00", "2028-06-01", P3), (2100, 0), ((UP, "gold"),)),
    Step("2028-05-10 12:00", ("buy", "O-6", "100.00", "northwind"),
         Tier("gold", "100.00", None, "1400.00", "2028-06-01", P3), (2100, 100)),
    Step("2028-06-01 02:00", ("jobs",), Tier("silver", "100.00", "1400.00", "400.00", "2029-04-15", P3), (1900, 0),
         ((DOWN, "silver"),)),
    Step("2029-04-15 02:00", ("jobs",), Tier("bronze", "0.00", "500.00", "0.00", None, P4), (700, 0),
         ((DOWN, "bronze"),)),
]


async def test_a_year_in_the_life_of_a_member_by_rolling_12_months(clean_db):
    await play(tier_program_text("rolling_12_months"), tier_program("rolling_12_months"), ROLLING_12_MONTHS)


async def test_a_year_in_the_life_of_a_member_by_anniversary_year(clean_db):
    await play(tier_program_text("anniversary_year"), tier_program("anniversary_year"), ANNIVERSARY_YEAR)
