"""Splitting a set-based job into short transactions.

A job finds the ids it has work for (accounts, members) with one read, then runs its
statements once per range of those ids, each range in a transaction of its own: a range
holds at most `BATCH_SIZE` of them, so a transaction's locks and its write are bounded
whatever the size of the program. Each range is a complete unit of the job (its transfers,
lots, balances and events together), so a job stopped between two ranges has left the
ledger consistent, and running it again does the rest.
"""
from __future__ import annotations

from collections.abc import Iterable

BATCH_SIZE = 10_000  # ids due per transaction


def ranges(ids: Iterable[int], size: int | None = None) -> list[tuple[int, int]]:
    """(first, last) of consecutive groups of at most `size` of the sorted ids."""
    step = size or BATCH_SIZE
    ordered = sorted(set(ids))
    return [(ordered[i], ordered[min(i + step, len(ordered)) - 1]) for i in range(0, len(ordered), step)]
