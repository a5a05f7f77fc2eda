"""The public verification page of a CPA's QR code (`/v/{token}`, issue 6), over real HTTP.

A QR code made by the client's own renderer is decoded with zxing-cpp and the URL in it opened like a phone
would: the page shows who the CPA is and every year's result, and nothing private.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from firmdesk.domain.states import ApplicationState
from firmdesk.server.config import Settings, fast_test_settings
from firmdesk.server.db.models import Application, Cpa, Firm
from firmdesk.server.db.session import make_engine, make_session_factory
from firmdesk.server.demo import DEMO_FIRM_NUMBER, seed_demo
from firmdesk.server.ratelimit import PublicRateLimiter
from firmdesk.server.runner import ServerThread
from firmdesk.server.services.clock import CHINA
from firmdesk.services import qr_codes
from firmdesk.services.api_client import CmisClient
from firmdesk.services.models import CpaRow
from firmdesk.services.qr_labels import labels_for
from tests.helpers.server import CPA_PASSWORD, FIRM_PASSWORD, ServerBuilder, api_login
from tests.helpers.server_world import World, submit_batch

LABELS = {
    "approved": "年检通过",
    "deferred": "暂缓年检",
    "failed": "年检不予通过",
    "pending_firm": "审核中",
    "firm_returned": "审核中",
    "submitted": "审核中",
    "institute_returned": "审核中",
    "draft": "未申请",
    None: "未申请",
}
#: Distinctive private values written onto the CPAs under test, so that a leak cannot hide behind a common word.
PRIVATE = {
    "id_number": "500101198005016789",
    "phone": "13987654321",
    "hukou": "重庆市渝中区民生路88号",
    "native_place": "浙江省绍兴市",
    "ethnicity": "土家族",
    "political_status": "中共党员",
    "region": "重庆市渝中区",
}
BIRTH = date(1975, 8, 19)
BIRTH_FORMS = ("1975-08-19", "19750819", "1975年8月19日", "1975年08月19日", "1975/08/19", "1975.08.19")
PUBLIC_KEYS = {"name", "cert_no", "firm_name", "institute_name", "years", "generated_at"}


def decode(png: bytes) -> str:
    with Image.open(io.BytesIO(png)) as image:
        results = zxingcpp.read_barcodes(image.convert("L"))
    assert len(results) == 1
    return results[0].text


def qr_images(rows: list[CpaRow]) -> list[bytes]:
    """The rows' QR codes as the client makes them: labels when a Chinese font is there, else the bare code."""
    labels = labels_for(rows, lambda row: row.qr_url or "")
    if qr_codes.find_cjk_font() is not None:
        renderer = qr_codes.LabelRenderer()
        return [renderer.render_png(label) for label in labels]
    return [qr_codes.qr_png(label.url) for label in labels]


def make_private(builder: ServerBuilder, cpa_ids: list[int]) -> None:
    with builder.sessions() as session:
        session.execute(update(Cpa).where(Cpa.id.in_(cpa_ids)).values(birth_date=BIRTH, **PRIVATE))
        session.commit()


def assert_nothing_private(text: str) -> None:
    for field, value in PRIVATE.items():
        assert value not in text, field
    for form in BIRTH_FORMS:
        assert form not in text, form
    assert "1975" not in text  # not even the birth year


def page_rows(html: str) -> list[tuple[str, str, str]]:
    """(year, result label, decision date) of each row of the page's table."""
    cells = re.findall(r"<td>(\d{4})年度</td>\s*<td><span[^>]*>([^<]+)</span></td>\s*<td[^>]*>([^<]+)</td>", html)
    return [(year, label, decided.strip()) for year, label, decided in cells]


def expected_years(builder: ServerBuilder, cpa_id: int, current_year: int) -> list[tuple[int, str, str | None]]:
    """(year, label, decision day in China time) from the database: every applied year plus the current one."""
    with builder.sessions() as session:
        applications = session.scalars(select(Application).where(Application.cpa_id == cpa_id)).all()
    years: dict[int, tuple[str, str | None]] = {current_year: (LABELS[None], None)}
    for a in applications:
        final = ApplicationState(a.state).is_final
        day = a.decided_at.replace(tzinfo=UTC).astimezone(CHINA).date().isoformat() if final else None
        years[a.year] = (LABELS[a.state], day)
    return [(year, *years[year]) for year in sorted(years, reverse=True)]


@pytest.fixture
def demo(live_server: ServerThread, server_settings: Settings) -> Settings:
    seed_demo(server_settings)
    return server_settings


def test_qr_of_seeded_cpas_opens_their_page_with_every_year_and_nothing_private(
    demo: Settings, live_server: ServerThread, server_builder: ServerBuilder
) -> None:
    with CmisClient(live_server.base_url) as client:
        client.login("firm", DEMO_FIRM_NUMBER, "demo1234")
        rows = client.cpas(2025).items
        firm_name = client.firm().name
    assert rows and all(row.qr_url for row in rows)
    # One CPA of each kind of history: approved before, deferred, failed, in review, not applied.
    states: dict[int, dict[int, str]] = {}
    with server_builder.sessions() as session:
        for cpa_id, year, state in session.execute(select(Application.cpa_id, Application.year, Application.state)):
            states.setdefault(cpa_id, {})[year] = state
    wanted: dict[str, CpaRow] = {}
    for row in rows:
        history = states.get(row.cpa_id, {})
        for kind in ("deferred", "failed", "submitted", "draft"):
            if history.get(2025) == kind:
                wanted.setdefault(kind, row)
        if history.get(2024) == "approved" and history.get(2023) == "approved":
            wanted.setdefault("approved_before", row)
        if 2025 not in history:
            wanted.setdefault("not_applied", row)
    assert set(wanted) == {"deferred", "failed", "submitted", "draft", "approved_before", "not_applied"}
    chosen = list(wanted.values())
    make_private(server_builder, [row.cpa_id for row in chosen])

    with httpx.Client(timeout=30) as phone:
        for row, png in zip(chosen, qr_images(chosen), strict=True):
            url = decode(png)
            assert url == row.qr_url
            assert url.startswith(f"{live_server.base_url}/v/")
            page = phone.get(url)
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            html = page.text
            assert row.name in html and row.cert_no in html and firm_name in html
            expected = expected_years(server_builder, row.cpa_id, 2025)
            assert page_rows(html) == [(str(y), label, day or "—") for y, label, day in expected]
            assert "页面生成时间" in html and "北京时间" in html
            assert_nothing_private(html)

            data = phone.get(f"{url}.json")
            assert data.status_code == 200
            body = data.json()
            assert set(body) == PUBLIC_KEYS
            assert (body["name"], body["cert_no"], body["firm_name"]) == (row.name, row.cert_no, firm_name)
            assert [(y["year"], y["result_label"], y["decided_on"]) for y in body["years"]] == expected
            assert all(set(y) == {"year", "result", "result_label", "decided_at", "decided_on"} for y in body["years"])
            assert_nothing_private(data.text)


def test_generated_time_is_china_time_and_the_page_is_not_cached(world: World) -> None:
    cpa = world.cpas[0]
    url = world.cpa_client(cpa).get("/cpa/qr").json()["url"]
    before = datetime.now(UTC).replace(microsecond=0)
    page = httpx.get(url)
    data = httpx.get(f"{url}.json")
    after = datetime.now(UTC) + timedelta(seconds=1)
    generated = datetime.fromisoformat(data.json()["generated_at"].replace("Z", "+00:00"))
    assert before <= generated <= after
    shown = re.search(r'<span>页面生成时间（北京时间 UTC\+8）</span><time datetime="([^"]+)">([^<]+)</time>', page.text)
    assert shown is not None
    moment = datetime.fromisoformat(shown.group(1).replace("Z", "+00:00"))
    assert shown.group(2) == moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    assert before <= moment <= after
    for answer in (page, data):
        assert answer.headers["cache-control"] == "no-store"
        assert "noindex" in answer.headers["x-robots-tag"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert '<html lang="zh-CN">' in page.text


def test_unknown_token_is_a_404_page_and_a_404_json(live_server: ServerThread) -> None:
    base = live_server.base_url
    with httpx.Client(timeout=30) as client:
        for token in ("A" * 43, "no-such-token-0123456789", "x", "a" * 300, "%2E%2E", "<script>"):
            page = client.get(f"{base}/v/{token}")
            assert page.status_code == 404, token
            assert page.headers["content-type"].startswith("text/html")
            assert "未找到年检信息" in page.text and "<script>" not in page.text
        data = client.get(f"{base}/v/{'B' * 43}.json")
        assert data.status_code == 404
        assert data.json() == {"detail": "未找到该二维码对应的注册会计师年检信息", "code": "not_found"}


def test_guessing_tokens_is_rate_limited_even_for_real_tokens(world: World) -> None:
    """Default settings: 10 unknown tokens a minute per address, then 429 with Retry-After for everything."""
    url = world.cpa_client(world.cpas[0]).get("/cpa/qr").json()["url"]
    base = world.server.base_url
    with httpx.Client(timeout=30) as client:
        assert client.get(url).status_code == 200
        misses = [client.get(f"{base}/v/{uuid.uuid4().hex}guess").status_code for _ in range(10)]
        assert misses == [404] * 10
        refused = client.get(f"{base}/v/{uuid.uuid4().hex}guess")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 6  # one miss refills in 60/10 s
        assert "访问过于频繁" in refused.text
        real = client.get(f"{url}.json")  # a real token does not help a guessing client
        assert real.status_code == 429
        body = real.json()
        assert body["code"] == "rate_limited" and body["retry_after"] == int(real.headers["retry-after"])
        # Signed-in API calls are not affected.
        assert world.firm_client().get("/firm/cpas").status_code == 200


def test_too_many_requests_for_a_real_page_are_limited(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = fast_test_settings(tmp_path / "cmis", public_requests_per_minute=5, public_misses_per_minute=0)
    builder = ServerBuilder(settings)
    try:
        firm = builder.firm(builder.institute())
        cpa = builder.cpa(firm)
        with ServerThread(settings) as server, httpx.Client(timeout=30) as client:
            url = f"{server.base_url}/v/{cpa.qr_token}"
            assert [client.get(url).status_code for _ in range(5)] == [200] * 5
            refused = client.get(url)
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
            # No miss limit configured: unknown tokens are only counted as requests.
    finally:
        builder.close()


def test_the_token_never_changes_across_the_whole_cycle(world: World) -> None:
    cpa = world.cpas[0]
    world.builder.application(cpa, "approved", year=2024)
    application = world.builder.application(cpa)  # pending_firm for 2025
    me = world.cpa_client(cpa)
    firm = world.firm_client()
    institute = world.institute_client()
    qr = me.get("/cpa/qr").json()
    url = qr["url"]
    assert url == f"{world.server.base_url}/v/{qr['token']}"
    seen: list[str] = []

    def check(label_2025: str) -> None:
        assert me.get("/cpa/qr").json() == qr
        rows = firm.get("/firm/cpas", params={"year": 2025, "q": cpa.cert_no}).json()["items"]
        assert [r["qr_url"] for r in rows] == [url]
        years = {y["year"]: y["result_label"] for y in httpx.get(f"{url}.json").json()["years"]}
        assert years == {2025: label_2025, 2024: "年检通过"}
        seen.append(label_2025)

    check("审核中")
    firm.post("/firm/returns", json={"items": [{"application_id": application.id}], "reason": "材料缺页"})
    check("审核中")
    assert me.post(f"/cpa/applications/{application.id}/resubmit").status_code == 200
    batch = submit_batch(firm, [application.id]).json()["batch"]
    check("审核中")
    assert institute.post(f"/institute/batches/{batch['id']}/approve-all").status_code == 200
    check("年检通过")
    data = httpx.get(f"{url}.json").json()
    decided = data["years"][0]
    assert decided["year"] == 2025 and decided["decided_on"] == datetime.now(CHINA).date().isoformat()
    with world.builder.sessions() as session:
        assert session.scalar(select(Cpa.qr_token).where(Cpa.id == cpa.id)) == qr["token"]
    assert seen == ["审核中", "审核中", "审核中", "年检通过"]


def test_firm_rows_carry_the_qr_url_everywhere_and_only_their_own(world: World) -> None:
    for cpa in world.cpas[:2]:
        world.builder.application(cpa)
    firm = world.firm_client()
    with world.builder.sessions() as session:
        tokens = {cpa_id: token for cpa_id, token in session.execute(select(Cpa.id, Cpa.qr_token))}
    base = world.server.base_url

    def url_of(cpa_id: int) -> str:
        return f"{base}/v/{tokens[cpa_id]}"

    listed = firm.get("/firm/cpas", params={"year": 2025}).json()["items"]
    assert {r["cpa_id"]: r["qr_url"] for r in listed} == {c.id: url_of(c.id) for c in world.cpas}
    feed = firm.get("/firm/changes", params={"year": 2025, "since": 0}).json()["cpas"]
    assert {r["cpa_id"]: r["qr_url"] for r in feed} == {c.id: url_of(c.id) for c in world.cpas}
    application_id = next(r["application_id"] for r in listed if r["application_id"])
    detail = firm.get(f"/firm/applications/{application_id}").json()
    assert detail["row"]["qr_url"] == url_of(detail["row"]["cpa_id"])
    ids = [r["application_id"] for r in listed if r["application_id"]]
    submitted = submit_batch(firm, ids).json()
    assert all(a["qr_url"] == url_of(a["cpa_id"]) for a in submitted["applications"])
    decided = (
        world.institute_client().post(f"/institute/applications/{ids[0]}/decision", json={"decision": "approve"}).json()
    )
    assert decided["qr_url"] == url_of(decided["cpa_id"])
    # Another firm's CPA never appears in this firm's rows; its public page names its own firm.
    other_url = url_of(world.other_cpa.id)
    assert other_url not in firm.get("/firm/cpas").text
    other_page = httpx.get(other_url)
    assert other_page.status_code == 200 and "重庆两江会计师事务所" in other_page.text
    assert world.firm.name not in other_page.text
    other_rows = world.firm_client(world.other_firm).get("/firm/cpas").json()["items"]
    assert [r["qr_url"] for r in other_rows] == [other_url]


def test_public_base_url_setting_is_used_for_rows_and_the_cpa_qr(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = fast_test_settings(tmp_path / "cmis", public_base_url="https://verify.example.cn/cmis/")
    builder = ServerBuilder(settings)
    try:
        firm = builder.firm(builder.institute())
        cpa = builder.cpa(firm)
        with ServerThread(settings) as server:
            expected = f"https://verify.example.cn/cmis/v/{cpa.qr_token}"
            with contextlib.closing(api_login(server.base_url, "cpa", cpa.cert_no, CPA_PASSWORD)) as me:
                assert me.get("/cpa/qr").json() == {"token": cpa.qr_token, "url": expected}
            with contextlib.closing(api_login(server.base_url, "firm", firm.number, FIRM_PASSWORD)) as client:
                assert [r["qr_url"] for r in client.get("/firm/cpas").json()["items"]] == [expected]
    finally:
        builder.close()


def test_names_are_escaped_on_the_page(world: World) -> None:
    with world.builder.sessions() as session:
        session.execute(update(Firm).where(Firm.id == world.firm.id).values(name="<i>事务所</i>&amp"))
        session.commit()
    cpa = world.builder.cpa(world.firm, '<script>alert("x")</script>')
    page = httpx.get(f"{world.server.base_url}/v/{cpa.qr_token}")
    assert page.status_code == 200
    assert "<script>" not in page.text and "<i>" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    assert "&lt;i&gt;事务所&lt;/i&gt;&amp;amp" in page.text


def test_openapi_describes_the_public_endpoints(live_server: ServerThread) -> None:
    spec = httpx.get(f"{live_server.base_url}/openapi.json").json()
    html = spec["paths"]["/v/{token}"]["get"]
    assert set(html["responses"]) >= {"200", "404", "429"}
    assert "text/html" in html["responses"]["200"]["content"]
    assert "Retry-After" in html["responses"]["429"]["headers"]
    data = spec["paths"]["/v/{token}.json"]["get"]
    assert data["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Verification")
    assert set(spec["components"]["schemas"]["Verification"]["properties"]) == PUBLIC_KEYS
    assert "qr_url" in spec["components"]["schemas"]["CpaRow"]["properties"]


def test_client_rows_from_before_the_field_still_load() -> None:
    old = {"cpa_id": 1, "cert_no": "500100280001", "name": "张三", "year": 2025, "status": "none"}
    assert CpaRow.from_json(old).qr_url is None
    assert CpaRow.from_json({**old, "qr_url": "https://x/v/t"}).qr_url == "https://x/v/t"


# --- the rate limiter alone (fake clock; its buckets in the run's database) ---


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limiter_sessions(server_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(server_settings)
    yield make_session_factory(engine, write=True)
    engine.dispose()


def test_limiter_refills_and_says_how_long_to_wait(limiter_sessions: sessionmaker[Session]) -> None:
    clock = FakeClock()
    limiter = PublicRateLimiter(limiter_sessions, 30, 10, clock=clock)
    assert all(limiter.check("a").allowed for _ in range(30))
    refused = limiter.check("a")
    assert not refused.allowed and refused.retry_after == 2  # 30 a minute: one every 2 s
    assert limiter.check("b").allowed  # per address
    clock.now += 2
    assert limiter.check("a").allowed
    assert not limiter.check("a").allowed


def test_limiter_counts_misses_more_strictly(limiter_sessions: sessionmaker[Session]) -> None:
    clock = FakeClock()
    limiter = PublicRateLimiter(limiter_sessions, 30, 10, clock=clock)
    for _ in range(10):
        assert limiter.check("a").allowed
        limiter.missed("a")
    refused = limiter.check("a")
    assert not refused.allowed and refused.retry_after == 6
    clock.now += 6
    assert limiter.check("a").allowed


def test_limiters_on_one_database_share_their_buckets(limiter_sessions: sessionmaker[Session]) -> None:
    """Two limiters (as two worker processes would have) over one database: the client gets the limit once."""
    clock = FakeClock()
    one, two = (PublicRateLimiter(limiter_sessions, 30, 10, clock=clock) for _ in range(2))
    answers = [(one if i % 2 else two).check("a").allowed for i in range(40)]
    assert answers == [True] * 30 + [False] * 10
    for _ in range(10):
        one.missed("b")
    assert not two.check("b").allowed


def test_limiter_off_and_its_rows_pruned(limiter_sessions: sessionmaker[Session]) -> None:
    clock = FakeClock()
    off = PublicRateLimiter(limiter_sessions, 0, 0, clock=clock)
    for _ in range(100):
        assert off.check("a").allowed
        off.missed("a")
    assert off.tracked_clients() == 0
    limiter = PublicRateLimiter(limiter_sessions, 30, 10, clock=clock)
    for i in range(50):
        limiter.check(f"10.0.0.{i}")
        limiter.missed(f"10.0.0.{i}")
    for _ in range(20):
        limiter.missed("10.0.1.1")  # ten misses over the limit: full again only after two minutes
    assert limiter.tracked_clients() == 51
    clock.now += 61  # every bucket of one request and one miss is full again
    limiter.check("10.0.2.2")  # more than a minute since the last pruning: prunes first
    assert limiter.tracked_clients() == 2  # the guesser's and the new client's
    clock.now += 120
    limiter.prune()
    assert limiter.tracked_clients() == 0


def test_limiter_is_thread_safe(limiter_sessions: sessionmaker[Session]) -> None:
    limiter = PublicRateLimiter(limiter_sessions, 30, 10, clock=FakeClock())
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(10):
            decision = limiter.check("a").allowed
            with lock:
                allowed.append(decision)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 30 and len(allowed) == 80
