"""What the brand's staff do to members: adjust points and store credit with a reason, set a
tier, cancel an issued reward, block and unblock a member for review.

Every operation runs in one member change under the member's lock and writes its audit
entry (`loyalty.audit.record`) in the same transaction. Adjustments book through the ledger
from and to the program's `adjustments` account: a positive one posts at once (points form
a lot with the program's usual expiry), a negative one is the guarded debit, refused when
the member holds less (never clamped), and each is exactly once per idempotency key. A
blocked member keeps earning (purchase points stay pending through the return window as
usual) but cannot spend, redeem, donate or transfer: `blocks.refuse_if_blocked` is checked
under the member's lock by every operation that takes value from the member.
"""
