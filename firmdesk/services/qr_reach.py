"""Whether a phone that scans a printed QR code can open its URL: loopback, private-network and plain-http
addresses are warned about before QR codes are exported (a label printed for the office wall must work
from any phone). Pure functions, no Qt."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from enum import IntEnum
from urllib.parse import urlsplit


class Reach(IntEnum):
    """How far a URL reaches, worst first (the lowest value wins when several URLs are exported)."""

    THIS_COMPUTER = 0  # loopback: no phone can open it
    LOCAL_NETWORK = 1  # a private address or a name without a domain: only phones on the same network
    UNENCRYPTED = 2  # public but plain http: phones warn, some browsers refuse
    PUBLIC = 3


LOOPBACK_WARNING = "这些二维码指向本机地址，打印后手机无法打开。"
PRIVATE_WARNING = "这些二维码指向内网地址（{host}），只有连接同一局域网的手机才能打开，打印后在外面扫码会失败。"
HTTP_WARNING = "这些二维码使用未加密的 http 地址（{host}），部分手机扫码后会提示不安全或无法打开。"
ADVICE = "请联系注协，确认服务器已设置对外的 https 地址（CMIS_PUBLIC_BASE_URL）后再导出。"


def reach_of(url: str) -> Reach:
    """How far `url` reaches (an unparsable URL counts as reaching nowhere beyond this computer)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return Reach.THIS_COMPUTER
    if not host or host == "localhost" or host.endswith(".localhost"):
        return Reach.THIS_COMPUTER
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if address.is_loopback or address.is_unspecified:
            return Reach.THIS_COMPUTER
        if address.is_private or address.is_link_local or address.is_reserved or address in _SHARED:
            return Reach.LOCAL_NETWORK
    elif "." not in host or host.endswith((".local", ".lan", ".internal", ".home.arpa", ".corp")):
        return Reach.LOCAL_NETWORK
    return Reach.PUBLIC if parts.scheme == "https" else Reach.UNENCRYPTED


#: 100.64.0.0/10 (carrier-grade NAT) is not `is_private` in older Pythons but no phone outside reaches it.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def unreachable_warning(urls: Iterable[str]) -> str | None:
    """The Chinese warning to show before exporting QR codes of `urls`, or None when every one is a public
    https URL. It names the worst case found."""
    worst: tuple[Reach, str] | None = None
    for url in urls:
        reach = reach_of(url)
        if reach is not Reach.PUBLIC and (worst is None or reach < worst[0]):
            worst = (reach, url)
    if worst is None:
        return None
    reach, url = worst
    try:
        host = urlsplit(url.strip()).netloc or url
    except ValueError:
        host = url
    text = {
        Reach.THIS_COMPUTER: LOOPBACK_WARNING,
        Reach.LOCAL_NETWORK: PRIVATE_WARNING,
        Reach.UNENCRYPTED: HTTP_WARNING,
    }[reach].format(host=host)
    return f"{text}\n{ADVICE}"
