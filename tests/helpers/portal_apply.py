"""The apply pages' tests: a small world (institute, firm, CPA), a signed-in httpx "browser", its forms, sample files.

- `apply_world` – one institute (working materials 继续教育证明, 执业情况说明; retired 离退休证明), the firm, CPA 李明.
- `portal_client(base_url, cert_no)` – an httpx client whose session cookie is the CPA's (API login).
- `forms(html)` / `form_of(html, action)` – the page's forms with their fields as the page filled them in.
- `ApplyWorld.expire_sessions()` – every session times out now.
- `sample_files` – a PDF, a PNG, a renamed .exe and a file over 5 MB.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import update

from firmdesk.domain.limits import MAX_ATTACHMENT_BYTES
from firmdesk.server.db.models import AuthToken, Cpa, Firm, Institute
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import utcnow
from firmdesk.server.web.session import SESSION_COOKIE
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, INSTITUTE_PASSWORD, ServerBuilder, api_login, tiny_pdf


@dataclass
class ApplyWorld:
    server: ServerThread
    builder: ServerBuilder
    institute: Institute
    firm: Firm
    cpa: Cpa
    _clients: list[httpx.Client] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def browser(self, cpa: Cpa | None = None, **kwargs: object) -> httpx.Client:
        """A signed-in "browser" (its own cookie jar) of the CPA (default: 李明)."""
        client = portal_client(self.base_url, (cpa or self.cpa).cert_no, **kwargs)
        self._clients.append(client)
        return client

    def api(self, role: str = "cpa") -> httpx.Client:
        login = {
            "cpa": ("cpa", self.cpa.cert_no, CPA_PASSWORD),
            "firm": ("firm", self.firm.number, FIRM_PASSWORD),
            "institute": ("institute", self.institute.code, INSTITUTE_PASSWORD),
        }[role]
        client = api_login(self.base_url, *login)
        self._clients.append(client)
        return client

    def expire_sessions(self) -> None:
        """Every sign-in's token expires now (as if the session had timed out)."""
        with self.builder.sessions() as session:
            session.execute(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
            session.commit()

    def close(self) -> None:
        for client in self._clients:
            client.close()


@pytest.fixture
def apply_world(live_server: ServerThread, server_builder: ServerBuilder) -> Iterator[ApplyWorld]:
    institute = server_builder.institute()
    firm = server_builder.firm(institute)
    cpa = server_builder.cpa(firm, "李明")
    world = ApplyWorld(live_server, server_builder, institute, firm, cpa)
    yield world
    world.close()


def portal_client(base_url: str, cert_no: str, password: str = CPA_PASSWORD, **kwargs: object) -> httpx.Client:
    """An httpx client signed in to the portal as the CPA: the API's token as the session cookie."""
    answer = httpx.post(
        f"{base_url}/api/v1/auth/login",
        json={"user_type": "cpa", "member_no": cert_no, "password": password},
        timeout=30,
    )
    answer.raise_for_status()
    client = httpx.Client(base_url=base_url, timeout=30, **kwargs)  # type: ignore[arg-type]
    client.cookies.set(SESSION_COOKIE, answer.json()["token"])
    return client


# --- the page's forms ---


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]
    buttons: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = Form(values.get("action", ""), values.get("method", "get").lower(), {})
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and values.get("name"):
            kind = values.get("type", "text")
            if kind not in {"radio", "checkbox", "file"} or "checked" in values:
                self._current.fields[values["name"]] = values.get("value", "")
        elif tag == "button" and self._current is not None:
            self._in_button = True
            self._current.buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button and self._current is not None:
            self._current.buttons[-1] += data.strip()


def forms(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_of(html: str, action: str, *, slot: int | None = None) -> Form:
    """The page's form posting to `action` (for upload forms: the one of `slot`)."""
    found = [f for f in forms(html) if f.action == action and (slot is None or f.fields.get("slot") == str(slot))]
    assert found, f"no form to {action} (slot {slot}) on the page"
    return found[0]


# --- files ---


@dataclass(frozen=True)
class SampleFiles:
    pdf: bytes
    other_pdf: bytes
    exe: bytes
    oversized: bytes


@pytest.fixture(scope="session")
def sample_files() -> SampleFiles:
    head = tiny_pdf("oversized")
    return SampleFiles(
        pdf=tiny_pdf("继续教育证明"),
        other_pdf=tiny_pdf("执业情况说明"),
        exe=b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 200
        + b"This program cannot be run in DOS mode",
        oversized=head + b"0" * (MAX_ATTACHMENT_BYTES + 1024 - len(head)),
    )
