"""Test-wide setup: Qt offscreen, an in-memory keyring, and the shared fixtures of tests/helpers."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

if os.environ.get("FIRMDESK_SCREENSHOTS") and os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    # Screenshots for docs/: a 1920×1080 offscreen screen, so that the dialogs keep their full size (the
    # default offscreen screen is 800×800, and the dialogs fit themselves to their screen).
    _screen = {"name": "docs", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "dpr": 1}
    _config = Path(tempfile.mkdtemp(prefix="firmdesk-screen-")) / "screen.json"
    _config.write_text(json.dumps({"screens": [_screen]}), encoding="utf-8")
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_config}"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import keyring
import pytest

from tests.helpers.memory_keyring import MemoryKeyring

# Fixtures that start the real server live in tests/helpers/server.py; the browser's in tests/helpers/browser.py.
pytest_plugins = [
    "tests.helpers.server",
    "tests.helpers.browser",
    "tests.helpers.portal_world",
    "tests.helpers.portal_apply",
    "tests.helpers.mail",
    "tests.helpers.institute_world",
    "tests.helpers.workbench",
]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
