"""The demo data on the real server: the demo firm's account, a seeded server, and the firm signed in to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from firmdesk.server.config import Settings
from firmdesk.services.api_client import CmisClient
from firmdesk.services.credentials import CredentialStore
from firmdesk.services.session import FirmSession

DEMO_FIRM = "50010028"
DEMO_PASSWORD = "demo1234"
YEAR = 2025


@pytest.fixture
def demo_server_settings(server_settings: Settings) -> Settings:
    """`server_settings` with the demo data seeded."""
    from firmdesk.server.demo import seed_demo

    seed_demo(server_settings)
    return server_settings


@pytest.fixture
def demo_live(live_server: Any, demo_server_settings: Settings) -> Any:
    """The shared server on a fresh database with the demo data: for tests that change data."""
    return live_server


@contextmanager
def demo_firm_client(base_url: str) -> Iterator[CmisClient]:
    """A client logged in as the demo firm, closed afterwards."""
    client = CmisClient(base_url)
    client.login("firm", DEMO_FIRM, DEMO_PASSWORD)
    try:
        yield client
    finally:
        client.close()


def firm_login(base_url: str, credentials: CredentialStore, member_no: str = DEMO_FIRM) -> FirmSession:
    return FirmSession.login(base_url, member_no, DEMO_PASSWORD, False, credentials=credentials)
