"""The ways a notification leaves the platform: email over SMTP, FCM, APNs and Web Push."""
from __future__ import annotations


class DeliveryError(Exception):
    """The provider did not take the message. `permanent`: sending it again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Unregistered(Exception):
    """The provider says the push token or subscription is no longer registered."""


def failure(status: int, text: str) -> DeliveryError:
    """A refusal: 429 and 5xx are worth retrying, other 4xx are not."""
    transient = status == 429 or status >= 500 or status == 408
    return DeliveryError(f"HTTP {status}: {text[:300]}", permanent=not transient)
