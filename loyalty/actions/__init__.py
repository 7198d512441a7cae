"""Actions that earn points: sign-up, reviews, shares, ..."""
