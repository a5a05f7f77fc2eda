"""Where the client keeps its files: the user data folder (the demo server's data lives under it)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "FirmDesk"
#: Overrides the user data folder (tests and CI point it at a temporary folder).
DATA_DIR_ENV = "FIRMDESK_DATA_DIR"


def data_dir(create: bool = True) -> Path:
    """The user data folder: `$FIRMDESK_DATA_DIR`, else the platform's (e.g. %LOCALAPPDATA%\\FirmDesk)."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    path = Path(override).expanduser() if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def demo_server_dir(create: bool = True) -> Path:
    """The bundled demo server's data folder (database and attachments)."""
    path = data_dir(create) / "demo-server"
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
