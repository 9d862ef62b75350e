"""Which URLs the fetcher may request: absolute http(s) URLs with a usable port, and, when
`[fetch] allow_private = false`, only hosts with public addresses (against SSRF: a feed
or its redirect must not make the monitor probe the local network or a cloud metadata
service). Checked before each request and before each redirect is followed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class RefusedURL(Exception):
    """A feed URL or redirect target we will not request; the message says why."""


def shown(url: str) -> str:
    """A URL short enough for an error message (a Location header can be megabytes)."""
    return url if len(url) <= 120 else url[:117] + "..."


def check_fetch_url(url: str) -> str:
    """The URL's host if it is an absolute http(s) URL with a usable port; else RefusedURL.

    httpx refuses some bad URLs with exceptions outside httpx.HTTPError (InvalidURL) and
    passes others to the socket (port 99999: OverflowError); we refuse them first.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError as exc:
        raise RefusedURL(f"invalid URL {shown(url)}: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise RefusedURL(f"{shown(url)}: only http and https URLs are fetched")
    if not parts.hostname:
        raise RefusedURL(f"invalid URL {shown(url)}: no host")
    if port == 0:
        raise RefusedURL(f"invalid URL {shown(url)}: port 0")
    return parts.hostname


def is_private_address(address: str) -> bool:
    """Loopback, private, link-local (cloud metadata at 169.254.169.254) or reserved."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def refuse_private_host(host: str, url: str) -> None:
    """RefusedURL if the host is, or resolves to, an address that is not public.

    Checked before each request and each redirect; a DNS answer that changes between this
    check and the connection (DNS rebinding) is not caught.
    """
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return  # the request itself will report the failed lookup
    for info in infos:
        address = str(info[4][0])
        if is_private_address(address):
            raise RefusedURL(
                f"{shown(url)}: {host} is a private address ({address}); "
                "set [fetch] allow_private = true to fetch it"
            )
