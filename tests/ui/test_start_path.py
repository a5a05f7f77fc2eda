"""The client's start-up, as a user starts it (a new process), against a running server: it paints the local
store's rows and never imports the server's packages (only `firmdesk demo` starts the bundled server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.helpers.demo import DEMO_FIRM, DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _start_client(base_url: str, data_dir: Path, shots: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "FIRMDESK_DATA_DIR": str(data_dir),
        "FIRMDESK_SMOKE_PASSWORD": DEMO_PASSWORD,
    }
    command = [sys.executable, "-c", "import sys; from firmdesk.app import main; sys.exit(main())"]
    command += ["--smoke", str(shots), "--server", base_url, "--member-no", DEMO_FIRM]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_client_starts_without_importing_the_server_and_paints_cached_rows(
    demo_server: Any, tmp_path: Path
) -> None:
    first = _start_client(demo_server.base_url, tmp_path / "data", tmp_path / "shots1")
    assert first["server_modules_at_first_paint"] == 0  # firmdesk.server, fastapi, sqlalchemy, uvicorn, alembic
    assert first["年检信息查询"] > 0 and first["first_paint_s"] > 0
    again = _start_client(demo_server.base_url, tmp_path / "data", tmp_path / "shots2")  # the rows are cached now
    assert again["server_modules_at_first_paint"] == 0
    assert {k: v for k, v in again.items() if not k.startswith(("first_paint", "server"))} == {
        k: v for k, v in first.items() if not k.startswith(("first_paint", "server"))
    }
    assert sorted(p.name for p in (tmp_path / "shots2").glob("*.png"))[:2] == ["0-login.png", "1-pending_review.png"]


def test_the_app_imports_nothing_of_the_server_at_module_level() -> None:
    """Importing the client's entry point and the modules of its start path loads no server package."""
    code = (
        "import sys, firmdesk.app, firmdesk.ui.shell, firmdesk.ui.smoke, firmdesk.ui.demo_launcher;"
        "from firmdesk.ui.shell import preload_window_modules; preload_window_modules();"
        "from firmdesk.ui.smoke import server_modules_loaded; print(server_modules_loaded())"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
