"""report(from, to, brand) over GraphQL, who may read it, and `loyalty report --csv`
giving the very same figures."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from loyalty import clock
from tests.reports.scenes import START, T0, pass_history, plans_tiers_and_a_referral, two_members_history
from tests.support.cli import run_cli
from tests.support.gql import gql, sign_up
from tests.support.shop import api_key

END = T0 + timedelta(days=20)
MONEY = "{ amount currencyCode }"
REPORT = f"""query($from: DateTime!, $to: DateTime!, $brand: String) {{
  report(from: $from, to: $to, brand: $brand) {{
    from to brand pointsLiability pointsLiabilityValue {MONEY} creditLiability {MONEY}
    pointsPosted pointsPending pointsOwed
    pointsLiabilityByExpiryMonth {{ month points value {MONEY} }}
    pointsIssued pointsClawedBack pointsRedeemed pointsRestored pointsExpired pointsDonated pointsAdjusted
    breakageRate redemptionRate activeMembers
    tierDistribution {{ tier {{ name }} members }}
    tierMovements {{ tier {{ name }} upgrades downgrades }}
    referralsCompleted referralPoints referralCost {MONEY}
    donations {{ charity {{ name }} points memberPoints value {MONEY} }}
    membershipRevenue {MONEY} membershipPayments membershipRefunds
    paidMembersActive paidMembersStarted paidMembersChurned
    passRevenue {MONEY} passesSold passRefunds
    passSales {{ productCode product {{ name }} kind sold refunded revenue {MONEY} }}
    visits visitsByKind {{ kind visits }} visitsByLocation {{ location visits }}
    passCreditLiability {MONEY} passCreditIssued {MONEY} passCreditSpent {MONEY} passCreditExpired {MONEY}
    passCreditCanceled {MONEY} passCreditBreakageRate
  }}
}}"""
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
CODES = {"Bronze": "bronze", "Silver": "silver", "Gold": "gold", "Wildlife Trust": "wildlife"}


def rows_of(r: dict) -> list[list[str]]:
    """The GraphQL answer as the CSV's rows: figure, item, value, currency."""
    def money(figure: str, m: dict, item: str = "") -> list[str]:
        return [figure, item, m["amount"], m["currencyCode"]]

    def count(figure: str, value: object, item: str = "") -> list[str]:
        return [figure, item, str(value), ""]

    out = [count("points_liability", r["pointsLiability"]), money("points_liability_value", r["pointsLiabilityValue"]),
           count("points_posted", r["pointsPosted"]), count("points_pending", r["pointsPending"]),
           count("points_owed", r["pointsOwed"]), money("credit_liability", r["creditLiability"])]
    out += [count("points_liability_by_expiry_month", m["points"], m["month"] or "none")
            for m in r["pointsLiabilityByExpiryMonth"]]
    out += [count(f, r[k]) for f, k in (
        ("points_issued", "pointsIssued"), ("points_clawed_back", "pointsClawedBack"),
        ("points_redeemed", "pointsRedeemed"), ("points_restored", "pointsRestored"),
        ("points_expired", "pointsExpired"), ("points_donated", "pointsDonated"),
        ("points_adjusted", "pointsAdjusted"), ("breakage_rate", "breakageRate"),
        ("redemption_rate", "redemptionRate"), ("active_members", "activeMembers"))]
    out += [count("tier_distribution", t["members"], CODES[t["tier"]["name"]]) for t in r["tierDistribution"]]
    for m in r["tierMovements"]:
        out += [count("tier_upgrades", m["upgrades"], CODES[m["tier"]["name"]]),
                count("tier_downgrades", m["downgrades"], CODES[m["tier"]["name"]])]
    out += [count("referrals_completed", r["referralsCompleted"]), count("referral_points", r["referralPoints"]),
            money("referral_cost", r["referralCost"])]
    for d in r["donations"]:
        code = CODES[d["charity"]["name"]]
        out += [count("donation_points", d["points"], code), count("donation_member_points", d["memberPoints"], code),
                money("donation_value", d["value"], code)]
    out += [money("membership_revenue", r["membershipRevenue"]), count("membership_payments", r["membershipPayments"]),
            count("membership_refunds", r["membershipRefunds"]), count("paid_members_active", r["paidMembersActive"]),
            count("paid_members_started", r["paidMembersStarted"]),
            count("paid_members_churned", r["paidMembersChurned"])]
    out += [money("pass_revenue", r["passRevenue"]), count("passes_sold", r["passesSold"]),
            count("pass_refunds", r["passRefunds"])]
    for sale in r["passSales"]:
        out += [count("pass_sales_sold", sale["sold"], sale["productCode"]),
                count("pass_sales_refunded", sale["refunded"], sale["productCode"]),
                money("pass_sales_revenue", sale["revenue"], sale["productCode"])]
    out.append(count("visits", r["visits"]))
    out += [count("visits_by_kind", v["visits"], v["kind"] or "none") for v in r["visitsByKind"]]
    out += [count("visits_by_location", v["visits"], v["location"] or "none") for v in r["visitsByLocation"]]
    out += [money("pass_credit_liability", r["passCreditLiability"]), money("pass_credit_issued", r["passCreditIssued"]),
            money("pass_credit_spent", r["passCreditSpent"]), money("pass_credit_expired", r["passCreditExpired"]),
            money("pass_credit_canceled", r["passCreditCanceled"]),
            count("pass_credit_breakage_rate", r["passCreditBreakageRate"])]
    return out


async def _report(client, token: str, **variables: object) -> dict:
    return (await gql(client, REPORT, {**PERIOD, **variables}, token=token))["data"]["report"]


async def test_the_report_answers_the_figures_of_the_period(runtime, client):
    await two_members_history(runtime.program.program)
    r = await _report(client, await api_key("reports:read"))
    eur = lambda amount: {"amount": amount, "currencyCode": "EUR"}  # noqa: E731
    assert (r["pointsLiability"], r["pointsLiabilityValue"], r["creditLiability"]) == (89, eur("0.89"), eur("0.00"))
    assert (r["pointsPosted"], r["pointsPending"], r["pointsOwed"]) == (80, 9, 0)
    assert r["pointsLiabilityByExpiryMonth"] == [{"month": "2028-03", "points": 89, "value": eur("0.89")}]
    assert [r[k] for k in ("pointsIssued", "pointsClawedBack", "pointsRedeemed", "pointsRestored", "pointsExpired",
                           "pointsDonated", "pointsAdjusted")] == [150, 20, 30, 0, 0, 20, 0]
    assert (r["breakageRate"], r["redemptionRate"], r["activeMembers"]) == ("0.0000", "0.2000", 2)
    assert r["donations"] == [{"charity": {"name": "Wildlife Trust"}, "points": 20, "memberPoints": 20,
                               "value": eur("0.20")}]
    assert (r["from"], r["to"], r["brand"]) == ("2026-03-09T12:00:00+00:00", "2026-03-30T12:00:00+00:00", None)


@pytest.mark.parametrize("brand", [None, "harbor"])
async def test_the_csv_of_the_command_holds_the_same_figures_as_graphql(runtime, client, settings, brand):
    program = runtime.program.program
    await two_members_history(program)
    await plans_tiers_and_a_referral_later(program)
    await pass_history(program, prefix="p-")
    answer = await _report(client, await api_key("admin"), brand=brand)
    with clock.frozen_at(END):
        done = await run_cli(settings, "report", "--from", START.isoformat(), "--to", END.isoformat(), "--csv",
                             *(["--brand", brand] if brand else []))
    assert (done.returncode, done.stderr) == (0, "")
    written = list(csv.reader(io.StringIO(done.stdout)))
    assert written[0] == ["figure", "item", "value", "currency"]
    assert written[1:] == rows_of(answer)
    # The header and every figure, with two expiry months, one charity, three pass products,
    # two kinds of pass and two locations visited.
    assert len(written) == 39 + 3 + 9 + 1 + 2 + 2 + 6
    assert {row[0]: row[2:] for row in written if row[0].startswith("pass_credit")} == {
        "pass_credit_liability": ["115.00", "EUR"], "pass_credit_issued": ["260.00", "EUR"],
        "pass_credit_spent": ["15.00", "EUR"], "pass_credit_expired": ["0.00", "EUR"],
        "pass_credit_canceled": ["130.00", "EUR"], "pass_credit_breakage_rate": ["0.0000", ""]}


async def plans_tiers_and_a_referral_later(program) -> None:
    """The plans, tier and referral scene on other members, in the same period."""
    await plans_tiers_and_a_referral(program, prefix="later-")


async def test_the_command_prints_the_figures_for_a_terminal(runtime, settings):
    await two_members_history(runtime.program.program)
    done = await run_cli(settings, "report", "--from", "2026-03-09", "--to", "2026-03-30")
    assert done.returncode == 0
    lines = [" ".join(line.split()) for line in done.stdout.splitlines()]
    assert lines[0] == "report 2026-03-09T00:00:00+01:00 to 2026-03-30T00:00:00+02:00"
    assert lines[1:4] == ["points_liability 89", "points_liability_value 0.89 EUR", "points_posted 80"]
    assert "points_liability_by_expiry_month [2028-03] 89" in lines
    assert "donation_value [wildlife] 0.20 EUR" in lines


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-03-30", "--to", "2026-03-09"), "error: The period must end after it starts.\n"),
    (("--from", "March", "--to", "2026-03-09"), "error: 'March' is not a date (YYYY-MM-DD) or a date-time with its offset.\n"),
    (("--from", "2026-03-01T00:00:00", "--to", "2026-03-09"),
     "error: '2026-03-01T00:00:00' has no offset; write it as 2026-01-01T00:00:00+01:00.\n"),
    (("--from", "2026-03-01", "--to", "2026-03-09", "--brand", "nowhere"), 'error: The program has no brand "nowhere".\n'),
])
async def test_the_command_refuses_a_period_that_does_not_hold_together(runtime, settings, args, message):
    done = await run_cli(settings, "report", *args)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", message)


async def _refused(client, token: str | None) -> tuple:
    body = await gql(client, REPORT, PERIOD, token=token, expect_errors=True)
    return body["data"], [(e["path"], e["extensions"]["code"]) for e in body["errors"]]


async def test_only_a_key_with_reports_read_or_admin_reads_the_report(runtime, client):
    member = (await sign_up(client, "ann@example.com"))["accessToken"]
    assert await _refused(client, None) == (None, [(["report"], "UNAUTHENTICATED")])
    assert await _refused(client, member) == (None, [(["report"], "FORBIDDEN")])
    for scopes in (("members:read",), ("purchases:write", "visits:write")):
        assert await _refused(client, await api_key(*scopes)) == (None, [(["report"], "FORBIDDEN")])
    for scopes in (("reports:read",), ("admin",)):
        assert (await _report(client, await api_key(*scopes)))["pointsLiability"] == 0


async def test_a_period_that_does_not_hold_together_is_a_top_level_error(runtime, client):
    body = await gql(client, REPORT, {"from": END.isoformat(), "to": START.isoformat()},
                     token=await api_key("reports:read"), expect_errors=True)
    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
        (["report"], "INVALID", "The period must end after it starts.")]
    body = await gql(client, REPORT, {**PERIOD, "brand": "nowhere"}, token=await api_key("admin"), expect_errors=True)
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["report"], "NOT_FOUND")]
