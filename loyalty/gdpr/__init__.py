"""The member's data rights: the export of everything held about a member, and erasure.

Rules it keeps:
- An export is one JSON document (docs/gdpr.md describes it) holding every datum about the
  member and nothing about another member.
- Erasure removes or anonymises the member's personal data (address, name, birthday, devices,
  sessions, emailed tokens, the payloads of their messages) and keeps the ledger: the rows stay,
  linked to the anonymous member, and what is left of their points and credit is forfeited to
  the expiry account by transfers of their own, so every balance still sums to zero.
- The member number is retired: it stays on the row (so it is never given again) and finds
  nobody; the member's access tokens are refused from the moment of the commit.
- Erasure happens once: a second request answers the first one's time and changes nothing.
"""
