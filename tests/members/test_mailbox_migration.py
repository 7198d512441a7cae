"""A database from before one-account-per-mailbox upgrades in place: every member gets their
mailbox, members who already shared one keep both accounts (the later one's mailbox set apart
with "#<id>"), and members who joined before verification count as verified since they joined."""
from __future__ import annotations

from tests.test_migrations import _sql, migrate, scratch_database_url  # noqa: F401 - the fixture

BEFORE_ACCOUNTS = "loyalty.0007_scheduler_runs"
MEMBER = (
    "INSERT INTO members (id, member_number, email, email_normalized, password_hash, display_name, locale, "
    "marketing_consent, notify_email, notify_push, notify_marketing, joined_at, updated_at) VALUES "
    "({id}, '{id:012d}', '{email}', '{normalized}', 'h', 'M', 'en', false, true, true, false, "
    "'2026-01-0{id} 10:00:00+00', '2026-01-0{id} 10:00:00+00')"
)


async def test_members_get_their_mailbox_and_count_as_verified(scratch_database_url):  # noqa: F811
    migrate(scratch_database_url, BEFORE_ACCOUNTS)
    rows = [(1, "Ann.Smith@gmail.com"), (2, "annsmith+shop@googlemail.com"), (3, "bob@example.com."),
            (4, "Cat@Example.com")]
    await _sql(scratch_database_url, *(MEMBER.format(id=i, email=e, normalized=e.lower()) for i, e in rows))

    migrate(scratch_database_url)

    found = await _sql(scratch_database_url, "SELECT id, email_canonical, email_verified_at IS NOT NULL "
                                             "FROM members ORDER BY id")
    assert [(i, c, bool(v)) for i, c, v in found] == [
        (1, "annsmith@gmail.com", True), (2, "annsmith@gmail.com#2", True), (3, "bob@example.com", True),
        (4, "cat@example.com", True),
    ]
