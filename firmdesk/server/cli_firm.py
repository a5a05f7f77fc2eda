"""`firmdesk-server firm …`: act as a firm's administrator on a running server (over HTTP, like FirmDesk):
年检代提请 for a CPA, the firm's accounts, a 审核员 added, the 操作日志."""

from __future__ import annotations

import argparse
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

from firmdesk.domain.files import ALLOWED_TYPES
from firmdesk.domain.materials import on_behalf_materials
from firmdesk.server.cli import ApiSession, CliError, _day, _server, _signed_in, print_table
from firmdesk.server.samples import sample_material


def _firm_session(args: argparse.Namespace) -> AbstractContextManager[ApiSession]:
    return _signed_in(args, "firm", args.login)


def _given_files(pairs: list[str]) -> dict[str, Path]:
    """`--file 材料名=路径` options, by material."""
    files: dict[str, Path] = {}
    for pair in pairs:
        material, sep, path = pair.partition("=")
        if not sep or not material.strip() or not path:
            raise CliError(f"--file 的格式应为“材料名=文件路径”：{pair}")
        files[material.strip()] = Path(path)
    return files


def firm_on_behalf(args: argparse.Namespace) -> None:
    given = _given_files(args.file or [])
    with _firm_session(args) as api:
        firm = api.get("/firm")
        rows = api.get("/firm/cpas", q=args.cert_no, status="none", page_size=10)["items"]
        row = next((r for r in rows if r["cert_no"] == args.cert_no), None)
        if row is None:
            raise CliError(f"本所没有本年度尚未申请的注册会计师 {args.cert_no}")
        required = firm["materials_retired"] if args.retired else firm["materials_working"]
        parts = []
        for material in on_behalf_materials(required):
            if material in given:
                name, data = given[material].name, given[material].read_bytes()
            else:  # a generated sample stands for the material (demo and tests)
                name, data = sample_material(material, args.cert_no)
            parts.append(("files", (name, data, ALLOWED_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/pdf"))))
        answer = api.post(
            "/firm/applications/on-behalf",
            headers={"Idempotency-Key": args.key or str(uuid.uuid4())},
            data={
                "cpa_id": str(row["cpa_id"]),
                "retired": "true" if args.retired else "false",
                "materials": on_behalf_materials(required),
            },
            files=parts,
        )
        print(f"已代提请：{answer['name']}（{answer['cert_no']}），状态：{answer['status_label']}（代提请）")


def firm_accounts(args: argparse.Namespace) -> None:
    with _firm_session(args) as api:
        accounts = api.get("/firm/accounts")
        print_table(
            ["ID", "登录名", "姓名", "角色", "状态"],
            [
                (a["id"], a["login"], a["person_name"], a["account_role_label"], "已停用" if a["disabled"] else "正常")
                for a in accounts
            ],
        )


def firm_add_reviewer(args: argparse.Namespace) -> None:
    with _firm_session(args) as api:
        body = {"login": args.new_login, "person_name": args.name, "password": args.new_password}
        account = api.post("/firm/accounts", json=body)
        print(f"已新建审核员：{account['person_name']}（登录名 {account['login']}）")


def firm_log(args: argparse.Namespace) -> None:
    with _firm_session(args) as api:
        page = api.get("/firm/operation-log", action=args.action, page_size=args.limit)
        print(f"共 {page['total']} 条")
        print_table(
            ["时间", "人员", "操作", "对象", "原因"],
            [
                (
                    _day(e["at"]),
                    f"{e['person_name'] or ''}（{e['login'] or ''}）",
                    e["action_label"],
                    e["subject_login"] or e["cpa_name"] or e["batch_number"] or "",
                    e["reason"] or "",
                )
                for e in page["items"]
            ],
        )


def add_firm_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    firm = commands.add_parser("firm", help="act as a firm's administrator on a running server / 以事务所身份操作")
    _server(firm)
    firm.add_argument("--login", required=True, help="firm number (主管理员) or a 审核员's login (50010028-02)")
    firm.add_argument("--password", required=True)
    actions = firm.add_subparsers(dest="action", required=True, metavar="ACTION")
    on_behalf = actions.add_parser("on-behalf", help="年检代提请 for a CPA who has not applied")
    on_behalf.add_argument("cert_no", help="the CPA's certificate number")
    on_behalf.add_argument("--retired", action="store_true", help="离退休 (default 在职)")
    on_behalf.add_argument(
        "--file", action="append", help="材料名=文件路径 (repeatable; a missing material gets a generated sample)"
    )
    on_behalf.add_argument("--key", help="Idempotency-Key (repeat it to retry the same filing)")
    on_behalf.set_defaults(handler=firm_on_behalf)
    actions.add_parser("accounts", help="the firm's accounts (主管理员 only)").set_defaults(handler=firm_accounts)
    reviewer = actions.add_parser("add-reviewer", help="a new 审核员 (主管理员 only)")
    reviewer.add_argument("new_login", help="e.g. 50010028-04")
    reviewer.add_argument("name", help="the person's name")
    reviewer.add_argument("--new-password", required=True)
    reviewer.set_defaults(handler=firm_add_reviewer)
    log = actions.add_parser("log", help="操作日志 (主管理员 only)")
    log.add_argument("--action", help="action name(s), comma separated, e.g. firm_return,on_behalf")
    log.add_argument("--limit", type=int, default=50)
    log.set_defaults(handler=firm_log)
