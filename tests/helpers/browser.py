"""Browser fixtures for the web pages: Debian's Chromium driven by Playwright's sync API, over the real server.

pytest-playwright's own plugin is switched off (`-p no:playwright` in pyproject's addopts): its fixtures
would download or look for Playwright's own browsers and take generic names (`page`, `browser`); these
fixtures launch `shutil.which("chromium")` and are named for what they are.

- `chromium` (session) – the browser; missing Chromium or Playwright SKIPS the test with the reason, unless
  `FIRMDESK_REQUIRE_BROWSER=1` (set by .ci/run): then it FAILS.
- `desktop_page` / `phone_page` – a fresh context's page at 1366×768, or 390×844 with touch (the stand-in for
  the mini program), `base_url` = the `live_server`, so `page.goto("/cpa/")` works.
- `new_page(kind)` – `browser_page` factory for further pages (e.g. a second tab or a phone beside a desktop).
- `assert_accessible(page)` – axe-core on the page; fails on any serious or critical violation.
- `screenshot(page, name)` – with `FIRMDESK_SCREENSHOTS=1` (or `=docs/screenshots`), writes
  docs/screenshots/portal/<name>-<desktop|phone>.png.
- `sign_in_cpa(page, cert_no)` – signed in through the API and the session cookie (fast; no form);
  `sign_in_cpa_with_form(page, cert_no)` – through the sign-in page, as a person would.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx
import pytest

from firmdesk.server.runner import ServerThread
from firmdesk.server.web.session import SESSION_COOKIE
from tests.helpers.server import CPA_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REQUIRE_VARIABLE = "FIRMDESK_REQUIRE_BROWSER"
SCREENSHOTS_VARIABLE = "FIRMDESK_SCREENSHOTS"
#: Where `FIRMDESK_SCREENSHOTS=1` puts them; `FIRMDESK_SCREENSHOTS=<folder>` (as the Qt screenshot tests take it) puts
#: them in `<folder>/portal`.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

PageKind = Literal["desktop", "phone"]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 768}}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
_KINDS: dict[PageKind, dict[str, Any]] = {"desktop": DESKTOP, "phone": PHONE}
#: axe impacts that fail a test.
FAILING_IMPACTS = frozenset({"serious", "critical"})


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright, for the whole run."""
    executable = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install pytest-playwright)")
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        # Chinese browser chrome (e.g. the file input's button), as the portal's users see it.
        browser = playwright.chromium.launch(executable_path=executable, args=["--lang=zh-CN"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser, live_server: ServerThread) -> Iterator[Callable[[PageKind], Page]]:
    """`new_page("desktop")` / `new_page("phone")`: a page in a context of its own (own cookies) on the server."""
    contexts = []

    def make(kind: PageKind = "desktop") -> Page:
        context = chromium.new_context(
            **_KINDS[kind], locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.base_url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def desktop_page(new_page: Callable[[PageKind], Page]) -> Page:
    return new_page("desktop")


@pytest.fixture
def phone_page(new_page: Callable[[PageKind], Page]) -> Page:
    return new_page("phone")


def page_kind(page: Page) -> PageKind:
    viewport = page.viewport_size
    return "phone" if viewport is not None and viewport["width"] < 600 else "desktop"


def assert_accessible(page: Page) -> None:
    """axe-core (axe-playwright-python) finds no serious or critical violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    failing = [v for v in violations if v.get("impact") in FAILING_IMPACTS]
    described = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:5]}" for v in failing
    )
    assert not failing, f"accessibility violations on {page.url}:\n{described}"


def screenshot(page: Page, name: str, *, full_page: bool = True, folder: str = "portal") -> Path | None:
    """docs/screenshots/<folder>/<name>-<desktop|phone>.png when FIRMDESK_SCREENSHOTS is set; else nothing."""
    setting = os.environ.get(SCREENSHOTS_VARIABLE)
    if not setting:
        return None
    directory = (DOCS_SCREENSHOTS if setting in {"1", "true", "yes"} else Path(setting)) / folder
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-{page_kind(page)}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path


def sign_in_cpa(page: Page, cert_no: str, password: str = CPA_PASSWORD, *, then: str = "/cpa/home") -> None:
    """Sign the page's context in as the CPA (API login; its token becomes the session cookie) and open `then`."""
    sign_in_through_api(page, "cpa", cert_no, password, then=then)


def sign_in_through_api(page: Page, user_type: str, login: str, password: str, *, then: str) -> None:
    """Sign the page's context in as any account (API login; its token becomes the session cookie), open `then`."""
    base_url = _base_url(page)
    answer = httpx.post(
        f"{base_url}/api/v1/auth/login",
        json={"user_type": user_type, "member_no": login, "password": password},
        timeout=30,
    )
    answer.raise_for_status()
    page.context.add_cookies(
        [
            {
                "name": SESSION_COOKIE,
                "value": answer.json()["token"],
                "url": base_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    page.goto(then)


def sign_in_cpa_with_form(page: Page, cert_no: str, password: str = CPA_PASSWORD) -> None:
    """Sign in through the sign-in page (as a person would); waits for the home page."""
    page.goto("/cpa/")
    page.get_by_label("证书编号").fill(cert_no)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/cpa/home")


def _base_url(page: Page) -> str:
    url = page.url if page.url.startswith("http") else None
    if url is None:
        page.goto("/healthz")
        url = page.url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"
