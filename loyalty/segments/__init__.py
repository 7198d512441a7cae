"""Segments: every member scored nightly by recency, frequency and monetary value (RFM) and
put in the first named segment of the program file whose rules their scores meet.

The job (`scoring.score_members`) is set-based and idempotent: it replaces every member's row
in one transaction, from the purchases up to "now". Promotions and rewards name segments as
a condition (`conditions.py`); `lookup.py` gives the members of a segment as a query."""
