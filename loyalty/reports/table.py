"""The report as rows of a CSV file: `figure,item,value,currency`, one figure per row.

`figure` is the GraphQL field's name in snake_case, `item` the month, tier, charity, pass
product, pass kind or location a row of a list is about (empty otherwise; `none` for points
without an expiry date and visits without a pass or a location); money is a decimal amount
with its currency, counts and points are whole numbers, rates decimals."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

from loyalty.reports.figures import ProgramReport

Row = tuple[str, str, str, str]
HEADER: Row = ("figure", "item", "value", "currency")


def _amount(report: ProgramReport, minor: int) -> str:
    return str(Decimal(minor).scaleb(-report.minor_units).quantize(Decimal(1).scaleb(-report.minor_units)))


def rows(report: ProgramReport) -> list[Row]:
    def money(figure: str, minor: int, item: str = "") -> Row:
        return (figure, item, _amount(report, minor), report.currency)

    def count(figure: str, value: int | Decimal, item: str = "") -> Row:
        return (figure, item, str(value), "")

    held, flows, plans = report.liability, report.flows, report.memberships
    out: list[Row] = [
        count("points_liability", report.points_liability),
        money("points_liability_value", report.points_liability_value_minor),
        count("points_posted", held.points_posted),
        count("points_pending", held.points_pending),
        count("points_owed", held.points_owed),
        money("credit_liability", held.credit_minor),
    ]
    for month in held.by_expiry_month:
        out.append(count("points_liability_by_expiry_month", month.points, month.month or "none"))
    out += [
        count("points_issued", flows.issued), count("points_clawed_back", flows.clawed_back),
        count("points_redeemed", flows.redeemed), count("points_restored", flows.restored),
        count("points_expired", flows.expired), count("points_donated", flows.donated),
        count("points_adjusted", flows.adjusted),
        count("breakage_rate", report.breakage_rate), count("redemption_rate", report.redemption_rate),
        count("active_members", report.active_members),
    ]
    out += [count("tier_distribution", t.members, t.tier) for t in report.tier_distribution]
    for movement in report.tier_movements:
        out += [count("tier_upgrades", movement.upgrades, movement.tier),
                count("tier_downgrades", movement.downgrades, movement.tier)]
    out += [count("referrals_completed", report.referrals_completed),
            count("referral_points", report.referral_points), money("referral_cost", report.referral_cost_minor)]
    for charity in report.donations:
        out += [count("donation_points", charity.points, charity.charity),
                count("donation_member_points", charity.member_points, charity.charity),
                money("donation_value", charity.value_minor, charity.charity)]
    out += [
        money("membership_revenue", plans.revenue_minor), count("membership_payments", plans.payments),
        count("membership_refunds", plans.refunds), count("paid_members_active", plans.active),
        count("paid_members_started", plans.started), count("paid_members_churned", plans.churned),
    ]
    passes = report.passes
    out += [money("pass_revenue", passes.revenue_minor), count("passes_sold", passes.sold),
            count("pass_refunds", passes.refunds)]
    for sale in passes.sales:
        out += [count("pass_sales_sold", sale.sold, sale.product), count("pass_sales_refunded", sale.refunded, sale.product),
                money("pass_sales_revenue", sale.revenue_minor, sale.product)]
    out.append(count("visits", passes.visits))
    out += [count("visits_by_kind", v.visits, v.item or "none") for v in passes.visits_by_kind]
    out += [count("visits_by_location", v.visits, v.item or "none") for v in passes.visits_by_location]
    out += [
        money("pass_credit_liability", passes.credit_liability_minor),
        money("pass_credit_issued", passes.credit_issued_minor), money("pass_credit_spent", passes.credit_spent_minor),
        money("pass_credit_expired", passes.credit_expired_minor),
        money("pass_credit_canceled", passes.credit_canceled_minor),
        count("pass_credit_breakage_rate", passes.credit_breakage_rate),
    ]
    return out


def to_csv(report: ProgramReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(report))
    return buffer.getvalue()


def to_text(report: ProgramReport) -> str:
    """The rows aligned for a terminal: figure, item, value and currency."""
    lines = [(f"{f} [{i}]" if i else f, f"{v} {c}".rstrip()) for f, i, v, c in rows(report)]
    width = max(len(name) for name, _ in lines)
    period = f"{report.starts_at.isoformat()} to {report.ends_at.isoformat()}"
    head = f"report {period}" + (f", brand {report.brand}" if report.brand else "")
    return "\n".join([head, *(f"{name.ljust(width)}  {value}" for name, value in lines)]) + "\n"
