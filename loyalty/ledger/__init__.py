"""The ledger: points and store credit, kept by double-entry bookkeeping.

The rules it keeps (each has a test named after it in tests/ledger/):

1. Every change is a transfer of a positive whole amount of one asset (POINTS, or
   CREDIT in minor currency units) from a debit account to a credit account.
2. Transfers are append-only. A refund or correction is a new transfer that names the
   one it reverses; only a pending transfer's status ever changes (to posted or voided).
3. Each account keeps its balances (posted, pending in, pending out), changed in the
   same transaction as the transfer. An account's balance equals the sum of its
   transfers, and the balances of all accounts of an asset sum to zero.
4. A member account never goes below zero: debits are guarded UPDATEs (`... WHERE
   posted >= amount`) under the member's row lock. Insufficient funds are refused,
   never clamped.
5. Exactly once: every balance-changing request carries an idempotency key; the first
   result is stored and replayed, and the same key with other arguments is refused.
6. A pending transfer is posted or voided at most once.
7. Every posted credit to a member's points forms a lot with an expiry; debits draw
   from the lots that expire first and record which lots they drew from, so a refund
   can give points back to the same lots.
8. Side effects happen after commit: an event row is written to the outbox in the
   same transaction.

`verify_ledger()` checks rules 1, 3, 4, 6 and 7 over the whole database, and the database
keeps what it can of rules 1, 2, 4 and 7 by itself (foreign keys and CHECK constraints):
docs/ledger.md says which guarantee is kept how.
"""
