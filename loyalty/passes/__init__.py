"""Passes: punch cards (free, a visit stamps them, the last stamp issues a coupon), visit
packs (paid visits), time passes (paid months of visits) and credit passes (paid credit,
its own ledger asset owned by the pass). A paid pass is bought by the member, waits in
PENDING_PAYMENT until the payment system confirms its payment (once per payment id, the
amount equal to the price), and is canceled by a refund of that payment."""
