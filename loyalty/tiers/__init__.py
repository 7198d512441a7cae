"""Tiers: qualification periods, the member's current level, reviews and overrides."""
