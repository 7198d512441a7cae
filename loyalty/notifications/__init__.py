"""Notifications: what the outbox events tell a member, by email and push, delivered at least once."""
