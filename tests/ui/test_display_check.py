"""`bootstrap.py demo` and `firmdesk demo` on a Linux machine without a display: a hint in Chinese and English and
a non-zero exit, instead of Qt's xcb error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from firmdesk.ui.display_check import NO_DISPLAY_HINT, missing_display

ROOT = Path(__file__).resolve().parents[2]
HEADLESS = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_no_display_is_told_only_where_a_window_cannot_be_shown() -> None:
    assert missing_display(["demo"], {}, "linux") == NO_DISPLAY_HINT
    assert missing_display(["demo"], {"DISPLAY": ":0"}, "linux") is None
    assert missing_display(["demo"], {"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert missing_display(["demo"], {"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert missing_display(["demo", "--smoke", "/tmp/x"], {}, "linux") is None
    assert missing_display(["demo"], {}, "win32") is None
    assert "桌面" in NO_DISPLAY_HINT and "--smoke" in NO_DISPLAY_HINT and "graphical desktop" in NO_DISPLAY_HINT


def test_bootstrap_demo_without_a_display_explains_and_exits_non_zero(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bootstrap.py"), "demo"],
        env=HEADLESS,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert "没有检测到显示器" in done.stderr and "no display was found" in done.stderr
    assert "xcb" not in done.stderr


def test_firmdesk_demo_without_a_display_explains_and_exits_non_zero(tmp_path: Path) -> None:
    env = {**HEADLESS, "PYTHONPATH": str(ROOT), "FIRMDESK_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "firmdesk.app", "demo"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3 and "python bootstrap.py demo --smoke" in done.stderr
    assert not (tmp_path / "demo-server").exists()  # stopped before starting anything
