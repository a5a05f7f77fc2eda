"""The client address of a request: the TCP peer, or `X-Forwarded-For` only when that peer is a trusted proxy.

One helper for everything keyed by address (login protection, the public page's rate limit). Uvicorn's own
proxy-header handling is switched off (`proxy_headers=False` in `serve` and `ServerThread`): by default it
trusts `X-Forwarded-For` from 127.0.0.1, so anything on the server's machine could pick its address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from starlette.requests import Request

#: The address of a request whose peer is unknown (a Unix socket): all such requests share it.
UNKNOWN = "unknown"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    """The proxies (`CMIS_TRUSTED_PROXIES`: comma-separated addresses or CIDR networks) allowed to say who
    their client is; none by default."""

    networks: tuple[IpNetwork, ...] = ()

    @staticmethod
    def parse(text: str) -> TrustedProxies:
        return _parse(text)

    def contains(self, address: str) -> bool:
        parsed = _address(address)
        return parsed is not None and any(parsed in network for network in self.networks)


@lru_cache(maxsize=8)
def _parse(text: str) -> TrustedProxies:
    networks: list[IpNetwork] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"CMIS_TRUSTED_PROXIES: “{part}” is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
            ) from None
    return TrustedProxies(tuple(networks))


def _address(text: str) -> IpAddress | None:
    """An address from a header entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_from(peer: str | None, forwarded_for: str | None, trusted: TrustedProxies) -> str:
    """The client behind `peer`: walking `X-Forwarded-For` from the right (what our proxies appended), the
    first address that is not one of our proxies. Entries a client wrote itself (further left) never count."""
    if peer is None:
        return UNKNOWN
    client = str(_address(peer) or peer)
    if not forwarded_for or not trusted.contains(client):
        return client
    for entry in reversed(forwarded_for.split(",")):
        address = _address(entry)
        if address is None:
            return client  # our proxy would not write this: keep the last address we can vouch for
        client = str(address)
        if not trusted.contains(client):
            return client
    return client


def client_address(request: Request, trusted: TrustedProxies) -> str:
    """The client address of `request` (see `client_from`)."""
    peer = request.client.host if request.client else None
    return client_from(peer, request.headers.get("x-forwarded-for"), trusted)
