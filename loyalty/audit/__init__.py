"""The audit log: every staff action and every program change, with who made it, when, what
it was, the reason given and the values before and after.

The log is append-only: `record` writes an entry inside the caller's transaction, so the
entry commits with the change it describes or not at all, and nothing updates or deletes
an entry. `listing` pages it, newest first, for one member or for all.
"""
