"""[segments]: members scored by recency, frequency and monetary value (RFM), and the named
segments their scores put them in.

Each score is 0 to 5. Recency is 0 for a member who never bought, else 1 plus the number of
`recency_days` bounds their last purchase lies within (5: within the shortest). Frequency
(purchases in the last `window_days`, fully refunded ones left out) and monetary (their
spend, net of refunds) are 0 for nothing in the window, else 1 plus the number of
thresholds reached. A member is in the first rule whose every bound their scores meet."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, Strict, model_validator

from loyalty.program.fields import CONFIG, Code, PositiveInt, PositiveMoney, Text, problem, unique

Score = Annotated[int, Strict(), Field(ge=0, le=5)]
SCORES = 5


def _ascending(values: tuple[int | Decimal, ...], key: str) -> None:
    if len(values) != SCORES - 1:
        raise problem((key,), f"needs {SCORES - 1} values, one for each score from 2 to {SCORES}, not {len(values)}")
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            raise problem((key, i), f"must be greater than {key}[{i - 1}] ({values[i - 1]})")


class SegmentRule(BaseModel):
    model_config = CONFIG

    code: Code
    name: Text
    recency_min: Score = 0
    recency_max: Score = SCORES
    frequency_min: Score = 0
    frequency_max: Score = SCORES
    monetary_min: Score = 0
    monetary_max: Score = SCORES

    @model_validator(mode="after")
    def _check(self) -> SegmentRule:
        for score in ("recency", "frequency", "monetary"):
            low, high = getattr(self, f"{score}_min"), getattr(self, f"{score}_max")
            if low > high:
                raise problem((f"{score}_max",), f"must not be below {score}_min ({low})")
        return self

    def bounds(self) -> tuple[int, int, int, int, int, int]:
        return (self.recency_min, self.recency_max, self.frequency_min, self.frequency_max,
                self.monetary_min, self.monetary_max)


class Segments(BaseModel):
    model_config = CONFIG

    window_days: PositiveInt = 365  # frequency and monetary count the purchases of this many days
    # A last purchase within recency_days[0] days scores 5, within [1] 4, [2] 3, [3] 2, older 1.
    recency_days: tuple[PositiveInt, ...]
    frequency: tuple[PositiveInt, ...]  # purchases in the window for the scores 2, 3, 4 and 5
    monetary: tuple[PositiveMoney, ...]  # spend in the window for the scores 2, 3, 4 and 5
    rules: tuple[SegmentRule, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Segments:
        _ascending(self.recency_days, "recency_days")
        _ascending(self.frequency, "frequency")
        _ascending(self.monetary, "monetary")
        unique(self.rules, "code", "rules", "segments.rules")
        return self

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(rule.code for rule in self.rules)

    def rule(self, code: str) -> SegmentRule | None:
        return next((r for r in self.rules if r.code == code), None)
