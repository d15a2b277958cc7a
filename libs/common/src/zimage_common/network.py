"""Client address as the trusted proxy chain reports it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=64)
def parse_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(address: str, networks: Iterable[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[str]) -> str:
    """The address of the first hop not in `trusted_proxies`, walking X-Forwarded-For from the right.

    A client can prepend whatever it likes to X-Forwarded-For; only entries appended by proxies we
    trust are believed, so a spoofed header from an untrusted peer is ignored entirely.
    """
    networks = parse_networks(tuple(trusted_proxies))
    peer = peer or "unknown"
    if not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return hops[0] if hops else peer
