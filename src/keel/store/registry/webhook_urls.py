"""Which URLs a webhook may call: http(s) to public addresses only, as MLflow's SSRF guard allows.

A URL is checked when a webhook is saved, and its host is resolved and checked again before every
delivery (the delivery then connects to the address that was checked, so a DNS answer that changes
in between cannot point it at an internal service). ``KEEL_WEBHOOK_ALLOW_PRIVATE_URLS=true`` lifts
the address check, for receivers on a private network or on the same machine.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from urllib.parse import urlsplit

from keel.errors import InvalidParameter

ALLOW_PRIVATE_URLS_ENV = "KEEL_WEBHOOK_ALLOW_PRIVATE_URLS"
ALLOWED_SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ``::a.b.c.d``
# Local-use NAT64 (RFC 8215): translated by the site's own gateway, to whatever it serves.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(InvalidParameter):
    """A webhook host that resolves to a loopback, link-local, private or otherwise non-public address."""


def allows_private_urls() -> bool:
    return os.environ.get(ALLOW_PRIVATE_URLS_ENV, "").strip().lower() in ("1", "true", "yes")


def validate_webhook_url(url: object) -> str:
    """An http(s) URL with a host (its addresses are checked where it is stored: ``check_addresses``).

    Raises:
        InvalidParameter: with MLflow's messages (``mlflow/utils/validation.py``).
    """
    if not isinstance(url, str):
        raise InvalidParameter(f"Webhook URL must be a string, got {type(url).__name__!r}")
    if not url.strip():
        raise InvalidParameter(f"Webhook URL cannot be empty or just whitespace: {url!r}")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidParameter(f"Webhook URL is longer than {MAX_URL_LENGTH} characters.")
    scheme, host, _port = _parts(url)
    if scheme not in ALLOWED_SCHEMES:
        raise InvalidParameter(
            f"Invalid webhook URL scheme: {scheme!r}. Allowed schemes are: {', '.join(ALLOWED_SCHEMES)}."
        )
    if not host:
        raise InvalidParameter(f"Webhook URL must include a hostname: {url!r}")
    _check_canonical_literal(host)
    return url


def check_addresses(url: str) -> None:
    """Unless private URLs are allowed, every address the URL's host resolves to must be public.

    Raises:
        BlockedAddress: for a loopback, link-local, private or otherwise non-public address.
        InvalidParameter: when the host does not resolve.
    """
    if allows_private_urls():
        return
    scheme, host, port = _parts(url)
    public_addresses(host or "", port or (443 if scheme == "https" else 80))


def _parts(url: str) -> tuple[str, str | None, int | None]:
    try:
        parsed = urlsplit(url)
        return parsed.scheme, parsed.hostname, parsed.port
    except ValueError as exc:
        raise InvalidParameter(f"Invalid webhook URL {url!r}: {exc!r}") from None


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, every one of them public.

    Raises:
        BlockedAddress: when any address is not public (the whole host is refused, as MLflow does).
        InvalidParameter: when the host does not resolve.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise InvalidParameter(f"Cannot resolve Webhook URL hostname {host!r}: {exc}") from None
    addresses: list[str] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise BlockedAddress(
                f"Webhook URL hostname {host!r} resolved to an invalid IP address: {text!r}"
            ) from None
        if not is_public_ip(address):
            raise BlockedAddress(
                f"Webhook URL must not resolve to a non-public IP address. {host!r} resolves to {address}."
            )
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise InvalidParameter(f"Cannot resolve Webhook URL hostname {host!r}: no addresses")
    return addresses


def is_public_ip(address: IPAddress) -> bool:
    """Global, counting an IPv4 address wrapped in IPv6 (mapped, compatible, 6to4, NAT64) as that IPv4
    address; local-use NAT64 and site-local IPv6 addresses are never public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64 or address.is_site_local:
            return False
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and (address in _NAT64 or address in _IPV4_COMPATIBLE):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return embedded.is_global
    return address.is_global


def _check_canonical_literal(host: str) -> None:
    """Numeric hosts must be canonical IP literals: ``127.1`` or ``0177.0.0.1`` reach loopback."""
    if ":" not in host and not host.replace(".", "").isdigit():
        return
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise InvalidParameter(f"Webhook URL host {host!r} is not a canonical IP address literal.") from None
