"""Reading both sides of each transfer in one pass over `ledger_transfers t`: the accounts it
credits (`ca`) and debits (`da`), and what that makes for the member and debt accounts. A
statement groups by the two sides' kinds; `held_sides` turns each group into the signed
amounts of the kinds the report follows (received positive, given negative)."""
from __future__ import annotations

from typing import Any

from loyalty.ledger.models import AccountKind

HELD = (AccountKind.MEMBER.value, AccountKind.DEBT.value)
JOIN = ("JOIN ledger_accounts ca ON ca.id = t.credit_account_id "
        "JOIN ledger_accounts da ON da.id = t.debit_account_id")
WHERE = "(ca.kind IN (?, ?) OR da.kind IN (?, ?))"
PARAMS: list[Any] = [*HELD, *HELD]


def held_sides(credit_kind: str, debit_kind: str, amount: int) -> list[tuple[str, int]]:
    """(kind, signed amount) for each side of a group that is a member or debt account."""
    out = []
    if credit_kind in HELD:
        out.append((credit_kind, amount))
    if debit_kind in HELD:
        out.append((debit_kind, -amount))
    return out
