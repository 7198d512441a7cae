"""verify-ledger: checks every ledger rule that can be checked from the data."""
from __future__ import annotations

from dataclasses import dataclass

from loyalty import sql


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


_CHECKS: list[tuple[str, str]] = [
    ("rule 1: transfers move a positive amount",
     "SELECT id AS subject, amount AS found FROM ledger_transfers WHERE amount <= 0"),
    ("rule 1: every transfer's accounts exist",
     "SELECT 'transfer ' || CAST(t.id AS TEXT) || ', debit account ' || CAST(t.debit_account_id AS TEXT) AS subject, "
     "'no such account' AS found FROM ledger_transfers t "
     "WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.debit_account_id) "
     "UNION ALL SELECT 'transfer ' || CAST(t.id AS TEXT) || ', credit account ' || CAST(t.credit_account_id AS TEXT), "
     "'no such account' FROM ledger_transfers t "
     "WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.credit_account_id)"),
    ("rule 1: both sides of a transfer hold its asset",
     "SELECT 'transfer ' || CAST(t.id AS TEXT) || ', debit account ' || CAST(a.id AS TEXT) AS subject, "
     "a.asset AS found, t.asset AS expected FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id "
     "WHERE a.asset <> t.asset "
     "UNION ALL SELECT 'transfer ' || CAST(t.id AS TEXT) || ', credit account ' || CAST(a.id AS TEXT), "
     "a.asset, t.asset FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id "
     "WHERE a.asset <> t.asset"),
    ("rule 1: a transfer's two accounts differ",
     "SELECT id AS subject, debit_account_id AS found FROM ledger_transfers WHERE debit_account_id = credit_account_id"),
    ("rule 3: an account's balances equal its transfers (posted, pending in, pending out)",
     "SELECT a.id AS subject, "
     "CAST(a.posted AS TEXT) || '/' || CAST(a.pending_in AS TEXT) || '/' || CAST(a.pending_out AS TEXT) AS found, "
     "CAST(COALESCE(c.posted, 0) - COALESCE(d.posted, 0) AS TEXT) || '/' || CAST(COALESCE(c.pending, 0) AS TEXT) "
     "|| '/' || CAST(COALESCE(d.pending, 0) AS TEXT) AS expected FROM ledger_accounts a "
     "LEFT JOIN (SELECT credit_account_id AS id, SUM(CASE WHEN status = 'posted' THEN amount ELSE 0 END) AS posted, "
     "SUM(CASE WHEN status = 'pending' THEN amount ELSE 0 END) AS pending FROM ledger_transfers "
     "GROUP BY credit_account_id) c ON c.id = a.id "
     "LEFT JOIN (SELECT debit_account_id AS id, SUM(CASE WHEN status = 'posted' THEN amount ELSE 0 END) AS posted, "
     "SUM(CASE WHEN status = 'pending' THEN amount ELSE 0 END) AS pending FROM ledger_transfers "
     "GROUP BY debit_account_id) d ON d.id = a.id"),
    ("rule 3: each asset sums to zero",
     "SELECT asset AS subject, SUM(posted) AS found, 0 AS expected FROM ledger_accounts GROUP BY asset"),
    ("rule 4: no member account below zero",
     "SELECT id AS subject, posted AS found FROM ledger_accounts WHERE kind = 'member' AND posted < 0"),
    ("rule 4: no pass account below zero",
     "SELECT id AS subject, posted AS found FROM ledger_accounts WHERE kind = 'pass' AND posted < 0"),
    ("rule 4: no debt account above zero",
     "SELECT id AS subject, posted AS found FROM ledger_accounts WHERE kind = 'debt' AND posted > 0"),
    ("rule 4: no account's pending balances below zero, nor a member's pending points",
     "SELECT id AS subject, CAST(pending_in AS TEXT) || '/' || CAST(pending_out AS TEXT) AS found FROM ledger_accounts "
     "WHERE pending_in < 0 OR pending_out < 0 OR (kind = 'member' AND pending_in < pending_out)"),
    ("rule 6: a transfer's status is pending, posted or voided, with its time",
     "SELECT id AS subject, status AS found FROM ledger_transfers WHERE status NOT IN ('pending', 'posted', 'voided') "
     "OR (status = 'posted' AND posted_at IS NULL) OR (status = 'voided' AND voided_at IS NULL)"),
    ("rule 7: every lot belongs to an existing account and the transfer that formed it",
     "SELECT 'lot ' || CAST(l.id AS TEXT) AS subject, CASE WHEN a.id IS NULL THEN 'no account ' "
     "|| CAST(l.account_id AS TEXT) ELSE 'no transfer ' || CAST(l.transfer_id AS TEXT) END AS found "
     "FROM ledger_lots l LEFT JOIN ledger_accounts a ON a.id = l.account_id "
     "LEFT JOIN ledger_transfers t ON t.id = l.transfer_id WHERE a.id IS NULL OR t.id IS NULL"),
    ("rule 7: every allocation names an existing lot and transfer",
     "SELECT 'allocation ' || CAST(x.id AS TEXT) AS subject, CASE WHEN l.id IS NULL THEN 'no lot ' "
     "|| CAST(x.lot_id AS TEXT) ELSE 'no transfer ' || CAST(x.transfer_id AS TEXT) END AS found "
     "FROM ledger_lot_allocations x LEFT JOIN ledger_lots l ON l.id = x.lot_id "
     "LEFT JOIN ledger_transfers t ON t.id = x.transfer_id WHERE l.id IS NULL OR t.id IS NULL"),
    ("rule 7: a lot's remainder is its amount less what was drawn from it",
     "SELECT l.id AS subject, l.remaining AS found, l.amount - COALESCE(s.drawn, 0) AS expected FROM ledger_lots l "
     "LEFT JOIN (SELECT lot_id, SUM(amount) AS drawn FROM ledger_lot_allocations GROUP BY lot_id) s "
     "ON s.lot_id = l.id"),
    ("rule 7: a lot's remainder lies between zero and its amount",
     "SELECT id AS subject, remaining AS found FROM ledger_lots WHERE remaining < 0 OR remaining > amount"),
    ("rule 7: a member's points equal the remainders of their lots",
     "SELECT a.id AS subject, a.posted AS found, COALESCE(s.remaining, 0) AS expected FROM ledger_accounts a "
     "LEFT JOIN (SELECT account_id, SUM(remaining) AS remaining FROM ledger_lots GROUP BY account_id) s "
     "ON s.account_id = a.id WHERE a.kind = 'member' AND a.asset = 'POINTS'"),
    # Over the open lots only (their index): a spent lot adds nothing, and a remainder below
    # zero is reported by the rule above.
    ("rule 7: the expiry schedule equals the lots' remainders by expiry",
     "SELECT CAST(s.account_id AS TEXT) || ' at ' || CAST(s.expires_at AS TEXT) AS subject, s.points AS found, "
     "COALESCE((SELECT SUM(remaining) FROM ledger_lots l WHERE l.account_id = s.account_id "
     "AND l.expires_at = s.expires_at AND l.remaining > 0), 0) AS expected FROM ledger_expiry_schedule s"),
    ("rule 7: every lot that will expire is on the expiry schedule",
     "SELECT CAST(l.account_id AS TEXT) || ' at ' || CAST(l.expires_at AS TEXT) AS subject, SUM(l.remaining) AS found "
     "FROM ledger_lots l WHERE l.remaining > 0 AND l.expires_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
     "ledger_expiry_schedule s WHERE s.account_id = l.account_id AND s.expires_at = l.expires_at) "
     "GROUP BY l.account_id, l.expires_at"),
    ("rule 7: every posted credit to a member's points formed a lot",
     "SELECT t.id AS subject, t.code AS found FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id "
     "WHERE t.status = 'posted' AND a.kind = 'member' AND a.asset = 'POINTS' AND t.code NOT IN ('RESTORE', 'REWARD_CANCELED') "
     "AND NOT EXISTS (SELECT 1 FROM ledger_lots l WHERE l.transfer_id = t.id)"),
    # Each debit's draws read through the allocations' transfer index: a plan that does not
    # depend on how many debits the statistics expect (right after a job, too few).
    ("rule 7: a posted debit of a member's points drew its amount from lots",
     "SELECT t.id AS subject, COALESCE((SELECT SUM(x.amount) FROM ledger_lot_allocations x "
     "WHERE x.transfer_id = t.id), 0) AS found, t.amount AS expected FROM ledger_transfers t "
     "JOIN ledger_accounts a ON a.id = t.debit_account_id "
     "WHERE t.status = 'posted' AND a.kind = 'member' AND a.asset = 'POINTS'"),
]


RULES: tuple[str, ...] = tuple(rule for rule, _ in _CHECKS)

_EARNING = "'EARN_PURCHASE', 'EARN_ACTION', 'BONUS', 'BIRTHDAY_REWARD', 'YEARLY_REWARD', 'REFERRAL'"

# What is kept beside the transfers and must add up to them: the tiers' running totals
# (`loyalty.tiers.totals`) and the program's sub-accounts (`ledger.accounts.SUB_ACCOUNTS`).
_RECONCILED: list[tuple[str, str]] = [
    ("totals: each member's tier totals equal their purchases and points (spend/purchases/points)",
     "SELECT 'member ' || CAST(m.member_id AS TEXT) AS subject, "
     "CAST(COALESCE(t.spend, 0) AS TEXT) || '/' || CAST(COALESCE(t.purchases, 0) AS TEXT) || '/' "
     "|| CAST(COALESCE(t.points, 0) AS TEXT) AS found, "
     "CAST(COALESCE(p.spend, 0) AS TEXT) || '/' || CAST(COALESCE(p.purchases, 0) AS TEXT) || '/' "
     "|| CAST(COALESCE(e.points, 0) AS TEXT) AS expected "
     "FROM (SELECT member_id FROM tier_totals UNION SELECT member_id FROM purchases "
     " UNION SELECT member_id FROM ledger_transfers WHERE member_id IS NOT NULL AND asset = 'POINTS') m "
     "LEFT JOIN (SELECT member_id, SUM(spend_minor) AS spend, SUM(purchases) AS purchases, SUM(points) AS points "
     " FROM tier_totals GROUP BY member_id) t ON t.member_id = m.member_id "
     "LEFT JOIN (SELECT member_id, SUM(amount_minor - refunded_minor) AS spend, "
     " SUM(CASE WHEN refunded_minor < amount_minor THEN 1 ELSE 0 END) AS purchases FROM purchases GROUP BY member_id) p "
     " ON p.member_id = m.member_id "
     "LEFT JOIN (SELECT x.member_id, SUM(CASE WHEN x.code IN (" + _EARNING + ") THEN x.amount ELSE -x.amount END) "
     " AS points FROM ledger_transfers x LEFT JOIN ledger_transfers r ON r.id = x.reverses_id "
     " WHERE x.asset = 'POINTS' AND x.status <> 'voided' AND (x.code IN (" + _EARNING + ") "
     " OR (x.code IN ('CLAWBACK', 'SHORTFALL') AND r.code IN (" + _EARNING + "))) GROUP BY x.member_id) e "
     " ON e.member_id = m.member_id"),
    ("totals: every program sub-account belongs to a program account of its asset",
     "SELECT s.id AS subject, s.code AS found FROM ledger_accounts s WHERE s.kind = 'program' "
     "AND s.code LIKE '%#%' AND NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.kind = 'program' "
     "AND a.asset = s.asset AND a.code NOT LIKE '%#%' AND s.code LIKE a.code || '#%')"),
]

RECONCILED: tuple[str, ...] = tuple(check for check, _ in _RECONCILED)


async def verify_ledger() -> list[Violation]:
    """Every violation of the rules in RULES and of the sums in RECONCILED, each naming the
    ids of the rows that break it."""
    violations: list[Violation] = []
    for rule, query in [*_CHECKS, *_RECONCILED]:
        for row in await sql.fetch(query):
            if "expected" in row and row["found"] == row["expected"]:
                continue
            expected = f", expected {row['expected']}" if "expected" in row else ""
            violations.append(Violation(rule, f"{row['subject']}: found {row['found']}{expected}"))
    return violations
