"""Bonuses outside the purchase itself: the member's chosen bonus day, birthday and yearly rewards."""
