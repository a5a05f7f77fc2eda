"""`serve` on a database stamped with a migration revision this version does not know (a newer FirmDesk made it)
stops at once with a clear Chinese and English message and exit code 4, not a traceback."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from firmdesk.server.cli import EXIT_UNKNOWN_REVISION, main
from firmdesk.server.config import fast_test_settings
from firmdesk.server.db.session import migrate


def test_serve_refuses_a_database_of_an_unknown_revision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = fast_test_settings(tmp_path / "data")
    migrate(settings)
    with closing(sqlite3.connect(settings.data_dir / "cmis.sqlite3")) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
        connection.commit()
    code = main(["serve", "--data-dir", str(settings.data_dir), "--port", "0"])
    captured = capsys.readouterr()
    assert code == EXIT_UNKNOWN_REVISION == 4
    assert "9999_from_the_future" in captured.err
    assert "不是本程序认识的版本" in captured.err
    assert "Upgrade firmdesk-server or restore a matching backup" in captured.err
    assert "Traceback" not in captured.err
    assert main(["gc", "--data-dir", str(settings.data_dir)]) == EXIT_UNKNOWN_REVISION
