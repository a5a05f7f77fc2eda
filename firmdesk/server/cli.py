"""`firmdesk-server`: run the reference server, fill it with demo data, and act as a CPA or the institute.

The acting commands talk to a running server over HTTP, like any other client, so a demo can go through
the whole inspection from a shell: a CPA applies, the firm (the desktop client) submits, the institute
decides. Refusals print the server's Chinese message and exit with status 1 (3: server unreachable).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from firmdesk.domain.batches import parse_batch_number
from firmdesk.domain.files import ALLOWED_TYPES
from firmdesk.domain.states import Decision, status_label
from firmdesk.server.config import NO_PUBLIC_BASE_URL_WARNING, Settings
from firmdesk.server.samples import sample_material

DEFAULT_SERVER = "http://127.0.0.1:8000"
API = "/api/v1"
EXIT_REFUSED = 1
EXIT_UNREACHABLE = 3
#: The database is stamped with a migration revision this version does not know (`serve`).
EXIT_UNKNOWN_REVISION = 4


class CliError(Exception):
    """A refusal or failure to report to the user (Chinese message) with the exit status to end with."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


# ----------------------------------------------------------------------------------------------
# HTTP


class ApiSession:
    """One signed-in role on a running server: JSON in and out, the server's message on refusal."""

    def __init__(self, server: str, *, timeout: float = 30, transport: httpx.BaseTransport | None = None) -> None:
        self.server = server.rstrip("/")
        self._http = httpx.Client(base_url=self.server + API, timeout=timeout, transport=transport)

    def __enter__(self) -> ApiSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def login(self, user_type: str, member_no: str, password: str) -> dict[str, Any]:
        body = {"user_type": user_type, "member_no": member_no, "password": password}
        result: dict[str, Any] = self.call("POST", "/auth/login", json=body)
        self._http.headers["Authorization"] = f"Bearer {result['token']}"
        return result

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.call("POST", path, **kwargs)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.raw(method, path, **kwargs)
        return response.json() if response.content else None

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The answer as it came (a file), or the server's refusal as a `CliError`."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise CliError(f"无法连接服务器 {self.server}：{error}", EXIT_UNREACHABLE) from error
        if response.is_error:
            raise CliError(_error_message(response))
        return response


def _error_message(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, str) and detail:
        return detail
    return f"服务器拒绝了请求（HTTP {response.status_code}）"


# ----------------------------------------------------------------------------------------------
# Printing (Chinese labels; tables aligned for wide characters)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())


def print_fields(pairs: Sequence[tuple[str, object]]) -> None:
    width = max(_width(label) for label, _ in pairs)
    for label, value in pairs:
        print(f"{_pad(label, width)}：{'' if value is None else value}")


def _day(iso: str | None) -> str:
    return (iso or "")[:10]


# ----------------------------------------------------------------------------------------------
# Acting as a CPA


@contextmanager
def _signed_in(args: argparse.Namespace, user_type: str, member_no: str) -> Iterator[ApiSession]:
    with ApiSession(args.server) as api:
        who = api.login(user_type, member_no, args.password)
        print(f"已登录：{who['name']}（{member_no}）")
        try:
            yield api
        finally:
            with suppress(CliError):  # the token would expire anyway
                api.post("/auth/logout")


def _cpa_session(args: argparse.Namespace) -> AbstractContextManager[ApiSession]:
    return _signed_in(args, "cpa", args.cert_no)


def _current_application(api: ApiSession, year: int) -> dict[str, Any] | None:
    return next((a for a in api.get("/cpa/applications") if a["year"] == year), None)


def _this_years_application(api: ApiSession) -> dict[str, Any]:
    """This year's application (started now, after the institute's notice, if there is none)."""
    notice = api.get("/cpa/notice")
    year = notice["year"]
    summary = _current_application(api, year)
    if summary is None:
        print(f"\n【{year}年度年检申请提示】\n{notice['notice']}\n")
        summary = api.post("/cpa/applications", json={"year": year})
        print(f"已新建{year}年度年检申请（申请编号 {summary['id']}）")
    else:
        print(f"{year}年度年检申请（申请编号 {summary['id']}）：{status_label(summary['status'])}")
    application: dict[str, Any] = api.get(f"/cpa/applications/{summary['id']}")
    return application


def _upload_missing(api: ApiSession, application: dict[str, Any], cert_no: str) -> None:
    uploaded = {a["material"] for a in application["attachments"]}
    for material in application["required_materials"]:
        if material in uploaded:
            continue
        name, data = sample_material(material, cert_no)
        mime = ALLOWED_TYPES[name.rsplit(".", 1)[1]]
        stored = api.post(
            f"/cpa/applications/{application['id']}/attachments",
            files={"file": (name, data, mime)},
            data={"material": material},
        )
        print(f"已上传材料：{material}（{stored['original_name']}，{stored['size']} 字节）")


def _face(api: ApiSession, application_id: int, passed: bool) -> dict[str, Any]:
    session = api.post(f"/cpa/applications/{application_id}/face-sessions")
    print(f"人脸认证会话已创建，今日剩余次数：{session['remaining_today']}")
    result: dict[str, Any] = api.post(f"/face/{session['token']}/result", json={"passed": passed})
    print(f"人脸认证结果：{'通过' if result['status'] == 'passed' else '未通过'}")
    return result


def cpa_apply(args: argparse.Namespace, *, passed: bool = True) -> None:
    with _cpa_session(args) as api:
        application = _this_years_application(api)
        _upload_missing(api, application, args.cert_no)
        result = _face(api, application["id"], passed)
        print(f"申请状态：{status_label(result['application_status'])}")
        if result.get("notice"):
            print(f"\n【提示】{result['notice']}")


def cpa_resubmit(args: argparse.Namespace) -> None:
    with _cpa_session(args) as api:
        year = api.get("/cpa/notice")["year"]
        summary = _current_application(api, year)
        if summary is None:
            raise CliError(f"尚未提交{year}年度年检申请，请先申请")
        if summary.get("reason"):
            print(f"退回原因：{summary['reason']}")
        application = api.post(f"/cpa/applications/{summary['id']}/resubmit")
        print(f"已再次申请，申请状态：{status_label(application['status'])}")


def cpa_status(args: argparse.Namespace) -> None:
    with _cpa_session(args) as api:
        profile = api.get("/cpa/profile")
        print_fields(
            [
                ("事务所", f"{profile['firm_name']}（{profile['firm_number']}）"),
                ("离退休", "是" if profile["retired"] else "否"),
            ]
        )
        print("\n历年年检：")
        rows = [(a["year"], status_label(a["status"]), a.get("reason") or "") for a in api.get("/cpa/applications")]
        print_table(["年检年度", "状态", "原因"], rows)
        messages = api.get("/cpa/messages")
        print(f"\n消息（{len(messages)}）：")
        for message in messages:
            print(f"- {_day(message['created_at'])} {message['title']}：{message['body']}")


# ----------------------------------------------------------------------------------------------
# Acting as the institute


def _institute_session(args: argparse.Namespace) -> AbstractContextManager[ApiSession]:
    return _signed_in(args, "institute", args.code)


def _batch_id(api: ApiSession, batch: str) -> int:
    """A batch given by id or by number (e.g. 50010028-2025-3)."""
    if batch.isdigit():
        return int(batch)
    try:
        firm, year, _seq = parse_batch_number(batch)
    except ValueError:
        raise CliError(f"批次“{batch}”既不是批次编号也不是批次 ID") from None
    page = api.get("/institute/batches", year=year, firm=firm, page_size=10000)
    for row in page["items"]:
        if row["number"] == batch:
            return int(row["id"])
    raise CliError(f"未找到年检批次 {batch}")


def _print_batches(rows: Sequence[dict[str, Any]]) -> None:
    print_table(
        ["ID", "年检批次编号", "事务所名称", "年检年度", "申请时间", "处理状态", "人数", "退回原因"],
        [
            (
                b["id"],
                b["number"],
                b["firm_name"],
                b["year"],
                _day(b["submitted_at"]),
                b["state_label"],
                b["cpa_count"],
                b.get("return_reason") or "",
            )
            for b in rows
        ],
    )


def _print_batch_detail(detail: dict[str, Any]) -> None:
    _print_batches([detail["batch"]])
    print()
    print_table(
        ["申请ID", "证书编号", "姓名", "状态", "原因"],
        [
            (r["application_id"], r["cert_no"], r["name"], r["status_label"], r.get("reason") or "")
            for r in detail["applications"]
        ],
    )


def institute_list(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        page = api.get("/institute/batches", year=args.year, state=args.state, page_size=10000)
        print(f"共 {page['total']} 个批次")
        _print_batches(page["items"])


def institute_show(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        _print_batch_detail(api.get(f"/institute/batches/{_batch_id(api, args.batch)}"))


def institute_approve_all(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        detail = api.post(f"/institute/batches/{_batch_id(api, args.batch)}/approve-all")
        print("已全部年检通过：")
        _print_batch_detail(detail)


def institute_return_batch(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        detail = api.post(f"/institute/batches/{_batch_id(api, args.batch)}/return", json={"reason": args.reason})
        print("已退回批次：")
        _print_batch_detail(detail)


def institute_decide(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        body = {"decision": args.decision, "reason": args.reason}
        row = api.post(f"/institute/applications/{args.application_id}/decision", json=body)
        print_fields(
            [
                ("证书编号", row["cert_no"]),
                ("姓名", row["name"]),
                ("状态", row["status_label"]),
                ("原因", row.get("reason") or ""),
            ]
        )


def _print_extensions(rows: Sequence[dict[str, Any]]) -> None:
    print_table(
        ["ID", "对象", "延期至", "原因", "批准人", "状态"],
        [
            (
                e["id"],
                f"注册会计师 {e['cpa_name']}（{e['cert_no']}）"
                if e["target"] == "cpa"
                else f"事务所 {e['firm_number']}",
                e["until"],
                e["reason"],
                e.get("granted_by") or "",
                "有效"
                if e["active"]
                else f"已撤销（{e.get('revoked_by') or ''}）"
                if e.get("revoked_at")
                else "已到期",
            )
            for e in rows
        ],
    )


def institute_extend(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        body = {"firm_number": args.firm, "cert_no": args.cert_no, "until": args.until, "reason": args.reason}
        extension = api.post("/institute/extensions", json=body)
        print("已批准延期：")
        _print_extensions([extension])


def institute_extensions(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        rows = api.get("/institute/extensions", year=args.year, active=None if args.all else "true")
        print(f"共 {len(rows)} 条延期")
        _print_extensions(rows)


def institute_revoke_extension(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        extension = api.post(f"/institute/extensions/{args.extension_id}/revoke", json={"reason": args.reason})
        print("已撤销延期：")
        _print_extensions([extension])


def institute_identity_check(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        body = {"checked_on": args.on or _china_today(), "document_type": args.document, "note": args.note}
        result = api.post(f"/institute/applications/{args.application_id}/identity-check", json=body)
        check, row = result["check"], result["row"]
        print_fields(
            [
                ("注册会计师", f"{check['name']}（{check['cert_no']}）"),
                ("核验日期", check["checked_on"]),
                ("核验证件", check["document_type"]),
                ("核验人", check.get("checked_by") or ""),
                ("申请状态", row["status_label"]),
            ]
        )


def institute_reinspect(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        body = {"outcome": args.outcome, "reason": args.reason}
        row = api.post(f"/institute/applications/{args.application_id}/reinspection", json=body)
        print_fields([("证书编号", row["cert_no"]), ("姓名", row["name"]), ("复检后状态", row["status_label"])])


_SETTING_OPTIONS = {
    "year": "current_year",
    "window_start": "window_start",
    "deadline": "deadline",
    "min_hours": "min_training_hours",
}


def institute_settings(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        config: dict[str, Any] = api.get("/institute/config")
        changes = {key: getattr(args, option) for option, key in _SETTING_OPTIONS.items() if getattr(args, option)}
        if changes:
            config = api.call("PUT", "/institute/config", json={**config, **changes})
            print("已保存设置：")
        print_fields(
            [
                ("年检年度", config["current_year"]),
                ("申请期限", f"{config['window_start']} 至 {config['deadline']}"),
                ("最低培训学时", config["min_training_hours"]),
                ("在职材料", "、".join(config["materials_working"])),
                ("离退休材料", "、".join(config["materials_retired"])),
            ]
        )


def institute_stats(args: argparse.Namespace) -> None:
    with _institute_session(args) as api:
        stats = api.get("/institute/statistics", year=args.year)
        columns = ["cpas", "applied", "pending_firm", "returned", "submitted", "approved", "deferred", "failed"]
        headers = ["人数", "已申请", "待事务所审核", "退回待修改", "已提交", "年检通过", "暂缓年检", "不予通过"]
        rows = [[f["firm_number"], f["firm_name"], *(f[c] for c in columns), f["not_applied"]] for f in stats["firms"]]
        rows.append(["全省合计", "", *(stats["province"][c] for c in columns), stats["province"]["not_applied"]])
        print(f"{stats['year']} 年度（截止日期 {stats.get('deadline') or '—'}）")
        print_table(["事务所编号", "事务所名称", *headers, "未申请"], rows)
        if args.excel:
            response = api.raw("GET", "/institute/statistics.xlsx", params={"year": args.year} if args.year else {})
            Path(args.excel).write_bytes(response.content)
            print(f"已导出：{args.excel}")


def _china_today() -> str:
    from firmdesk.server.services.clock import china_today

    return china_today().isoformat()


# ----------------------------------------------------------------------------------------------
# Local commands: serve, seed-demo, generate-firm


def _settings(args: argparse.Namespace, **extra: object) -> Settings:
    """Settings from the environment (`CMIS_*`), overridden by the options given."""
    values: dict[str, Any] = {"data_dir": getattr(args, "data_dir", None), **extra}
    return Settings(**{k: v for k, v in values.items() if v is not None})


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    from firmdesk.server.app import create_app

    settings = _settings(args, public_base_url=args.public_base_url, auto_review=args.auto_review or None)
    print(f"数据目录：{settings.data_dir}")
    if settings.public_base_url is None:
        logging.getLogger("firmdesk.server").warning(NO_PUBLIC_BASE_URL_WARNING)
    _refuse_unknown_revision(settings)
    # proxy_headers=False: X-Forwarded-For counts only from CMIS_TRUSTED_PROXIES (firmdesk.server.client_address).
    if args.workers <= 1:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, proxy_headers=False)  # migrates the DB
        return
    _serve_workers(settings, args.host, args.port, args.workers)


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """`workers` uvicorn worker processes on one port, each building the app from the environment (`CMIS_*`).

    Everything they must agree on is in the database (tokens, lockouts, idempotency keys, rate limits, face
    quotas), so any worker can answer any request. The database is migrated here, once, before they start; the
    auto-review (one reviewer, not one per worker) runs in this supervising process."""
    import uvicorn

    from firmdesk.server.autoreview import AutoReviewer
    from firmdesk.server.context import ServerContext
    from firmdesk.server.db.session import migrate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings)
    # The workers read their settings from the environment: hand them the options given here.
    os.environ["CMIS_DATA_DIR"] = str(settings.data_dir)
    if settings.public_base_url:
        os.environ["CMIS_PUBLIC_BASE_URL"] = settings.public_base_url
    os.environ["CMIS_AUTO_REVIEW"] = "false"
    reviewer = None
    if settings.auto_review:
        reviewer = AutoReviewer(ServerContext.build(settings))
        reviewer.start()
    print(f"工作进程：{workers}")
    try:
        uvicorn.run(
            "firmdesk.server.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=False,
        )
    finally:
        if reviewer is not None:
            reviewer.stop()
            reviewer.context.engine.dispose()


def _refuse_unknown_revision(settings: Settings) -> None:
    from firmdesk.server.db.revisions import unknown_revision_message, unknown_revisions

    unknown = unknown_revisions(settings)
    if unknown:
        raise CliError(unknown_revision_message(unknown), EXIT_UNKNOWN_REVISION)


def gc_command(args: argparse.Namespace) -> None:
    from firmdesk.domain.limits import human_size
    from firmdesk.server.db.session import make_engine, make_session_factory
    from firmdesk.server.services.garbage import collect
    from firmdesk.server.storage import AttachmentStore

    settings = _settings(args)
    _refuse_unknown_revision(settings)
    engine = make_engine(settings)
    try:
        report = collect(
            make_session_factory(engine, write=False),
            AttachmentStore(settings.attachments_dir),
            args.min_age_hours * 3600,
        )
    finally:
        engine.dispose()
    print(
        f"已删除 {report.removed} 个无引用的附件文件（{human_size(report.freed_bytes)}），"
        f"{report.kept_young} 个较新的暂时保留 / removed {report.removed} unreferenced attachment files "
        f"({report.freed_bytes} bytes), kept {report.kept_young} younger ones"
    )


def seed_demo_command(args: argparse.Namespace) -> None:
    from firmdesk.server.demo import (
        CPA_PASSWORD,
        DEMO_ADMINS,
        DEMO_INSTITUTE_CODE,
        DEMO_INSTITUTE_NAME,
        DEMO_INSTITUTE_STAFF,
        FIRM_PASSWORD,
        INSTITUTE_PASSWORD,
        SICHUAN_INSTITUTE_CODE,
        SICHUAN_INSTITUTE_NAME,
        seed_demo,
    )

    settings = _settings(args)
    if args.reset:
        _reset(settings)
    started = time.perf_counter()
    summary = _seed(lambda: seed_demo(settings))
    print(f"演示数据已生成（{settings.data_dir}，{time.perf_counter() - started:.1f} 秒）")
    window = summary.window
    print_fields(
        [
            *[
                (
                    f"地方注协 {code}",
                    f"{name}，登录名 "
                    + "、".join(
                        f"{login}（{person}）"
                        for login, person in ((code, DEMO_ADMINS[code]), *DEMO_INSTITUTE_STAFF.get(code, ()))
                    )
                    + f"，密码 {INSTITUTE_PASSWORD}",
                )
                for code, name in (
                    (DEMO_INSTITUTE_CODE, DEMO_INSTITUTE_NAME),
                    (SICHUAN_INSTITUTE_CODE, SICHUAN_INSTITUTE_NAME),
                )
            ],
            ("年检年度", f"{window.current_year}（{window.window_start} 至 {window.deadline}）"),
            *[
                (f"事务所 {number}", f"{count} 名注册会计师，密码 {FIRM_PASSWORD}")
                for number, count in summary.firms.items()
            ],
            ("注册会计师密码", CPA_PASSWORD),
            (
                "合计",
                f"年检申请 {summary.applications} 份，批次 {summary.batches} 个，"
                f"审批记录 {summary.events} 条，附件 {summary.attachments} 个",
            ),
        ]
    )


def generate_firm_command(args: argparse.Namespace) -> None:
    from firmdesk.server.demo import FIRM_PASSWORD, generate_firm

    settings = _settings(args)
    started = time.perf_counter()
    summary = _seed(lambda: generate_firm(settings, cpas=args.cpas, number=args.number, seed=args.seed))
    elapsed = time.perf_counter() - started
    ((number, count),) = summary.firms.items()
    print(f"已生成事务所 {number}（密码 {FIRM_PASSWORD}）：{count} 名注册会计师，用时 {elapsed:.1f} 秒")
    print(f"年检申请 {summary.applications} 份，批次 {summary.batches} 个，审批记录 {summary.events} 条")


def sample_file_command(args: argparse.Namespace) -> None:
    """Write a sample attachment for a material (a small real PDF or PNG) and print its path."""
    name, data = sample_material(args.material, args.owner)
    path = Path(args.output or name)
    path.write_bytes(data)
    print(path)


def _seed(make: Callable[[], Any]) -> Any:
    try:
        return make()
    except ValueError as error:
        raise CliError(str(error)) from error


def _reset(settings: Settings) -> None:
    """Empty the database (migrated down to nothing) and the attachment storage."""
    from alembic import command

    from firmdesk.server.db.session import alembic_config, make_engine

    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            config = alembic_config(engine.url.render_as_string(hide_password=False))
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            connection.commit()
    finally:
        engine.dispose()
    if settings.attachments_dir.exists():
        shutil.rmtree(settings.attachments_dir)
    print(f"已清空数据：{settings.data_dir}")


# ----------------------------------------------------------------------------------------------
# Arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firmdesk-server",
        description="CMIS 注册会计师年检参考服务器 (reference server for the CPA annual inspection)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_local_commands(commands)
    _add_cpa_commands(commands)
    _add_institute_commands(commands)
    return parser


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data folder (SQLite + attachments); default $CMIS_DATA_DIR or ./cmis-data")


def _add_local_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("serve", help="run the server (migrates the database first) / 启动服务器")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (default 1); with more, use PostgreSQL (CMIS_DATABASE_URL) for write-heavy loads",
    )
    _data_dir(run)
    run.add_argument("--auto-review", action="store_true", help="decide submitted batches automatically (demo)")
    run.add_argument("--public-base-url", help="base URL for QR and face-verification links")
    run.set_defaults(handler=serve)

    seed = commands.add_parser("seed-demo", help="fill the database with the demo data / 生成演示数据")
    _data_dir(seed)
    seed.add_argument("--reset", action="store_true", help="empty the database and attachments first")
    seed.set_defaults(handler=seed_demo_command)

    generate = commands.add_parser("generate-firm", help="add a generated firm of N CPAs / 生成指定规模的事务所")
    generate.add_argument("--cpas", type=int, required=True, help="number of CPAs (1-9999)")
    generate.add_argument("--number", help="firm number (8 digits); default: the next free 5001900x")
    generate.add_argument("--seed", type=int, default=0, help="random seed (same seed, same firm)")
    _data_dir(generate)
    generate.set_defaults(handler=generate_firm_command)

    gc = commands.add_parser("gc", help="remove unreferenced attachment files / 清理无引用的附件文件")
    _data_dir(gc)
    gc.add_argument("--min-age-hours", type=float, default=24, help="only files older than this (default 24)")
    gc.set_defaults(handler=gc_command)

    sample = commands.add_parser("sample-file", help="write a sample attachment (PDF/PNG) / 生成示例附件")
    sample.add_argument("material", help="material name, e.g. 社保证明材料")
    sample.add_argument("--owner", default="demo", help="certificate or firm number printed in the file")
    sample.add_argument("-o", "--output", help="file to write (default: <material>-<owner>.pdf|png here)")
    sample.set_defaults(handler=sample_file_command)


def _server(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", default=os.environ.get("CMIS_SERVER", DEFAULT_SERVER), help="server URL (default $CMIS_SERVER)"
    )


def _add_cpa_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cpa = commands.add_parser("cpa", help="act as a CPA on a running server / 以注册会计师身份操作")
    _server(cpa)
    cpa.add_argument("--cert-no", required=True, help="certificate number (12 digits)")
    cpa.add_argument("--password", required=True)
    actions = cpa.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("apply", help="start, upload materials, pass face verification").set_defaults(handler=cpa_apply)
    actions.add_parser("fail-face", help="as apply, but the face verification fails").set_defaults(
        handler=lambda args: cpa_apply(args, passed=False)
    )
    actions.add_parser("resubmit", help="resubmit a returned application").set_defaults(handler=cpa_resubmit)
    actions.add_parser("status", help="history and messages").set_defaults(handler=cpa_status)


def _add_institute_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    institute = commands.add_parser("institute", help="act as the institute on a running server / 以地方注协身份操作")
    _server(institute)
    institute.add_argument("--code", required=True, help="institute code (e.g. 50) or a staff login (e.g. 50-02)")
    institute.add_argument("--password", required=True)
    actions = institute.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="list batches")
    listing.add_argument("--year", type=int)
    listing.add_argument("--state", help="batch state(s), comma separated, e.g. submitted,reviewing")
    listing.set_defaults(handler=institute_list)
    for name, handler, text in (
        ("show", institute_show, "a batch's CPAs"),
        ("approve-all", institute_approve_all, "approve every CPA still submitted in the batch"),
        ("return-batch", institute_return_batch, "return the whole batch (--reason required)"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("batch", help="batch number (50010028-2025-3) or id")
        if name == "return-batch":
            action.add_argument("--reason", required=True)
        action.set_defaults(handler=handler)
    decide = actions.add_parser("decide", help="decide one application: approve, defer, fail or return")
    decide.add_argument("application_id", type=int)
    decide.add_argument("decision", choices=[d.value for d in Decision])
    decide.add_argument("--reason", help="required for defer, fail and return")
    decide.set_defaults(handler=institute_decide)
    _add_institute_rule_commands(actions)


def _add_institute_rule_commands(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The year's rules: extensions, 线下人工核验, 复检, settings, statistics."""
    extend = actions.add_parser("extend", help="grant an extension (延期) to a firm or a CPA")
    target = extend.add_mutually_exclusive_group(required=True)
    target.add_argument("--firm", help="firm number: the firm and its CPAs")
    target.add_argument("--cert-no", help="certificate number: that CPA")
    extend.add_argument("--until", required=True, help="last day of the extension (YYYY-MM-DD), after the deadline")
    extend.add_argument("--reason", required=True)
    extend.set_defaults(handler=institute_extend)
    listing = actions.add_parser("extensions", help="list the extensions in force (--all: every one)")
    listing.add_argument("--year", type=int)
    listing.add_argument("--all", action="store_true")
    listing.set_defaults(handler=institute_extensions)
    revoke = actions.add_parser("revoke-extension", help="revoke an extension")
    revoke.add_argument("extension_id", type=int)
    revoke.add_argument("--reason")
    revoke.set_defaults(handler=institute_revoke_extension)
    check = actions.add_parser("identity-check", help="record a 线下人工核验 (counts as face verification passed)")
    check.add_argument("application_id", type=int)
    check.add_argument("--document", required=True, help="e.g. 护照, 来往大陆通行证, 居民身份证")
    check.add_argument("--on", help="day of the check (YYYY-MM-DD); default today (China time)")
    check.add_argument("--note")
    check.set_defaults(handler=institute_identity_check)
    reinspect = actions.add_parser("reinspect", help="复检 of a deferred CPA: pass or fail")
    reinspect.add_argument("application_id", type=int)
    reinspect.add_argument("outcome", choices=["pass", "fail"])
    reinspect.add_argument("--reason", help="required for fail")
    reinspect.set_defaults(handler=institute_reinspect)
    settings = actions.add_parser("settings", help="show the settings; change the year, window or minimum hours")
    settings.add_argument("--year", type=int, help="current inspection year")
    settings.add_argument("--window-start", help="YYYY-MM-DD")
    settings.add_argument("--deadline", help="YYYY-MM-DD")
    settings.add_argument("--min-hours", type=float, help="minimum training hours")
    settings.set_defaults(handler=institute_settings)
    stats = actions.add_parser("stats", help="statistics per firm and for the province")
    stats.add_argument("--year", type=int)
    stats.add_argument("--excel", help="also save them as this .xlsx file")
    stats.set_defaults(handler=institute_stats)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except CliError as error:
        print(error.message, file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
