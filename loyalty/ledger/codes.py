"""Transfer codes: what a transfer is for, and how the member's history shows it."""
from __future__ import annotations

from enum import StrEnum


class TransferCode(StrEnum):
    EARN_PURCHASE = "EARN_PURCHASE"  # points for a purchase
    EARN_ACTION = "EARN_ACTION"  # points for an action (sign-up, review, ...)
    BONUS = "BONUS"
    PAY_WITH_POINTS = "PAY_WITH_POINTS"  # points spent as payment on an order
    CLAWBACK = "CLAWBACK"  # a refund takes back points earned on the order
    RESTORE = "RESTORE"  # a refund gives back points spent on the order
    SHORTFALL = "SHORTFALL"  # what a clawback could not take, owed by the member
    SETTLE_DEBT = "SETTLE_DEBT"  # newly credited points pay what is owed
    EXPIRY = "EXPIRY"
    ADJUSTMENT = "ADJUSTMENT"


# Credits that count as earned (the wallet's lifetime figure), and the debit that undoes them.
EARNING = frozenset({TransferCode.EARN_PURCHASE, TransferCode.EARN_ACTION, TransferCode.BONUS})

ACTIVITY_KIND = {
    TransferCode.EARN_PURCHASE: "PURCHASE",
    TransferCode.EARN_ACTION: "ACTION",
    TransferCode.BONUS: "BONUS",
    TransferCode.PAY_WITH_POINTS: "REDEMPTION",
    TransferCode.CLAWBACK: "REFUND",
    TransferCode.RESTORE: "REFUND",
    TransferCode.SHORTFALL: "REFUND",
    TransferCode.SETTLE_DEBT: "ADJUSTMENT",
    TransferCode.EXPIRY: "EXPIRY",
    TransferCode.ADJUSTMENT: "ADJUSTMENT",
}

# Program accounts, by code.
ISSUANCE = "issuance"  # where points come from
REDEMPTION = "redemption"  # where spent points go
EXPIRED = "expiry"  # where expired points go
