"""Purchases reported by the shop, and their refunds."""
