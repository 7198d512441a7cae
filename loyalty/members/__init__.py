"""Members: sign-up, profiles, notification settings and devices."""
