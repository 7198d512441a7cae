"""Rewards: the catalog, redeeming points for coupons, and the coupons issued."""
