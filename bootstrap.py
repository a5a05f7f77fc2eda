"""Set up FirmDesk on a fresh machine and run it: `python bootstrap.py demo` or `python bootstrap.py test`.

Creates `.venv` beside this file on first use and (re)installs the project into it whenever
pyproject.toml changed, so the only prerequisite is Python 3.11+ (Windows or Linux).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".firmdesk-installed"

#: What `bootstrap.py test` type-checks with mypy (settings in pyproject.toml's [tool.mypy]). Each path is
#: clean; add `firmdesk/ui` once it is (`mypy firmdesk/ui` lists what is left).
MYPY_PATHS = ["firmdesk/domain", "firmdesk/services", "firmdesk/server"]


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - bootstrap may run on an old Python
        sys.exit("FirmDesk needs Python 3.11 or newer.")
    if not venv_python().exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing FirmDesk and its dependencies into .venv ...", flush=True)
        py = str(venv_python())
        subprocess.run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
        subprocess.run([py, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"], check=True)
        STAMP.write_text(wanted)
    return venv_python()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "run"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command in {"demo", "run"}:
        # Before anything is installed: a headless Linux machine would only reach Qt's xcb error.
        sys.path.insert(0, str(ROOT))
        from firmdesk.ui.display_check import missing_display

        hint = missing_display(rest)
        if hint is not None:
            print(hint, file=sys.stderr)
            return 3
    py = str(ensure_venv())
    env = dict(os.environ)
    if command == "test":
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        lint = subprocess.run([py, "-m", "ruff", "check", str(ROOT)], env=env, cwd=ROOT)
        layout = subprocess.run([py, "-m", "ruff", "format", "--check", str(ROOT)], env=env, cwd=ROOT)
        types = subprocess.run([py, "-m", "mypy", *MYPY_PATHS], env=env, cwd=ROOT)
        tests = subprocess.run([py, "-m", "pytest", *rest], env=env, cwd=ROOT)
        return tests.returncode or lint.returncode or layout.returncode or types.returncode
    if command == "demo":
        return subprocess.run([py, "-m", "firmdesk.app", "demo", *rest], env=env, cwd=ROOT).returncode
    return subprocess.run([py, "-m", "firmdesk.app", *rest], env=env, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
