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
    REDEEM_REWARD = "REDEEM_REWARD"  # points spent on a reward
    REWARD_CREDIT = "REWARD_CREDIT"  # store credit given by a STORE_CREDIT reward
    REWARD_CANCELED = "REWARD_CANCELED"  # an operator canceled a coupon: its points come back
    DONATION = "DONATION"  # points a member gives to a charity
    PROGRAM_DONATION = "PROGRAM_DONATION"  # points the program gives to a charity for a member
    REFERRAL = "REFERRAL"  # points for a friend who joined and bought


# Credits that count as earned (the wallet's lifetime figure), and the debit that undoes them.
EARNING = frozenset({TransferCode.EARN_PURCHASE, TransferCode.EARN_ACTION, TransferCode.BONUS,
                     TransferCode.REFERRAL})

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
    TransferCode.REDEEM_REWARD: "REDEMPTION",
    TransferCode.REWARD_CREDIT: "REDEMPTION",
    TransferCode.REWARD_CANCELED: "REVERSAL",
    TransferCode.DONATION: "DONATION",
    TransferCode.PROGRAM_DONATION: "DONATION",
    TransferCode.REFERRAL: "REFERRAL",
}

# Program accounts, by code.
ISSUANCE = "issuance"  # where points come from
REDEMPTION = "redemption"  # where spent points go
EXPIRED = "expiry"  # where expired points go


def charity_account(charity_code: str) -> str:
    """The program account that holds what was donated to a charity."""
    return f"charity:{charity_code}"
