"""The channels the settings configure; a channel left unset is off."""
from __future__ import annotations

import ssl
from dataclasses import dataclass

import httpx

from loyalty.notifications.channels.apns import ApnsChannel
from loyalty.notifications.channels.email import SmtpChannel
from loyalty.notifications.channels.fcm import FcmChannel
from loyalty.notifications.channels.webpush import WebPushChannel
from loyalty.notifications.models import APNS, EMAIL, FCM, WEBPUSH
from loyalty.settings import Settings


@dataclass
class Channels:
    public_url: str
    email: SmtpChannel | None = None
    fcm: FcmChannel | None = None
    apns: ApnsChannel | None = None
    webpush: WebPushChannel | None = None

    def enabled(self) -> set[str]:
        named = {EMAIL: self.email, FCM: self.fcm, APNS: self.apns, WEBPUSH: self.webpush}
        return {name for name, channel in named.items() if channel is not None}

    async def close(self) -> None:
        for channel in (self.fcm, self.apns, self.webpush):
            if channel is not None:
                await channel.close()


def from_settings(settings: Settings, *, verify: ssl.SSLContext | str | bool = True) -> Channels:
    """`verify` is the TLS trust of the push clients (httpx's `verify`)."""
    def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(http2=True, timeout=30.0, verify=verify)

    channels = Channels(public_url=settings.public_url)
    if settings.smtp_url:
        channels.email = SmtpChannel(settings.smtp_url, settings.mail_from)
    if settings.fcm_credentials_file:
        channels.fcm = FcmChannel(settings.fcm_credentials_file, endpoint=settings.fcm_endpoint,
                                  token_url=settings.fcm_token_url, http=client())
    if settings.apns_key_file:
        missing = [name for name, value in (("APNS_KEY_ID", settings.apns_key_id),
                                            ("APNS_TEAM_ID", settings.apns_team_id),
                                            ("APNS_TOPIC", settings.apns_topic)) if not value]
        if missing:
            raise ValueError(f"APNS_KEY_FILE is set, so {', '.join(missing)} must be too")
        channels.apns = ApnsChannel(settings.apns_key_file, key_id=settings.apns_key_id or "",
                                    team_id=settings.apns_team_id or "", topic=settings.apns_topic or "",
                                    endpoint=settings.apns_endpoint, http=client())
    if settings.vapid_private_key:
        subject = settings.vapid_subject or f"mailto:{settings.mail_from.rpartition('<')[2].rstrip('>')}"
        channels.webpush = WebPushChannel(settings.vapid_private_key, subject=subject, http=client())
    return channels


def any_configured(settings: Settings) -> bool:
    return bool(settings.smtp_url or settings.fcm_credentials_file or settings.apns_key_file
                or settings.vapid_private_key)
