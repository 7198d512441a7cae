"""Webhooks: the brand's endpoints that receive the program's events.

Rules it keeps:
- Every outbox event whose topic an endpoint subscribed to becomes one delivery per endpoint,
  made once (its id is derived from the event and the endpoint), so a repeat of the event
  makes no second delivery.
- A delivery is a JSON POST signed with HMAC-SHA256 over the timestamp and the body
  (`signing.py`); it is delivered at least once, each attempt carrying the event's id, retried
  with exponential backoff and dead-lettered after the last attempt; a dead delivery can be
  listed and retried.
- An endpoint on a loopback, private, link-local or otherwise reserved address is refused,
  at registration and again at each attempt, unless WEBHOOKS_ALLOW_PRIVATE_NETWORKS is set.
"""
