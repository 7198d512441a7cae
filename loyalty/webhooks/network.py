"""Which addresses a webhook may be sent to: http(s) URLs whose host resolves only to public
addresses, unless the settings allow private networks (a test receiver, a brand's own network)."""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from loyalty.errors import LoyaltyError

MAX_URL_LENGTH = 2000
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedUrl(LoyaltyError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="url")


def is_public(address: Address) -> bool:
    """Not loopback, private, link-local, shared, multicast or reserved (an IPv4 address
    written as IPv6 is judged as itself)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def parse(url: str) -> tuple[str, int]:
    """(host, port) of a well-formed http or https URL, or RefusedUrl."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(ord(ch) <= 32 for ch in url):
        raise RefusedUrl(f"The URL must be at most {MAX_URL_LENGTH} characters, without spaces.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedUrl("The URL is not valid.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedUrl("The URL must be http:// or https:// with a host.")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def _addresses(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise RefusedUrl(f"The host {host} does not resolve.") from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


async def check_url(url: str, *, allow_private: bool) -> str:
    """The URL, stripped, when a webhook may be sent to it; RefusedUrl otherwise."""
    host, port = parse(url)
    if not allow_private:
        for address in await _addresses(host, port):
            if not is_public(address):
                raise RefusedUrl(f"The URL's host is on a private or reserved network ({address}).")
    return url.strip()
