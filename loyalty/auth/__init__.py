"""Authentication: passwords, access tokens, refresh-token sessions, API keys."""
