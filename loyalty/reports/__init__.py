"""The program's figures over a period, for the brand's balance sheet and reviews.

Every figure is one set-based query over the ledger (or the table that records the fact:
referrals, plan payments, tier events), never a sum of members read one by one. Balances
are read as of the end of the period from the transfers themselves, so a report of a past
period gives the figures that period ended with; flows count the transfers posted inside
the period, `[from, to)`. The figures reconcile with the member accounts:
`tests/reports/test_reconciliation.py` checks them against the wallets.
"""
