"""Who is calling: the client address and whether the connected peer is a proxy we trust."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request
from zimage_common.network import client_ip, parse_networks


def from_trusted_proxy(peer: str | None, trusted_proxies: list[str]) -> bool:
    networks = parse_networks(tuple(trusted_proxies))
    if not peer or not networks:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in networks)


def request_client_ip(request: Request, trusted_proxies: list[str]) -> str:
    """The caller's address; X-Forwarded-For counts only when a trusted proxy sent it."""
    cached = getattr(request.state, "client_ip", None)
    if isinstance(cached, str):
        return cached
    forwarded = ", ".join(request.headers.getlist("x-forwarded-for")) or None
    ip = client_ip(request.client.host if request.client else None, forwarded, trusted_proxies)
    request.state.client_ip = ip
    return ip
