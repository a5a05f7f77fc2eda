"""Whether a window can be shown at all: on Linux without a display Qt stops with its xcb error; say why instead.

No Qt import here: `bootstrap.py` calls it with the system's Python before any package is installed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

NO_DISPLAY_HINT = (
    "FirmDesk 需要图形桌面才能显示窗口，但没有检测到显示器（DISPLAY 和 WAYLAND_DISPLAY 均未设置）。\n"
    "请在桌面环境中运行；或者运行无界面自检：python bootstrap.py demo --smoke <文件夹>（截图保存到该文件夹）。\n"
    "FirmDesk needs a graphical desktop to show its window, but no display was found (neither DISPLAY nor\n"
    "WAYLAND_DISPLAY is set). Run it from a desktop session, or run the headless self-check:\n"
    "python bootstrap.py demo --smoke <folder> (screenshots go to that folder)."
)


def missing_display(
    argv: list[str], environ: Mapping[str, str] | None = None, platform: str | None = None
) -> str | None:
    """The hint to print when a window is wanted and cannot be shown, or None (a display, Qt's platform chosen
    by QT_QPA_PLATFORM, `--smoke` which runs offscreen, or not Linux)."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return None
    if any(arg == "--smoke" or arg.startswith("--smoke=") for arg in argv) or "-h" in argv or "--help" in argv:
        return None
    if any(env.get(name, "").strip() for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return NO_DISPLAY_HINT
