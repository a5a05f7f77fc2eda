"""A real generated firm for the benchmarks: `firmdesk-server generate-firm`, then `firmdesk-server serve`.

`running_firm(cpas, workdir)` makes the firm with the server's own command (same code, same hashes as a
deployment), serves it in its own process with a production-shaped public address (so QR URLs are what a
deployment issues: `https://cmis.example.cn/v/` + a 43-character token) and yields its base URL;
`firm_rows(base_url)` syncs the current year like the client does and returns its `CpaRow`s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, free_port, stop_server, wait_for_server  # a sibling script, not a package

from firmdesk.services.models import CpaRow

FIRM_NUMBER = "50019001"
FIRM_PASSWORD = "demo1234"
PUBLIC_BASE = "https://cmis.example.cn"


def server_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}


@contextmanager
def running_firm(cpas: int, workdir: Path) -> Iterator[str]:
    env = server_env()
    data_dir = workdir / "server"
    command = [sys.executable, "-m", "firmdesk.server.cli", "generate-firm", "--data-dir", str(data_dir)]
    command += ["--cpas", str(cpas), "--number", FIRM_NUMBER]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    command = [sys.executable, "-m", "firmdesk.server.cli", "serve", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--public-base-url", PUBLIC_BASE]
    with (workdir / "server.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_server(process, base_url, workdir / "server.log")
        yield base_url
    finally:
        stop_server(process)


def firm_rows(base_url: str, workdir: Path) -> list[CpaRow]:
    """The firm's CPA rows of the current year, synced into a local store as FirmDesk does."""
    from firmdesk.services.api_client import CmisClient
    from firmdesk.services.local_store import LocalStore
    from firmdesk.services.sync import Synchronizer

    client = CmisClient(base_url)
    try:
        client.login("firm", FIRM_NUMBER, FIRM_PASSWORD)
        year = client.firm().current_year
        store = LocalStore.open(workdir / "rows-store")
        try:
            Synchronizer(client, store).sync(year)
            return list(store.snapshot(year).cpas)
        finally:
            store.close()
    finally:
        client.close()
