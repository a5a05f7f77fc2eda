"""Start-up figures: FirmDesk opening a synced 5,000-CPA firm (`cached_first_paint_s`) and the demo (`first_paint_s`).

`python benchmarks/startup_bench.py --cpas 5000 --runs 7 --json` prints one JSON object:

- A firm of `--cpas` CPAs is made with the real command (`firmdesk-server generate-firm`), and
  `firmdesk-server serve` runs it in its own process (already running when the client starts).
- `synced_first_paint_s`: the client's first start with an empty local store (`FIRMDESK_DATA_DIR` in a
  temporary folder): process start to the first tab painted with rows, which then come from a full sync.
- `cached_first_paint_s`: the median of `--runs` further starts, the firm already in the local store: the
  cached rows paint first (`_min`/`_max` beside it). Each start is a new process (`firmdesk --smoke DIR
  --server URL --member-no N`), timed from just before it is spawned to its first paint, so the
  interpreter's own start counts too. `cached_server_modules` is how many server-side modules
  (firmdesk.server, fastapi, sqlalchemy, uvicorn, alembic) the client had loaded at its first paint: 0.
- `cached_first_paint_cpu_s`, `first_paint_app_cpu_s`: the client process's CPU time (all its threads) at
  its first paint (median): steadier than wall time on a shared machine (the demo's server process not
  included).
- `first_paint_s` (`--demo-runs`, 0 to skip): the median of `firmdesk demo --smoke DIR` runs, which start
  and seed the in-process demo server first; measured the same way.
Targets (issue 15): cached_first_paint_s < 1 s, first_paint_s < 2 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated_firm import FIRM_NUMBER, FIRM_PASSWORD, ROOT, running_firm, server_env  # sibling scripts


def smoke(args: list[str], env: dict[str, str], out: Path) -> dict[str, Any]:
    """One client process; its JSON line, with `wall_first_paint_s` counted from just before the spawn."""
    command = [sys.executable, "-c", "import sys; from firmdesk.app import main; sys.exit(main())", *args]
    spawned = time.time()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"smoke run failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_first_paint_s"] = result["first_paint_at"] - spawned
    shutil_rmtree(out)
    return result


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def measure_startup(cpas: int, runs: int, demo_runs: int, workdir: Path) -> dict[str, float]:
    env = server_env()
    figures: dict[str, float] = {}
    if runs > 0:
        client_env = {**env, "FIRMDESK_DATA_DIR": str(workdir / "client"), "FIRMDESK_SMOKE_PASSWORD": FIRM_PASSWORD}
        with running_firm(cpas, workdir) as base_url:
            args = ["--server", base_url, "--member-no", FIRM_NUMBER, "--smoke", str(workdir / "shots")]
            first = smoke(args, client_env, workdir / "shots")
            cached = [smoke(args, client_env, workdir / "shots") for _ in range(runs)]
        times = [r["wall_first_paint_s"] for r in cached]
        figures.update(
            {
                "startup_cpas": cpas,
                "synced_first_paint_s": first["wall_first_paint_s"],
                "cached_first_paint_s": statistics.median(times),
                "cached_first_paint_min_s": min(times),
                "cached_first_paint_max_s": max(times),
                "cached_server_modules": max(r["server_modules_at_first_paint"] for r in cached),
                "cached_first_paint_cpu_s": statistics.median(r["first_paint_cpu_s"] for r in cached),
            }
        )
    if demo_runs > 0:
        demo = [smoke(["demo", "--smoke", str(workdir / "demo")], env, workdir / "demo") for _ in range(demo_runs)]
        times = [r["wall_first_paint_s"] for r in demo]
        figures.update(
            {
                "first_paint_s": statistics.median(times),
                "first_paint_min_s": min(times),
                "first_paint_max_s": max(times),
                "first_paint_app_cpu_s": statistics.median(r["first_paint_cpu_s"] for r in demo),
            }
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpas", type=int, default=5000, help="CPAs of the generated firm (default 5000)")
    parser.add_argument("--runs", type=int, default=7, help="cached start-ups to take the median of (0: none)")
    parser.add_argument("--demo-runs", type=int, default=7, help="demo start-ups to take the median of (0: none)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="firmdesk-startup-bench-") as workdir:
        figures = measure_startup(args.cpas, args.runs, args.demo_runs, Path(workdir))
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps(rounded) if args.json else "\n".join(f"{k:>26}  {v}" for k, v in rounded.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
