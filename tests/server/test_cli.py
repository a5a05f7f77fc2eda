"""`firmdesk-server`: the local commands fill a data folder; the acting commands drive a running server."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from firmdesk.domain.limits import SOCIAL_SECURITY_MATERIAL
from firmdesk.server.cli import main
from firmdesk.server.config import Settings
from firmdesk.server.demo import (
    CPA_PASSWORD,
    CURRENT_YEAR,
    DEMO_FIRM_NUMBER,
    DEMO_INSTITUTE_CODE,
    FIRM_PASSWORD,
    INSTITUTE_PASSWORD,
    seed_demo,
)
from firmdesk.server.runner import ServerThread
from firmdesk.server.samples import sample_material
from tests.helpers.server import api_login


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands build their Settings from the environment: make argon2 cheap for tests."""
    monkeypatch.setenv("CMIS_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("CMIS_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("CMIS_ARGON2_PARALLELISM", "1")


@pytest.fixture(autouse=True)
def database_of_the_run(monkeypatch: pytest.MonkeyPatch, new_database_url: Callable[[], str | None]) -> str | None:
    """The local commands write to the run's backend: a fresh PostgreSQL schema, or the data folder's SQLite file."""
    url = new_database_url()
    if url is None:
        monkeypatch.delenv("CMIS_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("CMIS_DATABASE_URL", url)
    return url


def test_seed_demo_prints_the_accounts_and_refuses_a_second_time_without_reset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database_of_the_run: str | None
) -> None:
    code, out, _ = run(capsys, "seed-demo", "--data-dir", str(tmp_path))
    assert code == 0
    assert "50010028" in out and "demo1234" in out and "cpa12345" in out and "demo-institute" in out
    assert (tmp_path / "attachments").is_dir()
    assert (tmp_path / "cmis.sqlite3").exists() == (database_of_the_run is None)

    code, _, err = run(capsys, "seed-demo", "--data-dir", str(tmp_path))
    assert code == 1 and "--reset" in err

    code, out, _ = run(capsys, "seed-demo", "--data-dir", str(tmp_path), "--reset")
    assert code == 0 and "已清空数据" in out and "60 名注册会计师" in out


def test_generate_firm_adds_a_firm_of_the_requested_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "generate-firm", "--cpas", "120", "--number", "50017777", "--data-dir", str(tmp_path))
    assert code == 0 and "50017777" in out and "120 名注册会计师" in out

    code, _, err = run(capsys, "generate-firm", "--cpas", "5", "--number", "50017777", "--data-dir", str(tmp_path))
    assert code == 1 and "已存在" in err


def test_the_server_writes_after_generate_firm_and_seed_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The seeding inserts its own ids: on PostgreSQL the sequences must then be past them, or the server's
    first insert of a batch, an event or a message collides with a seeded row (a 500)."""
    assert run(capsys, "generate-firm", "--cpas", "40", "--number", "50017777", "--data-dir", str(tmp_path))[0] == 0
    assert run(capsys, "seed-demo", "--data-dir", str(tmp_path))[0] == 0
    with ServerThread(Settings(data_dir=tmp_path)) as server:
        for number in ("50017777", DEMO_FIRM_NUMBER):
            firm = api_login(server.base_url, "firm", number, FIRM_PASSWORD)
            pending = firm.get("/firm/cpas", params={"year": CURRENT_YEAR, "tab": "pending_review"}).json()["items"]
            assert len(pending) >= 3, number
            first, second, third = (row["application_id"] for row in pending[:3])
            batch = submit_batch(firm, [first, second], number)
            assert batch["number"].startswith(f"{number}-{CURRENT_YEAR}-")
            returned = firm.post("/firm/returns", json={"items": [{"application_id": third}], "reason": "请补充材料"})
            assert returned.status_code == 200, returned.text
            withdrawn = firm.post(f"/firm/batches/{batch['id']}/withdraw")
            assert withdrawn.status_code == 200, withdrawn.text
            firm.close()


def test_acting_against_no_server_says_so_and_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["cpa", "--server", f"http://127.0.0.1:{port}", "--cert-no", "500100280001", "--password", "x", "apply"]
    code, _, err = run(capsys, *argv)
    assert code == 3 and "无法连接服务器" in err


def test_a_decision_needs_a_known_decision_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["institute", "--code", "50", "--password", "p", "decide", "7", "maybe"])


# ----------------------------------------------------------------------------------------------
# Acting on a running server (the real one, over HTTP)


@pytest.fixture
def demo_server(live_server: ServerThread) -> ServerThread:
    seed_demo(live_server.settings)
    return live_server


def firm_client(server: ServerThread) -> httpx.Client:
    return api_login(server.base_url, "firm", DEMO_FIRM_NUMBER, FIRM_PASSWORD)


def not_applied_cert_no(firm: httpx.Client) -> str:
    page = firm.get("/firm/cpas", params={"year": CURRENT_YEAR, "status": "none", "page_size": 1}).json()
    return page["items"][0]["cert_no"]


def row_of(firm: httpx.Client, cert_no: str) -> dict:
    page = firm.get("/firm/cpas", params={"year": CURRENT_YEAR, "q": cert_no}).json()
    return page["items"][0]


def submit_batch(firm: httpx.Client, application_ids: list[int], firm_number: str = DEMO_FIRM_NUMBER) -> dict:
    name, data = sample_material(SOCIAL_SECURITY_MATERIAL, firm_number)
    answer = firm.post(
        "/firm/batches",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        data={
            "year": str(CURRENT_YEAR),
            "application_ids": [str(i) for i in application_ids],
            "materials": [SOCIAL_SECURITY_MATERIAL],
        },
        files=[("files", (name, data, "application/pdf"))],
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["batch"]


def test_cli_drives_a_cpa_and_the_institute_through_a_whole_cycle(
    demo_server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    server = demo_server.base_url
    firm = firm_client(demo_server)
    cert_no = not_applied_cert_no(firm)
    cpa = ["cpa", "--server", server, "--cert-no", cert_no, "--password", CPA_PASSWORD]
    institute = ["institute", "--server", server, "--code", DEMO_INSTITUTE_CODE, "--password", INSTITUTE_PASSWORD]

    code, out, _ = run(capsys, *cpa, "fail-face")
    assert code == 0 and "人脸认证结果：未通过" in out and "已上传材料" in out
    assert row_of(firm, cert_no)["status"] == "draft"

    code, out, _ = run(capsys, *cpa, "apply")
    assert code == 0 and "人脸认证结果：通过" in out and "待事务所审核" in out
    row = row_of(firm, cert_no)
    assert row["status"] == "pending_firm" and row["attachment_count"] >= 2

    reason = "执业情况说明缺少本人签字"
    firm.post("/firm/returns", json={"items": [{"application_id": row["application_id"]}], "reason": reason})
    code, out, _ = run(capsys, *cpa, "resubmit")
    assert code == 0 and reason in out and "待事务所审核" in out

    batch = submit_batch(firm, [row["application_id"]])
    code, out, _ = run(capsys, *institute, "list", "--state", "submitted")
    assert code == 0 and batch["number"] in out

    code, out, _ = run(capsys, *institute, "approve-all", batch["number"])
    assert code == 0 and "年检通过" in out and "已审核" in out
    assert row_of(firm, cert_no)["status"] == "approved"

    code, _, err = run(capsys, *institute, "approve-all", batch["number"])
    assert code == 1 and err.strip()  # the server's Chinese refusal


def test_cli_institute_returns_a_batch_and_decides_one_cpa(
    demo_server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    firm = firm_client(demo_server)
    pending = firm.get("/firm/cpas", params={"year": CURRENT_YEAR, "tab": "pending_review"}).json()["items"]
    ids = [row["application_id"] for row in pending[:2]]
    batch = submit_batch(firm, ids)
    institute = ["institute", "--server", demo_server.base_url, "--code", "50", "--password", INSTITUTE_PASSWORD]

    code, out, _ = run(capsys, *institute, "return-batch", str(batch["id"]), "--reason", "社保证明材料未盖章")
    assert code == 0 and "已退回" in out and "社保证明材料未盖章" in out

    code, _, err = run(capsys, *institute, "decide", str(ids[0]), "defer")
    assert code == 1 and err.strip()  # returned batch: nothing to decide, and a deferral needs a reason

    code, out, _ = run(capsys, *institute, "show", batch["number"])
    assert code == 0 and all(str(i) in out for i in ids)


def test_cli_refuses_with_the_servers_message_on_a_wrong_password(
    demo_server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["cpa", "--server", demo_server.base_url, "--cert-no", "500100280001", "--password", "wrong", "status"]
    code, _, err = run(capsys, *argv)
    assert code == 1 and "会员编号或密码错误" in err


# ----------------------------------------------------------------------------------------------
# The firm's people: 年检代提请, accounts, 操作日志


def test_cli_files_on_behalf_manages_accounts_and_reads_the_log(
    demo_server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    server = demo_server.base_url
    firm = firm_client(demo_server)
    cert_no = not_applied_cert_no(firm)
    reviewer = ["firm", "--server", server, "--login", f"{DEMO_FIRM_NUMBER}-02", "--password", FIRM_PASSWORD]
    admin = ["firm", "--server", server, "--login", DEMO_FIRM_NUMBER, "--password", FIRM_PASSWORD]

    code, out, _ = run(capsys, *reviewer, "on-behalf", cert_no, "--key", "cli-retry-1")
    assert code == 0 and "已代提请" in out and "待事务所审核" in out
    row = row_of(firm, cert_no)
    assert (row["status"], row["on_behalf"], row["updated_by"], row["year"]) == (
        "pending_firm",
        True,
        "王磊",
        CURRENT_YEAR,
    )
    code, out, _ = run(capsys, *reviewer, "on-behalf", cert_no, "--key", "cli-retry-1")
    assert code == 1  # the CPA has no 未申请 row any more: nothing is filed twice

    code, _, err = run(capsys, *reviewer, "accounts")
    assert code == 1 and "只有主管理员可以使用账户管理" in err

    code, out, _ = run(capsys, *admin, "add-reviewer", f"{DEMO_FIRM_NUMBER}-07", "钱进", "--new-password", "pass-1234")
    assert code == 0 and "已新建审核员：钱进" in out
    code, out, _ = run(capsys, *admin, "accounts")
    assert code == 0 and all(n in out for n in ("张丽", "王磊", "孙悦", "钱进"))
    code, out, _ = run(capsys, *admin, "log", "--action", "on_behalf")
    assert code == 0 and "王磊（50010028-02）" in out and "事务所代提请" in out
