"""The user data folder: the platform's, unless FIRMDESK_DATA_DIR says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmdesk.services import settings


def test_the_environment_variable_chooses_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRMDESK_DATA_DIR", str(tmp_path / "数据"))
    assert settings.data_dir() == tmp_path / "数据"
    assert settings.demo_server_dir().is_dir()
    assert settings.demo_server_dir().parent == tmp_path / "数据"


def test_without_it_the_platform_folder_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIRMDESK_DATA_DIR", raising=False)
    path = settings.data_dir(create=False)
    assert "FirmDesk" in path.parts[-1] or "firmdesk" in str(path).lower()
