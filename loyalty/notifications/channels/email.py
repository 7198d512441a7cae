"""Email over SMTP (aiosmtplib). The Message-ID is the notification's id, so a receiver can
recognise a repeat."""
from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from loyalty.notifications.channels import DeliveryError
from loyalty.notifications.render import Email


def message_id(notification_id: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{notification_id}@{domain}>"


class SmtpChannel:
    """`smtp://[user:password@]host[:port]` (STARTTLS when the server offers it) or
    `smtps://…` (TLS from the start, port 465 by default)."""

    def __init__(self, url: str, sender: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://user:password@host:465")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    def build(self, to: str, content: Email, notification_id: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = content.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id(notification_id, self.sender)
        message.set_content(content.text)
        message.add_alternative(content.html, subtype="html")
        return message

    async def send(self, to: str, content: Email, notification_id: str) -> None:
        message = self.build(to, content, notification_id)
        try:
            await aiosmtplib.send(
                message, hostname=self.host, port=self.port, username=self.username,
                password=self.password, use_tls=self.tls, timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc}", permanent=True) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            code = getattr(exc, "code", 0) or 0
            raise DeliveryError(f"SMTP: {exc}", permanent=500 <= code < 600) from exc
