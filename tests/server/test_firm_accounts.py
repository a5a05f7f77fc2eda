"""A firm's named administrators: the 主管理员 manages 审核员 accounts, a 审核员 may not, a disabled or reset
审核员 is shut out at once, other firms see nothing, and every action names its person (trail, change feed,
操作日志)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.helpers.races import race
from tests.helpers.server import FIRM_PASSWORD, api_login
from tests.helpers.server_world import World, submit_batch

REVIEWER_PASSWORD = "reviewer-pass-1"


def _create(client: httpx.Client, login: str, name: str = "赵敏", password: str = REVIEWER_PASSWORD) -> httpx.Response:
    return client.post("/firm/accounts", json={"login": login, "person_name": name, "password": password})


def _reviewer(world: World, login: str = "50010028-02", name: str = "赵敏") -> tuple[int, httpx.Client]:
    answer = _create(world.firm_client(), login, name)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], api_login(world.server.base_url, "firm", login, REVIEWER_PASSWORD)


def test_the_main_administrator_creates_a_reviewer_who_signs_in_with_their_own_password(world: World) -> None:
    admin = world.firm_client()
    created = _create(admin, " 50010028-02 ", "  赵  敏 ")
    assert created.status_code == 201
    body = created.json()
    assert (body["login"], body["person_name"], body["account_role"], body["account_role_label"]) == (
        "50010028-02",
        "赵 敏",
        "reviewer",
        "审核员",
    )
    reviewer = api_login(world.server.base_url, "firm", "50010028-02", REVIEWER_PASSWORD)
    me = reviewer.get("/auth/me").json()
    assert (me["member_no"], me["name"], me["login"], me["account_role"]) == (
        world.firm.number,
        world.firm.name,
        "50010028-02",
        "reviewer",
    )
    listed = admin.get("/firm/accounts").json()
    assert [(a["login"], a["account_role_label"]) for a in listed] == [
        (world.firm.number, "主管理员"),
        ("50010028-02", "审核员"),
    ]
    reviewer.close()


@pytest.mark.parametrize(
    ("login", "password", "detail"),
    [
        ("50010031-02", REVIEWER_PASSWORD, "审核员登录名应为“50010028-两位序号”"),  # another firm's number
        ("50010028-01", REVIEWER_PASSWORD, "审核员登录名应为"),  # 01 would be the 主管理员
        ("50010028", REVIEWER_PASSWORD, "审核员登录名应为"),
        ("zhaomin", REVIEWER_PASSWORD, "审核员登录名应为"),
        ("50010028-03", "short", "密码至少 8 位"),
    ],
)
def test_bad_reviewer_accounts_are_refused_in_chinese(world: World, login: str, password: str, detail: str) -> None:
    answer = _create(world.firm_client(), login, password=password)
    assert answer.status_code == 422
    assert detail in answer.json()["detail"] and answer.json()["code"] == "invalid_input"


def test_a_login_in_use_is_refused_with_409(world: World) -> None:
    admin = world.firm_client()
    assert _create(admin, "50010028-02").status_code == 201
    again = _create(admin, "50010028-02", "钱进")
    assert (again.status_code, again.json()["code"]) == (409, "login_taken")
    assert "50010028-02 已被使用" in again.json()["detail"]


def test_two_administrators_creating_the_same_login_at_once_one_wins(world: World) -> None:
    admin = world.firm_client()
    second = api_login(world.server.base_url, "firm", world.firm.number, FIRM_PASSWORD)
    answers = race(lambda: _create(admin, "50010028-05", "甲"), lambda: _create(second, "50010028-05", "乙"))
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert [a["login"] for a in admin.get("/firm/accounts").json()].count("50010028-05") == 1
    second.close()


def test_a_reviewer_may_not_manage_accounts_or_read_the_operation_log(world: World) -> None:
    account_id, reviewer = _reviewer(world)
    for answer in (
        reviewer.get("/firm/accounts"),
        _create(reviewer, "50010028-03"),
        reviewer.post(f"/firm/accounts/{account_id}/disable"),
        reviewer.post(f"/firm/accounts/{account_id}/reset-password", json={"password": "another-pass"}),
        reviewer.get("/firm/operation-log"),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "admin_only"
        assert answer.json()["detail"].startswith("只有主管理员可以使用")
    # Everything else a 审核员 may do: here a return.
    application = world.builder.application(world.cpas[0])
    returned = reviewer.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "请补充"})
    assert returned.status_code == 200
    reviewer.close()


def test_a_disabled_reviewer_is_shut_out_at_once_and_can_come_back(world: World) -> None:
    account_id, reviewer = _reviewer(world)
    assert reviewer.get("/firm").status_code == 200
    admin = world.firm_client()
    assert admin.post(f"/firm/accounts/{account_id}/disable").json()["disabled"] is True
    refused = reviewer.get("/firm")
    assert (refused.status_code, refused.json()) == (
        401,
        {"detail": "该账户已停用，请联系管理员", "code": "unauthorized"},
    )
    login = httpx.post(
        f"{world.server.base_url}/api/v1/auth/login",
        json={"user_type": "firm", "member_no": "50010028-02", "password": REVIEWER_PASSWORD},
    )
    assert (login.status_code, login.json()["code"]) == (403, "account_disabled")
    # Enabled again: the old token stays revoked; a new sign-in works.
    assert admin.post(f"/firm/accounts/{account_id}/enable").json()["disabled"] is False
    assert reviewer.get("/firm").status_code == 401
    again = api_login(world.server.base_url, "firm", "50010028-02", REVIEWER_PASSWORD)
    assert again.get("/firm").status_code == 200
    again.close()
    reviewer.close()


def test_resetting_a_password_ends_the_reviewers_sessions(world: World) -> None:
    account_id, reviewer = _reviewer(world)
    admin = world.firm_client()
    reset = admin.post(f"/firm/accounts/{account_id}/reset-password", json={"password": "brand-new-pass"})
    assert reset.status_code == 200
    assert reviewer.get("/firm").status_code == 401
    with pytest.raises(httpx.HTTPStatusError):
        api_login(world.server.base_url, "firm", "50010028-02", REVIEWER_PASSWORD)
    api_login(world.server.base_url, "firm", "50010028-02", "brand-new-pass").close()
    reviewer.close()


def test_the_main_administrator_cannot_be_disabled_here(world: World) -> None:
    admin = world.firm_client()
    own_id = admin.get("/firm/accounts").json()[0]["id"]
    answer = admin.post(f"/firm/accounts/{own_id}/disable")
    assert answer.status_code == 409 and "主管理员账户不能" in answer.json()["detail"]


def test_another_firms_administrators_see_nothing_of_this_firms_people(world: World) -> None:
    account_id, reviewer = _reviewer(world)
    other = world.firm_client(world.other_firm)
    assert [a["login"] for a in other.get("/firm/accounts").json()] == [world.other_firm.number]
    for answer in (
        other.post(f"/firm/accounts/{account_id}/disable"),
        other.post(f"/firm/accounts/{account_id}/reset-password", json={"password": "another-pass"}),
    ):
        assert answer.status_code == 404 and answer.json() == {"detail": "未找到该账户", "code": "not_found"} | {
            "account_id": account_id
        }
    application = world.builder.application(world.cpas[0])
    reviewer.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "请补充"})
    assert other.get("/firm/operation-log").json()["total"] == 0
    assert reviewer.get("/firm").status_code == 200  # untouched
    reviewer.close()


def test_every_firm_action_names_its_person_in_the_trail_the_feed_and_the_log(world: World) -> None:
    _, reviewer = _reviewer(world)
    admin = world.firm_client()
    first, second = (world.builder.application(c) for c in world.cpas[:2])
    cursor = admin.get("/firm/changes", params={"since": 0}).json()["cursor"]
    reviewer.post("/firm/returns", json={"items": [{"application_id": first.id}], "reason": "请补充"})
    batch = submit_batch(admin, [second.id], key=str(uuid.uuid4())).json()["batch"]
    reviewer.post(f"/firm/batches/{batch['id']}/withdraw").raise_for_status()

    trail = admin.get(f"/firm/applications/{first.id}/trail").json()
    assert (trail[-1]["action"], trail[-1]["actor_name"], trail[-1]["actor_person"]) == (
        "firm_return",
        world.firm.name,
        "赵敏",
    )
    persons = [(e["action"], e["actor_person"]) for e in admin.get(f"/firm/batches/{batch['id']}").json()["events"]]
    assert persons == [("submit_batch", "王主管"), ("withdraw_batch", "赵敏")]

    feed = admin.get("/firm/changes", params={"since": cursor}).json()
    by_cpa = {row["application_id"]: row["updated_by"] for row in feed["cpas"]}
    assert by_cpa[first.id] == "赵敏" and by_cpa[second.id] == "赵敏"
    assert [b["updated_by"] for b in feed["batches"]] == ["赵敏"]

    log = admin.get("/firm/operation-log").json()
    # A batch action is one entry: the batch's.
    assert [(e["action"], e["person_name"], e["login"], e["batch_number"]) for e in log["items"]][:3] == [
        ("withdraw_batch", "赵敏", "50010028-02", batch["number"]),
        ("submit_batch", "王主管", world.firm.number, batch["number"]),
        ("firm_return", "赵敏", "50010028-02", None),
    ]
    created = log["items"][-1]
    assert (created["action_label"], created["subject_login"]) == ("新建审核员账户", "50010028-02（赵敏）")
    reviewer.close()


def test_the_operation_log_filters_by_person_action_and_day_and_pages(world: World) -> None:
    account_id, reviewer = _reviewer(world)
    admin = world.firm_client()
    apps = [world.builder.application(c) for c in world.cpas[:3]]
    for application in apps[:2]:
        reviewer.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "请补充"})
    admin.post("/firm/returns", json={"items": [{"application_id": apps[2].id}], "reason": "请补充"})

    by_reviewer = admin.get("/firm/operation-log", params={"account_id": account_id}).json()
    assert by_reviewer["total"] == 2
    assert {e["cpa_name"] for e in by_reviewer["items"]} == {c.name for c in world.cpas[:2]}
    returns = admin.get("/firm/operation-log", params={"action": "firm_return"}).json()
    assert returns["total"] == 3 and all(e["from_label"] == "待事务所审核" for e in returns["items"])
    page = admin.get("/firm/operation-log", params={"action": "firm_return", "page": 2, "page_size": 2}).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    none = admin.get("/firm/operation-log", params={"date_from": "2000-01-01", "date_to": "2000-01-31"}).json()
    assert none["total"] == 0
    bad = admin.get("/firm/operation-log", params={"action": "drop_tables"})
    assert bad.status_code == 422 and "未知的操作类型" in bad.json()["detail"]
    backwards = admin.get("/firm/operation-log", params={"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert backwards.status_code == 422 and backwards.json()["detail"] == "开始日期不能晚于结束日期"
    reviewer.close()
