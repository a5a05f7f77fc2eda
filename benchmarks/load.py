"""Load figures of the reference server: simulated firm clients over real HTTP on loopback.

Each simulated firm does what FirmDesk does: log in, one full sync of the year (`GET /firm/changes?since=0`),
then, for a bounded time, change-feed polls (`since=` its cursor), and in the mixed phase also application
details, attachment downloads and writes (submit a batch of pending applications with its social-security
proof, withdraw it again, return an application to its CPA). The server is `firmdesk-server serve` in its own
process (with `--workers N` when that option exists), on SQLite or PostgreSQL, filled with `--firms` generated
firms (the demo builder's `generate_firm`, as `firmdesk-server generate-firm` does).

Phases, each closed-loop (every client sends its next request as soon as the last one is answered, unless
`--interval` says otherwise) so that they measure capacity:
- `setup`: login, firm info, full sync, a few application details (not timed as a phase);
- `polls`: only change-feed polls (target: >= 500/s, p99 < 100 ms);
- `mixed`: polls 70 %, details 10 %, attachment downloads 10 %, writes 10 % (target: zero 5xx, write p99 < 500 ms).

    python benchmarks/load.py --db sqlite --workers 2
    python benchmarks/load.py --db postgres --workers 2     # creates and drops a database on 127.0.0.1:5432

Prints one JSON line: per phase and operation the count, req/s, p50/p99 in ms, 5xx, other 4xx and transport
errors. Needs nothing beyond the project's dependencies (psycopg for --db postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRM_PASSWORD = "demo1234"
FIRST_FIRM = 50900000
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
#: Share of each mixed-phase action (writes split below).
MIX = {"poll": 70, "detail": 10, "attachment": 10, "write": 10}


# ----------------------------------------------------------------------------------------------
# Data and server


def firm_number(index: int) -> str:
    return str(FIRST_FIRM + index)


def seed(settings: Any, firms: int, cpas: int) -> float:
    """`firms` generated firms of `cpas` CPAs each; returns the seconds it took."""
    from firmdesk.server.demo import generate_firm

    started = time.perf_counter()
    for index in range(firms):
        generate_firm(settings, cpas=cpas, number=firm_number(index), seed=index)
    return time.perf_counter() - started


def serve_supports_workers() -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "firmdesk.server.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    ).stdout
    return "--workers" in help_text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, env: dict[str, str], workers: int | None, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "firmdesk.server.cli", "serve", "--data-dir", str(data_dir), "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    wait_for_server(process, base_url, log)
    return process, base_url


def wait_for_server(process: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped during start-up; see {log}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise TimeoutError("the server did not answer /healthz within 120 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def create_postgres(name: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{POSTGRES_SERVER}/{name}"


def drop_postgres(name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# ----------------------------------------------------------------------------------------------
# Simulated firms


@dataclass
class Recorder:
    """Latencies and outcomes per (phase, operation)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    phase: str = "setup"

    async def call(
        self, operation: str, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        key = f"{self.phase}.{operation}"
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
            await response.aread()
        except httpx.TransportError as error:
            self.outcomes[key]["transport_errors"] += 1
            self.outcomes[key][f"transport_{type(error).__name__}"] += 1
            return None
        self.latencies[key].append(time.perf_counter() - started)
        status = response.status_code
        kind = "5xx" if status >= 500 else "4xx" if status >= 400 else "ok"
        self.outcomes[key][kind] += 1
        if status >= 400:
            self.outcomes[key][f"status_{status}"] += 1
        return response


@dataclass
class Firm:
    number: str
    client: httpx.AsyncClient
    year: int = 0
    cursor: int = 0
    pending: list[int] = field(default_factory=list)
    application_ids: list[int] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)
    open_batch: tuple[int, int, list[int]] | None = None  # id, version, application ids


class Simulation:
    def __init__(self, base_url: str, numbers: list[str], interval: float, rng_seed: int) -> None:
        self.base_url = base_url
        self.numbers = numbers
        self.interval = interval
        self.rng = random.Random(rng_seed)
        self.rec = Recorder()
        from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
        from firmdesk.server.samples import sample_material

        self.material = SOCIAL_SECURITY_MATERIAL
        self.proof = sample_material(SOCIAL_SECURITY_MATERIAL, "50900000")

    async def setup(self, number: str) -> Firm | None:
        limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
        client = httpx.AsyncClient(base_url=f"{self.base_url}/api/v1", timeout=60, limits=limits)
        firm = Firm(number, client)
        body = {"user_type": "firm", "member_no": number, "password": FIRM_PASSWORD}
        login = await self.rec.call("login", client, "POST", "/auth/login", json=body)
        if login is None or login.status_code != 200:
            return None
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        info = await self.rec.call("firm_info", client, "GET", "/firm")
        if info is None or info.status_code != 200:
            return None
        firm.year = info.json()["current_year"]
        full = await self.rec.call("full_sync", client, "GET", "/firm/changes", params={"year": firm.year})
        if full is None or full.status_code != 200:
            return None
        changes = full.json()
        firm.cursor = changes["cursor"]
        rows = [row for row in changes["cpas"] if row["application_id"] is not None]
        firm.application_ids = [row["application_id"] for row in rows]
        firm.pending = [row["application_id"] for row in rows if row["status"] == "pending_firm"]
        for application_id in self.rng.sample(firm.application_ids, min(3, len(firm.application_ids))):
            detail = await self.rec.call("detail", client, "GET", f"/firm/applications/{application_id}")
            if detail is not None and detail.status_code == 200:
                firm.attachment_ids += [a["id"] for a in detail.json()["attachments"]]
        return firm

    async def poll(self, firm: Firm) -> None:
        params = {"year": firm.year, "since": firm.cursor}
        answer = await self.rec.call("poll", firm.client, "GET", "/firm/changes", params=params)
        if answer is not None and answer.status_code == 200:
            firm.cursor = max(firm.cursor, answer.json()["cursor"])

    async def detail(self, firm: Firm) -> None:
        if firm.application_ids:
            url = f"/firm/applications/{self.rng.choice(firm.application_ids)}"
            await self.rec.call("detail", firm.client, "GET", url)

    async def attachment(self, firm: Firm) -> None:
        if firm.attachment_ids:
            url = f"/firm/attachments/{self.rng.choice(firm.attachment_ids)}/content"
            await self.rec.call("attachment", firm.client, "GET", url)

    async def write(self, firm: Firm) -> None:
        """Withdraw the open batch if there is one; else return one application (one write in five, while
        there are several pending) or submit one or two pending applications as a batch."""
        if firm.open_batch is not None:
            batch_id, version, ids = firm.open_batch
            url = f"/firm/batches/{batch_id}/withdraw"
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            answer = await self.rec.call(
                "withdraw", firm.client, "POST", url, json={"version": version}, headers=headers
            )
            if answer is not None and answer.status_code < 500:
                firm.open_batch = None
                if answer.status_code == 200:
                    firm.pending += ids
            return
        if len(firm.pending) > 2 and self.rng.random() < 0.2:
            application_id = firm.pending.pop(self.rng.randrange(len(firm.pending)))
            body = {"reason": "请补充继续教育证明", "items": [{"application_id": application_id}]}
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            await self.rec.call("return", firm.client, "POST", "/firm/returns", json=body, headers=headers)
            return
        if not firm.pending:
            await self.poll(firm)  # nothing left to write for this firm
            return
        ids = [firm.pending.pop() for _ in range(min(len(firm.pending), self.rng.choice((1, 2))))]
        name, data = self.proof
        answer = await self.rec.call(
            "submit",
            firm.client,
            "POST",
            "/firm/batches",
            data={"year": str(firm.year), "application_ids": ",".join(map(str, ids)), "materials": self.material},
            files=[("files", (name, data, "application/pdf"))],
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        if answer is not None and answer.status_code == 201:
            batch = answer.json()["batch"]
            firm.open_batch = (batch["id"], batch["version"], ids)
        elif answer is not None and answer.status_code >= 500:
            firm.pending += ids  # not taken: try again later

    async def run_phase(self, firms: list[Firm], phase: str, until: float) -> None:
        self.rec.phase = phase
        actions = {"poll": self.poll, "detail": self.detail, "attachment": self.attachment, "write": self.write}
        names, weights = list(MIX), list(MIX.values())

        async def loop(firm: Firm) -> None:
            if self.interval:  # clients poll at their own moments, not all at the phase's first instant
                await asyncio.sleep(self.rng.uniform(0, 1.5) * self.interval)
            while time.time() < until:
                name = "poll" if phase == "polls" else self.rng.choices(names, weights)[0]
                await actions[name](firm)
                if self.interval:
                    await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.interval)

        await asyncio.gather(*(loop(firm) for firm in firms))

    async def run(self, barrier: Any, durations: tuple[float, float]) -> Recorder:
        gate = asyncio.Semaphore(16)

        async def setup(number: str) -> Firm | None:
            async with gate:
                return await self.setup(number)

        firms = [f for f in await asyncio.gather(*(setup(n) for n in self.numbers)) if f is not None]
        start = await asyncio.to_thread(barrier.wait_for_start)
        await self.run_phase(firms, "polls", start + durations[0])
        await self.run_phase(firms, "mixed", start + durations[0] + durations[1])
        self.rec.phase = "end"
        await asyncio.gather(*(firm.client.aclose() for firm in firms))
        return self.rec


class StartGate:
    """All client processes start their phases at the same wall-clock time, once every one is set up."""

    def __init__(self, parties: int) -> None:
        self._barrier = multiprocessing.get_context("fork").Barrier(parties)
        self._start = multiprocessing.get_context("fork").Value("d", 0.0)

    def wait_for_start(self) -> float:
        if self._barrier.wait() == 0:
            self._start.value = time.time() + 0.5
        self._barrier.wait()
        return float(self._start.value)


def client_process(base_url: str, numbers: list[str], args: argparse.Namespace, gate: StartGate, out: Any) -> None:
    simulation = Simulation(base_url, numbers, args.interval, rng_seed=int(numbers[0]) if numbers else 0)
    recorder = asyncio.run(simulation.run(gate, (args.poll_seconds, args.mixed_seconds)))
    out.put(
        (
            dict(recorder.latencies),
            {key: dict(value) for key, value in recorder.outcomes.items()},
        )
    )


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


def summarise(
    latencies: dict[str, list[float]], outcomes: dict[str, dict[str, int]], durations: dict[str, float]
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for key in sorted(set(latencies) | set(outcomes)):
        phase = key.split(".", 1)[0]
        values = sorted(latencies.get(key, []))
        counts = outcomes.get(key, {})
        row: dict[str, Any] = {
            "count": len(values),
            "p50_ms": round(percentile(values, 0.50) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
            "5xx": counts.get("5xx", 0),
            "4xx": counts.get("4xx", 0),
            "transport_errors": counts.get("transport_errors", 0),
        }
        if phase in durations:
            row["req_s"] = round(len(values) / durations[phase], 1)
        row.update(
            {k: v for k, v in counts.items() if k.startswith(("status_", "transport_")) and k != "transport_errors"}
        )
        figures[key] = row
    # All writes of the mixed phase together (the target is on them).
    writes = sorted(v for op in ("submit", "withdraw", "return") for v in latencies.get(f"mixed.{op}", []))
    write_counts = [outcomes.get(f"mixed.{op}", {}) for op in ("submit", "withdraw", "return")]
    figures["mixed.writes"] = {
        "count": len(writes),
        "req_s": round(len(writes) / durations["mixed"], 1),
        "p50_ms": round(percentile(writes, 0.50) * 1000, 1),
        "p99_ms": round(percentile(writes, 0.99) * 1000, 1),
        "5xx": sum(c.get("5xx", 0) for c in write_counts),
        "transport_errors": sum(c.get("transport_errors", 0) for c in write_counts),
    }
    mixed_total = sum(len(v) for k, v in latencies.items() if k.startswith("mixed."))
    figures["mixed.all"] = {
        "count": mixed_total,
        "req_s": round(mixed_total / durations["mixed"], 1),
        "5xx": sum(c.get("5xx", 0) for k, c in outcomes.items() if k.startswith("mixed.")),
        "transport_errors": sum(c.get("transport_errors", 0) for k, c in outcomes.items() if k.startswith("mixed.")),
        "write_share": round(len(writes) / mixed_total, 3) if mixed_total else 0,
    }
    return figures


# ----------------------------------------------------------------------------------------------
# Main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--firms", type=int, default=200, help="simulated firms, one client each (default 200)")
    parser.add_argument("--cpas", type=int, default=50, help="CPAs of each generated firm (default 50)")
    parser.add_argument("--workers", type=int, default=None, help="passed to `serve --workers` when it exists")
    parser.add_argument("--poll-seconds", type=float, default=20, help="length of the polls phase (default 20)")
    parser.add_argument("--mixed-seconds", type=float, default=30, help="length of the mixed phase (default 30)")
    parser.add_argument("--interval", type=float, default=0, help="think time between a client's requests, s")
    parser.add_argument("--client-processes", type=int, default=2, help="processes running the clients (default 2)")
    parser.add_argument("--data-dir", type=Path, help="a new folder to keep the data in (default: a temporary one)")
    parser.add_argument("--server-log", type=Path, help="keep the server's output here (default: discarded)")
    args = parser.parse_args(argv)

    from firmdesk.server.config import fast_test_settings

    work = Path(tempfile.mkdtemp(prefix="cmis-load-"))
    data_dir = args.data_dir or work / "data"
    pg_name = f"load_bench_{os.getpid()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CMIS_PUBLIC_BASE_URL": "https://cmis.example.cn"}
    process = None
    try:
        database_url = create_postgres(pg_name) if args.db == "postgres" else None
        if database_url:
            env["CMIS_DATABASE_URL"] = database_url
        # Cheap password hashes: 200 logins at the production argon2 cost would measure argon2 (on purpose slow).
        settings = fast_test_settings(data_dir, database_url=database_url)
        seed_s = seed(settings, args.firms, args.cpas)
        workers = args.workers if args.workers and serve_supports_workers() else None
        process, base_url = start_server(data_dir, env, workers, work / "server.log")

        numbers = [firm_number(i) for i in range(args.firms)]
        parties = max(1, min(args.client_processes, args.firms))
        gate = StartGate(parties)
        context = multiprocessing.get_context("fork")
        out = context.Queue()
        clients = [
            context.Process(target=client_process, args=(base_url, numbers[i::parties], args, gate, out))
            for i in range(parties)
        ]
        for client in clients:
            client.start()
        latencies: dict[str, list[float]] = defaultdict(list)
        outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for _ in clients:
            part_latencies, part_outcomes = out.get(timeout=600 + args.poll_seconds + args.mixed_seconds)
            for key, values in part_latencies.items():
                latencies[key] += values
            for key, counts in part_outcomes.items():
                for kind, count in counts.items():
                    outcomes[key][kind] += count
        for client in clients:
            client.join()
        server_exit = process.poll()
        result = {
            "db": args.db,
            "workers": workers or 1,
            "workers_requested": args.workers,
            "firms": args.firms,
            "cpas_per_firm": args.cpas,
            "client_processes": parties,
            "interval_s": args.interval,
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "seed_s": round(seed_s, 1),
            "server_alive": server_exit is None,
            "ops": summarise(latencies, outcomes, {"polls": args.poll_seconds, "mixed": args.mixed_seconds}),
        }
        print(json.dumps(result, ensure_ascii=False))
    finally:
        if process is not None:
            stop_server(process)
        if args.db == "postgres":
            drop_postgres(pg_name)
        if args.server_log and (work / "server.log").exists():
            shutil.copyfile(work / "server.log", args.server_log)
        shutil.rmtree(work, ignore_errors=True)  # the server's log and, without --data-dir, the data
    return 0


if __name__ == "__main__":
    sys.exit(main())
