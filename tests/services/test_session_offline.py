"""Login tells an address where nothing answers from one where something else than CMIS answers."""

from __future__ import annotations

import pytest

from firmdesk.services.errors import NotCmisServer, ServerUnreachable
from firmdesk.services.session import FirmSession


def test_login_to_a_closed_port_says_the_server_is_unreachable(closed_port_url: str) -> None:
    with pytest.raises(ServerUnreachable) as e:
        FirmSession.login(closed_port_url, "50010028", "demo1234", remember=False)
    assert e.value.message == f"无法连接服务器 {closed_port_url}，请检查网络或服务器地址"


def test_login_to_a_web_page_says_it_is_not_cmis(plain_site_url: str) -> None:
    with pytest.raises(NotCmisServer) as e:
        FirmSession.login(plain_site_url, "50010028", "demo1234", remember=False)
    assert e.value.message == "该地址不是注协 CMIS 服务"


def test_login_to_another_json_service_says_it_is_not_cmis(other_json_service_url: str) -> None:
    with pytest.raises(NotCmisServer):
        FirmSession.login(other_json_service_url, "50010028", "demo1234", remember=True)
