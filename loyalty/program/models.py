from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ProgramVersion(Model):
    """A program file as applied. Append-only: a change is a new version."""

    id = fields.IntField(primary_key=True)
    version = fields.IntField(unique=True)
    checksum = fields.CharField(max_length=64)
    source = fields.TextField()
    applied_at = fields.DatetimeField()

    class Meta:
        table = "program_versions"
