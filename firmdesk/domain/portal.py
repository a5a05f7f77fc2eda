"""Where people open the reference server's pages in a browser: the CPA portal's and the institute's workbench's
addresses (one place, for the server's routes, `firmdesk demo` and the client's 帮助 menu)."""

from __future__ import annotations

#: The CPA portal's sign-in page, below the server's base URL.
CPA_PORTAL_PATH = "/cpa/"


def cpa_portal_url(server_base_url: str) -> str:
    """`http://127.0.0.1:8000` → `http://127.0.0.1:8000/cpa/`."""
    return server_base_url.rstrip("/") + CPA_PORTAL_PATH


#: The institute's workbench's sign-in page, below the server's base URL.
WORKBENCH_PATH = "/institute/"


def workbench_url(server_base_url: str) -> str:
    """`http://127.0.0.1:8000` → `http://127.0.0.1:8000/institute/`."""
    return server_base_url.rstrip("/") + WORKBENCH_PATH
