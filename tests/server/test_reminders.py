"""Reminders to CPAs who have not applied, over real HTTP: inbox message and mail, one a day, the template and its
preview, the rows' 最近提醒 in the change feed, Idempotency-Key, races, automatic reminders, the contact list."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select

from firmdesk.domain.states import ApplicationState
from firmdesk.server.db.models import AutoReminderRun, Reminder
from firmdesk.server.services.reminders import run_auto_reminders
from tests.helpers.mail import OutboxProbe
from tests.helpers.races import race
from tests.helpers.server_world import World


@pytest.fixture
def season(outbox_probe: OutboxProbe) -> int:
    """The deadline 20 days away: the days left."""
    outbox_probe.set_deadline(20)
    return 20


def _remind(world: World, body: dict[str, object], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return world.firm_client().post("/firm/reminders", json=body, headers=headers)


def _row(world: World, cpa_id: int) -> dict[str, object]:
    rows = world.firm_client().get("/firm/cpas", params={"tab": "not_applied", "page_size": 100}).json()["items"]
    return next(r for r in rows if r["cpa_id"] == cpa_id)


def test_a_reminder_reaches_the_inbox_and_the_outbox_and_the_row(
    world: World, outbox_probe: OutboxProbe, season: int
) -> None:
    first, second = world.cpas[0], world.cpas[1]
    outbox_probe.set_email(first, "chen.jing@example.com")
    cursor = world.firm_client().get("/firm/changes").json()["cursor"]

    answer = _remind(world, {"cpa_ids": [first.id, second.id]})

    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["sent"], result["emailed"], result["no_email"], result["skipped"]) == (2, 1, 1, 0)
    [mail] = outbox_probe.mails()
    assert (mail.kind, mail.to_address, mail.subject) == (
        "reminder",
        "chen.jing@example.com",
        "2025年度注册会计师年检申请提醒",
    )
    assert f"距截止还有{season}天" in mail.body
    assert first.name in mail.body
    [message] = world.cpa_client(first).get("/cpa/messages").json()
    assert message["title"] == "2025年度注册会计师年检申请提醒"
    assert message["body"] == mail.body
    row = _row(world, first.id)
    assert row["reminder_count"] == 1
    assert row["last_reminded_at"] is not None
    changed = world.firm_client().get("/firm/changes", params={"since": cursor}).json()
    assert {r["cpa_id"] for r in changed["cpas"]} == {first.id, second.id}
    assert all(r["reminder_count"] == 1 for r in changed["cpas"])
    with outbox_probe.sessions() as session:
        reminder = session.scalars(select(Reminder).where(Reminder.cpa_id == first.id)).one()
    assert (reminder.actor_id, reminder.actor_person) == (world.firm.number, "王主管")


def test_a_cpa_is_reminded_at_most_once_a_day(world: World, outbox_probe: OutboxProbe, season: int) -> None:
    cpa = world.cpas[0]
    assert _remind(world, {"cpa_ids": [cpa.id]}).json()["sent"] == 1
    again = _remind(world, {"cpa_ids": [cpa.id]})
    assert again.status_code == 200
    [item] = again.json()["items"]
    assert (item["outcome"], item["detail"]) == ("skipped", "今天已提醒过")
    assert again.json()["skipped_today"] == 1
    assert len(world.cpa_client(cpa).get("/cpa/messages").json()) == 1


def test_all_not_applied_reminds_only_the_cpas_of_that_tab(world: World, season: int) -> None:
    pending, draft = world.cpas[0], world.cpas[1]
    world.builder.application(pending, ApplicationState.PENDING_FIRM)
    world.builder.application(draft, ApplicationState.DRAFT)
    result = _remind(world, {"all_not_applied": True}).json()
    reminded = {i["cpa_id"] for i in result["items"] if i["outcome"] == "sent"}
    assert reminded == {c.id for c in world.cpas} - {pending.id}
    assert world.other_cpa.id not in {i["cpa_id"] for i in result["items"]}
    chosen = _remind(world, {"cpa_ids": [pending.id]}).json()["items"][0]
    assert chosen["outcome"] == "skipped"
    assert "已提交年检申请" in chosen["detail"]


def test_another_firms_cpa_is_not_found_and_not_reminded(world: World, season: int) -> None:
    [item] = _remind(world, {"cpa_ids": [world.other_cpa.id]}).json()["items"]
    assert (item["outcome"], item["detail"], item["name"]) == ("skipped", "未找到该注册会计师", None)
    assert world.cpa_client(world.other_cpa).get("/cpa/messages").json() == []


def test_nothing_chosen_is_refused(world: World, season: int) -> None:
    answer = _remind(world, {"cpa_ids": []})
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_input")


def test_the_template_is_kept_per_firm_checked_and_previewed_without_sending(
    world: World, outbox_probe: OutboxProbe, season: int
) -> None:
    firm = world.firm_client()
    defaults = firm.get("/firm/reminders/settings").json()
    assert defaults["template"] == defaults["default_template"]
    assert "{剩余天数}" in defaults["placeholders"]
    bad = firm.put("/firm/reminders/settings", json={"template": "请于{截至日期}前申请"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")
    assert "{截至日期}" in bad.json()["detail"]
    template = "{姓名}：请于{截止日期}前申请（还剩{剩余天数}天）。{事务所}"
    saved = firm.put("/firm/reminders/settings", json={"template": template}).json()
    assert saved["template"] == template
    other = world.firm_client(world.other_firm).get("/firm/reminders/settings").json()
    assert other["template"] == other["default_template"]

    cpa = world.cpas[0]
    preview = firm.post("/firm/reminders/preview", json={"cpa_id": cpa.id}).json()
    deadline = outbox_probe.set_deadline(season)
    expected_day = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    assert preview["body"] == f"{cpa.name}：请于{expected_day}前申请（还剩{season}天）。{world.firm.name}"
    assert preview["refusal"] is None
    unsaved = firm.post("/firm/reminders/preview", json={"cpa_id": cpa.id, "template": "{年度}年度"}).json()
    assert unsaved["body"] == "2025年度"
    assert outbox_probe.mails() == []
    assert world.cpa_client(cpa).get("/cpa/messages").json() == []
    missing = firm.post("/firm/reminders/preview", json={"cpa_id": world.other_cpa.id})
    assert missing.status_code == 404


def test_a_repeated_request_with_the_same_key_reminds_once(world: World, season: int) -> None:
    cpa = world.cpas[0]
    key = str(uuid.uuid4())
    first = _remind(world, {"cpa_ids": [cpa.id]}, key)
    second = _remind(world, {"cpa_ids": [cpa.id]}, key)
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert len(world.cpa_client(cpa).get("/cpa/messages").json()) == 1


def test_two_firm_requests_racing_remind_a_cpa_once(world: World, outbox_probe: OutboxProbe, season: int) -> None:
    cpa = world.cpas[0]
    outbox_probe.set_email(cpa, "race@example.com")
    firm = world.firm_client()
    answers = race(*[lambda: firm.post("/firm/reminders", json={"cpa_ids": [cpa.id]}) for _ in range(3)])
    assert {a.status_code for a in answers} == {200}
    assert sorted(a.json()["sent"] for a in answers) == [0, 0, 1]
    assert len(outbox_probe.mails()) == 1
    assert len(world.cpa_client(cpa).get("/cpa/messages").json()) == 1


def test_after_the_deadline_reminders_are_refused(world: World, outbox_probe: OutboxProbe) -> None:
    outbox_probe.set_deadline(-1)
    answer = _remind(world, {"all_not_applied": True})
    assert (answer.status_code, answer.json()["code"]) == (409, "transition_refused")
    assert "已截止" in answer.json()["detail"]


def test_a_cpa_reminds_nobody(world: World, season: int) -> None:
    answer = world.cpa_client(world.cpas[0]).post("/firm/reminders", json={"all_not_applied": True})
    assert answer.status_code == 403


@pytest.mark.parametrize("days_left, mark", [(30, 30), (12, 14), (3, 3)])
def test_automatic_reminders_go_out_once_per_day_mark(
    world: World, outbox_probe: OutboxProbe, days_left: int, mark: int
) -> None:
    outbox_probe.set_deadline(days_left)
    world.firm_client().put("/firm/reminders/settings", json={"auto_enabled": True}).raise_for_status()
    sessions = outbox_probe.sessions

    first = run_auto_reminders(sessions)
    second = run_auto_reminders(sessions)

    assert (first, second) == (len(world.cpas), 0)
    with sessions() as session:
        marks = list(session.scalars(select(AutoReminderRun.days_mark)))
        automatic = session.scalar(select(func.count(Reminder.id)).where(Reminder.days_mark == mark))
    assert marks == [mark]
    assert automatic == len(world.cpas)
    assert world.cpa_client(world.other_cpa).get("/cpa/messages").json() == []  # the other firm did not switch on


def test_automatic_reminders_stay_off_unless_switched_on_and_outside_the_marks(
    world: World, outbox_probe: OutboxProbe
) -> None:
    outbox_probe.set_deadline(14)
    assert run_auto_reminders(outbox_probe.sessions) == 0
    world.firm_client().put("/firm/reminders/settings", json={"auto_enabled": True}).raise_for_status()
    outbox_probe.set_deadline(31)
    assert run_auto_reminders(outbox_probe.sessions) == 0


def test_the_contact_list_has_phone_email_state_and_last_reminder(
    world: World, outbox_probe: OutboxProbe, season: int
) -> None:
    cpa = world.cpas[0]
    outbox_probe.set_email(cpa, "liu.yang@example.com")
    world.builder.application(world.cpas[1], ApplicationState.PENDING_FIRM)
    _remind(world, {"cpa_ids": [cpa.id]}).raise_for_status()
    contacts = world.firm_client().get("/firm/reminders/contacts").json()
    assert [c["cert_no"] for c in contacts] == sorted(c.cert_no for c in world.cpas if c.id != world.cpas[1].id)
    first = next(c for c in contacts if c["cpa_id"] == cpa.id)
    assert (first["email"], first["status_label"], first["reminder_count"]) == ("liu.yang@example.com", "未申请", 1)
    assert first["last_reminded_at"].endswith("Z")


def test_a_reminder_names_its_person_in_the_operation_log_and_the_trail(world: World, season: int) -> None:
    first, second = world.cpas[0], world.cpas[1]
    draft = world.builder.application(second, state=ApplicationState.DRAFT)

    assert _remind(world, {"cpa_ids": [first.id, second.id]}).json()["sent"] == 2

    log = world.firm_client().get("/firm/operation-log", params={"action": "remind"}).json()
    assert log["total"] == 2
    assert {(e["person_name"], e["reason"]) for e in log["items"]} == {
        ("王主管", f"提醒 {first.name}（{first.cert_no}）"),
        ("王主管", f"提醒 {second.name}（{second.cert_no}）"),
    }
    trail = world.firm_client().get(f"/firm/applications/{draft.id}/trail").json()
    assert [(e["action"], e["actor_person"]) for e in trail if e["action"] == "remind"] == [("remind", "王主管")]
