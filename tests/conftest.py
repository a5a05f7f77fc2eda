"""Test-wide setup: Qt offscreen, an in-memory keyring, and the shared fixtures of tests/helpers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import keyring
import pytest

from tests.helpers.memory_keyring import MemoryKeyring

# Fixtures that start the real server live in tests/helpers/server.py.
pytest_plugins = ["tests.helpers.server"]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
