"""`firmdesk demo` shows its mails: the note names /demo/mail, and a code asked for by a demo CPA is listed there."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from firmdesk.ui.demo_launcher import start_demo_server


def test_the_demo_lists_the_mails_it_sends_at_its_mail_page(tmp_path: Path) -> None:
    server = start_demo_server(tmp_path / "demo-server", fast_hashes=True)
    try:
        found = re.search(r"演示邮箱.*：(http://\S+/demo/mail)", server.portal_note())
        assert found is not None and found.group(1) == f"{server.base_url}/demo/mail"
        cert_no = re.search(r"如 (\d{12})）", server.portal_note()).group(1)  # type: ignore[union-attr]
        answer = httpx.post(f"{server.base_url}/api/v1/auth/password-reset/request", json={"member_no": cert_no})
        assert answer.status_code == 200
        page = httpx.get(found.group(1))
        assert page.status_code == 200
        assert "演示邮箱" in page.text
        assert "CMIS 重置密码验证码" in page.text
        assert re.search(r"验证码为：\d{6}", page.text)
        assert re.search(r"收件人：[a-z]+\d{3}@example\.com", page.text)  # a pinyin address of the demo
    finally:
        server.stop()
