"""Signing in to the workbench over HTTP: who is let in, where the others are sent, and signing out."""

from __future__ import annotations

import re

import httpx

from tests.helpers.institute_world import Provinces
from tests.helpers.server import CPA_PASSWORD, INSTITUTE_PASSWORD


def _form_token(client: httpx.Client, path: str = "/institute/") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found is not None
    return found.group(1)


def test_pages_need_an_institute_session(provinces: Provinces) -> None:
    with httpx.Client(base_url=provinces.server.base_url, timeout=30) as browser:
        answer = browser.get("/institute/statistics?year=2025")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/institute/?why=required&next=%2Finstitute%2Fstatistics%3Fyear%3D2025"
        token = _form_token(browser)
        cpa = provinces.cpas[0]
        signed = browser.post("/cpa/", data={"member_no": cpa.cert_no, "password": CPA_PASSWORD, "csrf_token": token})
        assert signed.status_code == 303
        wrong = browser.get("/institute/batches")
        assert wrong.status_code == 303 and "why=role" in wrong.headers["location"]


def test_sign_in_errors_sign_in_and_out(provinces: Provinces) -> None:
    with httpx.Client(base_url=provinces.server.base_url, timeout=30) as browser:
        token = _form_token(browser)
        empty = browser.post("/institute/", data={"member_no": "", "password": "", "csrf_token": token})
        assert empty.status_code == 422
        assert "请输入登录账号" in empty.text and "请输入密码" in empty.text
        wrong = browser.post("/institute/", data={"member_no": "50-02", "password": "x", "csrf_token": token})
        assert wrong.status_code == 401 and "会员编号或密码错误" in wrong.text
        assert 'value="50-02"' in wrong.text  # the login is kept, never the password
        data = {"member_no": "50-02", "password": INSTITUTE_PASSWORD, "csrf_token": token}
        signed = browser.post("/institute/", data={**data, "next": "/institute/settings"})
        assert signed.status_code == 303 and signed.headers["location"] == "/institute/settings"
        assert browser.get("/institute/home").headers["location"] == "/institute/batches"
        out = browser.post("/institute/sign-out", data={"csrf_token": _form_token(browser, "/institute/batches")})
        assert out.status_code == 303 and out.headers["location"] == "/institute/?why=signed_out"
        assert browser.get("/institute/batches").status_code == 303
