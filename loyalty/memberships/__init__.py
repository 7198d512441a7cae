"""Paid memberships: plans members buy, paid from the brand's payment system, with perks
while active. The lifecycle is one table of transitions (`states`)."""
