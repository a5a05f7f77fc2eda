"""Whether a printed QR code's URL opens on a phone (`firmdesk.services.qr_reach`)."""

from __future__ import annotations

import pytest

from firmdesk.services.qr_reach import Reach, reach_of, unreachable_warning


@pytest.mark.parametrize(
    ("url", "reach"),
    [
        ("http://127.0.0.1:8000/v/abc", Reach.THIS_COMPUTER),
        ("https://127.8.0.1/v/abc", Reach.THIS_COMPUTER),
        ("http://localhost:8000/v/abc", Reach.THIS_COMPUTER),
        ("http://LOCALHOST./v/abc", Reach.THIS_COMPUTER),
        ("http://[::1]:8000/v/abc", Reach.THIS_COMPUTER),
        ("http://0.0.0.0:8000/v/abc", Reach.THIS_COMPUTER),
        ("http://[::ffff:127.0.0.1]/v/abc", Reach.THIS_COMPUTER),
        ("not a url", Reach.THIS_COMPUTER),
        ("http://[bad/v/abc", Reach.THIS_COMPUTER),
        ("http://192.168.1.20:8000/v/abc", Reach.LOCAL_NETWORK),
        ("https://10.1.2.3/v/abc", Reach.LOCAL_NETWORK),
        ("https://172.16.0.9/v/abc", Reach.LOCAL_NETWORK),
        ("https://169.254.1.1/v/abc", Reach.LOCAL_NETWORK),
        ("https://100.64.1.1/v/abc", Reach.LOCAL_NETWORK),
        ("https://[fd00::1]/v/abc", Reach.LOCAL_NETWORK),
        ("https://cmis-server/v/abc", Reach.LOCAL_NETWORK),
        ("https://cmis.local/v/abc", Reach.LOCAL_NETWORK),
        ("http://cmis.cicpa-cq.org.cn/v/abc", Reach.UNENCRYPTED),
        ("http://114.114.114.114/v/abc", Reach.UNENCRYPTED),
        ("https://cmis.cicpa-cq.org.cn/v/abc", Reach.PUBLIC),
        ("https://8.8.8.8/v/abc", Reach.PUBLIC),
    ],
)
def test_reach_of(url: str, reach: Reach) -> None:
    assert reach_of(url) is reach


def test_public_https_urls_need_no_warning() -> None:
    assert unreachable_warning([]) is None
    assert unreachable_warning(["https://cmis.example.cn/v/a", "https://cmis.example.cn/v/b"]) is None


def test_the_warning_names_the_worst_case() -> None:
    loopback = unreachable_warning(["https://cmis.example.cn/v/a", "http://127.0.0.1:51234/v/b"])
    assert loopback is not None and loopback.startswith("这些二维码指向本机地址，打印后手机无法打开")
    private = unreachable_warning(["http://cmis.example.cn/v/a", "http://192.168.1.20:8000/v/b"])
    assert private is not None and "内网地址（192.168.1.20:8000）" in private
    plain = unreachable_warning(["http://cmis.example.cn/v/a"])
    assert plain is not None and "未加密的 http 地址（cmis.example.cn）" in plain
    assert "CMIS_PUBLIC_BASE_URL" in plain
