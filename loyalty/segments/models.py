from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class MemberSegment(Model):
    """The RFM scores of a member (0 to 5 each) and the segment they put the member in (null
    when no rule matched), as the nightly job last computed them. One row per member."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(unique=True)
    segment = fields.CharField(max_length=64, null=True)
    recency = fields.SmallIntField()
    frequency = fields.SmallIntField()
    monetary = fields.SmallIntField()
    computed_at = fields.DatetimeField()

    class Meta:
        table = "member_segments"
        indexes = (Index(fields=("segment", "member_id")),)
