"""Referrals: codes and links, referred sign-ups, and the referrer's reward."""
