"""The outbox topics: what happened to a member, written with the change (`outbox.emit`).

Each topic lists its payload keys. Points are whole points; money is in minor units of the
program's currency (`*_minor`, with `currency`); dates and times are ISO 8601 strings in UTC.
Notifications are rendered from these payloads, so a payload carries everything its message
says. Adding a key is fine; renaming or removing one breaks the templates.
"""
from __future__ import annotations

# -- points (the ledger)
POINTS_EARNED = "points.earned"  # points, pending, available_at, and order | action | reason
POINTS_ACTIVATED = "points.activated"  # points, batch: pending points became spendable
POINTS_SPENT = "points.spent"  # points, order
POINTS_CLAWED_BACK = "points.clawed_back"  # points, owed, order, refund
POINTS_RESTORED = "points.restored"  # points, order
POINTS_EXPIRED = "points.expired"  # points, transfer
POINTS_EXPIRING = "points.expiring"  # points, expires_at (the warning, warning_days before)

# -- store credit (cashback and credit rewards)
CREDIT_EARNED = "credit.earned"  # credit_minor, currency, pending, available_at, order | reason
CREDIT_SPENT = "credit.spent"  # credit_minor, currency, order
CREDIT_CLAWED_BACK = "credit.clawed_back"  # credit_minor, owed_minor, currency, order, refund
CREDIT_RESTORED = "credit.restored"  # credit_minor, currency, order, refund

# -- tiers
TIER_UPGRADED = "tier.upgraded"  # tier, tier_name, previous, previous_name, valid_until
TIER_DOWNGRADED = "tier.downgraded"  # tier, tier_name, previous, previous_name
TIER_AT_RISK = "tier.at_risk"  # tier, tier_name, remaining_to_keep (string), period_end, metric

# -- bonuses given by the jobs
BIRTHDAY_REWARDED = "birthday.rewarded"  # points, credit_minor, currency
YEARLY_REWARD_GIVEN = "tier.yearly_reward"  # tier, tier_name, points, credit_minor, currency

# -- rewards, charity, referrals
REWARD_REDEEMED = "reward.redeemed"  # reward, reward_name, code, points, expires_at, issued_reward_id
REWARD_ISSUED = "reward.issued"  # as REWARD_REDEEMED with points 0: a gift (welcome coupon, punch card)
REWARD_USED = "reward.used"  # reward, reward_name, code, order, issued_reward_id
REWARD_EXPIRED = "reward.expired"  # reward, reward_name, code, issued_reward_id (points are not returned)
REWARD_CANCELED = "reward.canceled"  # reward, reward_name, code, points (returned), issued_reward_id
DONATION_MADE = "donation.made"  # donation_id, charity, charity_name, points, value_minor, currency, automatic,
# source (MEMBER, AUTOMATIC, JOIN or PLAN)
REFERRAL_COMPLETED = "referral.completed"  # friend_name, points, capped (true: past the yearly cap, 0 points)

# -- accounts: sent by email only, to the address in `to`, whatever the member's settings
ACCOUNT_VERIFY_EMAIL = "account.verify_email"  # token, to, hours (the link's lifetime), change (a new address)
ACCOUNT_PASSWORD_RESET = "account.password_reset"  # token, to, minutes (the link's lifetime)
ACCOUNT_PASSWORD_CHANGED = "account.password_changed"  # to, reset (true: by a reset link)
# -- paid memberships: membership_id, plan, plan_name, status, period_end (ISO or null), and
MEMBERSHIP_STARTED = "membership.started"  # the first payment made it ACTIVE
MEMBERSHIP_RENEWAL_DUE = "membership.renewal_due"  # reminder, reminder_days before period_end
MEMBERSHIP_RENEWED = "membership.renewed"  # a payment paid the next period (or reactivated it)
MEMBERSHIP_PAYMENT_FAILED = "membership.payment_failed"  # the payment system could not collect
MEMBERSHIP_PAST_DUE = "membership.past_due"  # the period ended unpaid; grace_ends_at
MEMBERSHIP_EXPIRED = "membership.expired"  # past grace, or its payment refunded
MEMBERSHIP_CANCELED = "membership.canceled"  # at_period_end (bool): canceled now or at the period's end
MEMBERSHIP_CHANGED = "membership.changed"  # any other recorded step (subscribe, scheduled cancel, plan change)
PLAN_CREDIT_POSTED = "membership.credit_posted"  # credit_minor, currency: the period's credit
PLAN_DIVIDEND_PAID = "membership.dividend_paid"  # credit_minor, currency, year, spend_minor, percent
# -- passes: pass_id, product, product_name, kind, and
PASS_STAMPED = "pass.stamped"  # a punch card stamp: stamps, visits, remaining, reward_name
PASS_CARD_COMPLETED = "pass.card_completed"  # the last stamp: reward, reward_name, code, issued_reward_id
PASS_BOUGHT = "pass.bought"  # a paid pass is active: visits_total, valid_until, credit_minor, currency
PASS_VISIT_USED = "pass.visit_used"  # a visit pack's visit or a time pass's: visits_used, visits_left
PASS_VISITS_LOW = "pass.visits_low"  # reminder: visits_left (two or fewer) on a visit pack
PASS_EXPIRING = "pass.expiring"  # reminder: valid_until, days
PASS_EXPIRED = "pass.expired"  # valid_until, visits_left, credit_minor (what expired), currency
PASS_CANCELED = "pass.canceled"  # its payment was refunded: visits_used, credit_minor (taken back), currency
PASS_CREDIT_SPENT = "pass.credit_spent"  # credit_minor, balance_minor, currency, order
PASS_CREDIT_RESTORED = "pass.credit_restored"  # credit_minor, balance_minor, currency, order, refund

TOPICS: tuple[str, ...] = (
    POINTS_EARNED, POINTS_ACTIVATED, POINTS_SPENT, POINTS_CLAWED_BACK, POINTS_RESTORED, POINTS_EXPIRED,
    POINTS_EXPIRING, CREDIT_EARNED, CREDIT_SPENT, CREDIT_CLAWED_BACK, TIER_UPGRADED, TIER_DOWNGRADED,
    TIER_AT_RISK, BIRTHDAY_REWARDED, YEARLY_REWARD_GIVEN, REWARD_REDEEMED, REWARD_ISSUED, DONATION_MADE,
    REFERRAL_COMPLETED, REWARD_USED, REWARD_EXPIRED, REWARD_CANCELED, CREDIT_RESTORED,
    ACCOUNT_VERIFY_EMAIL, ACCOUNT_PASSWORD_RESET, ACCOUNT_PASSWORD_CHANGED,
    MEMBERSHIP_STARTED, MEMBERSHIP_RENEWAL_DUE, MEMBERSHIP_RENEWED, MEMBERSHIP_PAYMENT_FAILED, MEMBERSHIP_PAST_DUE,
    MEMBERSHIP_EXPIRED, MEMBERSHIP_CANCELED, MEMBERSHIP_CHANGED, PLAN_CREDIT_POSTED, PLAN_DIVIDEND_PAID,
    PASS_STAMPED, PASS_CARD_COMPLETED, PASS_BOUGHT, PASS_VISIT_USED, PASS_VISITS_LOW, PASS_EXPIRING, PASS_EXPIRED,
    PASS_CANCELED, PASS_CREDIT_SPENT, PASS_CREDIT_RESTORED,
)

# -- for the brand's systems only (webhooks): no message goes to the member about these
MEMBER_ERASED = "member.erased"  # member_number (retired), erased_at
# Staff actions: actor (the API key's or operator's name), reason, adjustment_id or blocked_at
POINTS_ADJUSTED = "points.adjusted"  # points (signed: a debit is negative), balance (posted after), reason
CREDIT_ADJUSTED = "credit.adjusted"  # credit_minor (signed), balance_minor (posted after), currency, reason
MEMBER_BLOCKED = "member.blocked"  # reason, blocked_at
MEMBER_UNBLOCKED = "member.unblocked"  # reason, blocked_at (when the block began)

BRAND_TOPICS: tuple[str, ...] = (MEMBER_ERASED, POINTS_ADJUSTED, CREDIT_ADJUSTED, MEMBER_BLOCKED, MEMBER_UNBLOCKED)
