"""How often a member may earn an action's points or redeem a reward."""
from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict


class LimitPer(StrEnum):
    # Calendar periods in the program's time zone (weeks start on Monday);
    # EVER means over the membership's whole life.
    EVER = "ever"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Limit(BaseModel):
    """`limit = { count = 2, per = "month" }`: at most `count` times per `per`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    count: Annotated[int, Strict(), Field(gt=0)] = 1
    per: LimitPer

    def render(self) -> str:
        """The contract's wording: "once", "3 times", "1 per day", "2 per month"."""
        if self.per is LimitPer.EVER:
            return "once" if self.count == 1 else f"{self.count} times"
        return f"{self.count} per {self.per.value}"


def render_limit(limit: Limit | None) -> str | None:
    """The contract's `limit` string; None when unlimited."""
    return None if limit is None else limit.render()
