"""The daily `verify-ledger` job: every ledger rule checked over the whole database, as the
`loyalty verify-ledger` command does. Its run records the number of violations found (the
rows it "changed"), which /metrics reports as `loyalty_ledger_violations`: an alert on a
value above 0 is the alert on ledger drift (docs/metrics.md)."""
from __future__ import annotations

import logging
from datetime import datetime

from loyalty.ledger.verify import verify_ledger

log = logging.getLogger("loyalty.ledger")


async def check_ledger(now: datetime) -> int:
    """The number of violations; each is logged as an error."""
    violations = await verify_ledger()
    for violation in violations:
        log.error("ledger violation: %s", violation)
    return len(violations)
