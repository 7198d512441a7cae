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
    CASHBACK = "CASHBACK"  # store credit earned on a purchase (the tier's cashback percent)
    CASHBACK_CLAWBACK = "CASHBACK_CLAWBACK"  # a refund takes back cashback earned on the order
    PAY_WITH_CREDIT = "PAY_WITH_CREDIT"  # store credit spent as payment on an order
    CREDIT_RESTORE = "CREDIT_RESTORE"  # a refund gives back store credit spent on the order
    BIRTHDAY_REWARD = "BIRTHDAY_REWARD"  # the tier's birthday points or credit
    YEARLY_REWARD = "YEARLY_REWARD"  # the tier's yearly points or credit
    PLAN_PERK = "PLAN_PERK"  # store credit of a paid plan (the period's credit, the yearly dividend)
    PLAN_PERK_CLAWBACK = "PLAN_PERK_CLAWBACK"  # a refunded plan payment takes back its period's credit
    FORFEIT = "FORFEIT"  # an erased member's remaining points or credit, forfeited to the expiry account
    PASS_CREDIT = "PASS_CREDIT"  # a credit pass's payment posts its price and bonus to the pass
    PAY_WITH_PASS = "PAY_WITH_PASS"  # pass credit spent as payment on an order
    PASS_RESTORE = "PASS_RESTORE"  # a refund gives back pass credit spent on the order
    PASS_EXPIRY = "PASS_EXPIRY"  # an expired credit pass's balance goes to the expiry account
    PASS_CANCELED = "PASS_CANCELED"  # a refunded credit pass payment takes back what is left


# Credits that count as earned (the wallet's lifetime figure), and the debit that undoes them.
EARNING = frozenset({
    TransferCode.EARN_PURCHASE, TransferCode.EARN_ACTION, TransferCode.BONUS,
    TransferCode.BIRTHDAY_REWARD, TransferCode.YEARLY_REWARD, TransferCode.REFERRAL,
})

# Reversals that take an award back: the tier totals count them against the award's day.
REVERSING_AWARDS = frozenset({TransferCode.CLAWBACK, TransferCode.SHORTFALL})

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
    TransferCode.CASHBACK: "CASHBACK",
    TransferCode.CASHBACK_CLAWBACK: "REFUND",
    TransferCode.PAY_WITH_CREDIT: "REDEMPTION",
    TransferCode.CREDIT_RESTORE: "REFUND",
    TransferCode.BIRTHDAY_REWARD: "BONUS",
    TransferCode.YEARLY_REWARD: "BONUS",
    TransferCode.PLAN_PERK: "PLAN_PERK",
    TransferCode.PLAN_PERK_CLAWBACK: "REFUND",
    TransferCode.FORFEIT: "EXPIRY",
    TransferCode.PASS_CREDIT: "PASS",
    TransferCode.PAY_WITH_PASS: "PASS",
    TransferCode.PASS_RESTORE: "REFUND",
    TransferCode.PASS_EXPIRY: "PASS",
    TransferCode.PASS_CANCELED: "PASS",
}

# Actions whose points show under a history kind of their own (an EARN_ACTION memo names the action).
ACTION_ACTIVITY_KIND = {"VISIT": "VISIT"}

# Program accounts, by code.
ISSUANCE = "issuance"  # where points come from
REDEMPTION = "redemption"  # where spent points go
EXPIRED = "expiry"  # where expired points go, and (POINTS and CREDIT) what an erased member forfeits
CASHBACK = "cashback"  # where cashback credit comes from (CREDIT)
CREDIT_REDEMPTION = "credit_redemption"  # where credit spent on orders goes (CREDIT)
REWARDS = "rewards"  # where birthday and yearly rewards come from (POINTS and CREDIT)
PLAN_PERKS = "plan_perks"  # where paid plans' credit comes from (CREDIT)
ADJUSTMENTS = "adjustments"  # where staff adjustments come from and go to (POINTS and CREDIT)
PASS_SALES = "pass_sales"  # where credit passes' credit comes from, and a canceled pass's goes back (PASS_CREDIT)


def pass_account(pass_id: int) -> str:
    """The code of the account that holds a credit pass's credit."""
    return f"pass:{pass_id}"


def charity_account(charity_code: str) -> str:
    """The program account that holds what was donated to a charity."""
    return f"charity:{charity_code}"
