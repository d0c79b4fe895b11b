"""The Superset dashboards kept as code (bi/superset/assets), on a small built warehouse.

Superset is installed from its own lock (bi/superset/.venv, when missing) and started ONCE for the
module with the launcher ``make superset`` uses, against the ``bi_world`` marts, reading them as a
read-only BI login of its own; the dashboards are imported through Superset's API as on every
start (and a second import changes nothing: a restart is idempotent). Each dashboard is then opened
in headless Chromium, logged in as the admin: every chart must render with data (no «Нет
результатов», no error), the big numbers must equal the marts queried directly, and a screenshot
per dashboard is saved under ``$GOSPUBLIKI_HOME/superset-screenshots/``.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import bi_world as w
import pytest
from browser import chromium_page
from localports import free_port

from gospubliki import settings
from gospubliki.warehouse import bi_role

sys.path.insert(0, str(settings.REPO_ROOT / "bi" / "superset"))
import launcher  # noqa: E402

pytestmark = pytest.mark.integration

#: slug -> the charts it shows (titles as in bi/superset/assets/charts)
DASHBOARDS = {
    "gospubliki-coverage": [
        "Учреждений со страницами", "Охват учреждений, %", "Создать страниц", "Создано / создать по сферам",
        "Создано / создать по уровням", "Охват по регионам",
    ],
    "gospubliki-audience": [
        "Подписчики", "Страниц", "Публикаций за неделю", "Подписчики по датам и сетям",
        "Аудитория и активность по муниципалитетам", "Крупнейшие страницы",
    ],
    "gospubliki-compliance": ["Страницы по статусу «светофора»", "Красных страниц", "Страницы: что исправить"],
    "gospubliki-engagement": [
        "Вовлечённость по просмотрам по неделям, %", "Реакции и публикации по сферам", "Вовлечённость страниц (все недели)",
    ],
    "gospubliki-rating": ["Рейтинг муниципалитетов", "Балл муниципалитетов, % от максимума"],
}
EMPTY_OR_ERROR = re.compile(
    r"Нет результатов|Не было получено данных|No results|Неожиданная ошибка|Произошла ошибка|Unexpected error"
    r"|An error occurred|Error:|Ошибка:"
)
SCREENSHOTS = settings.home() / "superset-screenshots"


@pytest.fixture(scope="module")
def superset(module_db, server_url, tmp_path_factory):
    started = time.monotonic()
    installed = launcher.ensure_env()
    tmp = tmp_path_factory.mktemp("superset")
    world = w.prepare(module_db, tmp)
    for day in w.DATES:
        w.publish(world, day)
    # the marts only: their dbt tests run in test_bi_marts.py on the same world
    w.build(module_db, tmp, exclude=["resource_type:test", "resource_type:unit_test"])
    built = time.monotonic()

    admin_url = urlunsplit(urlsplit(server_url)._replace(path=urlsplit(module_db).path))
    login = f"superset_{uuid.uuid4().hex[:8]}"
    login_password = uuid.uuid4().hex
    instance = launcher.launch(
        warehouse_url=module_db, admin_url=admin_url, home=tmp / "home", listen_port=free_port(), login=login,
        admin="admin", password=uuid.uuid4().hex, secret_key=uuid.uuid4().hex, login_password=login_password,
    )
    print(
        f"\nsuperset: env install {installed:.0f} s, warehouse built in {built - started:.0f} s, "
        f"Superset started and dashboards imported in {time.monotonic() - built:.0f} s"
    )
    instance.login = login
    instance.login_password = login_password
    instance.world = world
    instance.admin_url = admin_url
    try:
        yield instance
    finally:
        instance.stop()
        bi_role.remove_user(login, admin_url=admin_url)


@pytest.fixture(scope="module")
def page(superset):
    with chromium_page(width=1600, height=1800) as page:  # tall: every chart in view (rendered)
        page.goto(f"{superset.url}/login/")
        page.locator("[data-test=username-input]").wait_for(timeout=120_000)  # the form is rendered by React
        page.locator("[data-test=username-input]").fill(superset.admin)
        page.locator("[data-test=password-input]").fill(superset.password)
        page.locator("[data-test=login-button]").click()
        page.wait_for_url(lambda url: "/login" not in url, timeout=120_000)
        yield page


def mart_value(url: str, query: str):
    return next(iter(w.fetch(url, query)[0].values()))


def latest(mart: str, column: str, where: str = "true") -> str:
    return (
        f"select sum({column}) as v from marts.{mart} where {where} "
        f"and snapshot_date = (select max(snapshot_date) from marts.{mart})"
    )


def test_the_dashboards_are_imported_with_a_read_only_login_and_no_password_in_the_repo(superset):
    """The five dashboards exist once each after the start's import and a second import (a
    restart); the database reads the warehouse as the BI login; the repo's YAML has no password."""
    superset.import_assets(superset.world.url, superset.login, superset.login_password)
    dashboards = superset.dashboards()
    assert sorted(d["slug"] for d in dashboards) == sorted(DASHBOARDS)
    session = superset.session()
    databases = session.get(f"{superset.url}/api/v1/database/", timeout=60).json()["result"]
    assert [d["database_name"] for d in databases] == ["Госпаблики (витрины)"]
    database = session.get(f"{superset.url}/api/v1/database/{databases[0]['id']}/connection", timeout=60).json()["result"]
    assert not database["allow_dml"]
    # one session per gunicorn thread: a dashboard's charts, queried at once, fit under the limit
    (login,) = [u for u in bi_role.list_users(admin_url=superset.admin_url) if u.name == superset.login]
    assert login.connection_limit == launcher.CONNECTION_LIMIT == launcher.THREADS + 2
    uri = urlsplit(database["sqlalchemy_uri"])  # as Superset shows it: the password masked
    assert (uri.username, uri.port, uri.path) == (superset.login, urlsplit(superset.world.url).port, urlsplit(superset.world.url).path)
    repo_yaml = (launcher.ASSETS / launcher.DATABASE_FILE).read_text()
    assert launcher.MASKED_PASSWORD in repo_yaml and superset.login_password not in repo_yaml
    charts = session.get(f"{superset.url}/api/v1/chart/", params={"q": "(page_size:100)"}, timeout=60).json()
    assert charts["count"] == sum(len(c) for c in DASHBOARDS.values())


@pytest.mark.parametrize("slug", list(DASHBOARDS))
def test_every_chart_of_the_dashboard_renders_with_data(superset, page, slug):
    page.goto(f"{superset.url}/superset/dashboard/{slug}/")
    holders = page.locator("[data-test='dashboard-component-chart-holder']")
    holders.first.wait_for(timeout=120_000)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:  # polling the page with a deadline, not waiting on time
        if holders.count() == len(DASHBOARDS[slug]) and page.locator(".loading, [data-test='loading-indicator']").count() == 0:
            if all(holders.nth(i).locator(":is(canvas, table, .header-line, svg)").count() for i in range(holders.count())):
                break
        page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{slug}.png"))
    assert holders.count() == len(DASHBOARDS[slug])
    text = page.locator("[data-test='dashboard-content-wrapper'], .dashboard").first.inner_text()
    for title in DASHBOARDS[slug]:
        assert title in text, (slug, title)
    assert not EMPTY_OR_ERROR.search(text), (slug, EMPTY_OR_ERROR.search(text).group(0))
    for i in range(holders.count()):
        holder = holders.nth(i)
        assert holder.locator(":is(canvas, table, .header-line, svg)").count(), (slug, holder.inner_text()[:200])


def big_number(page, title: str) -> str:
    holder = page.locator("[data-test='dashboard-component-chart-holder']", has_text=title).first
    return holder.locator(".header-line").inner_text().strip()


def test_big_numbers_equal_the_marts(superset, page):
    url = superset.world.url
    page.goto(f"{superset.url}/superset/dashboard/gospubliki-coverage/")
    page.locator(".header-line").first.wait_for(timeout=180_000)
    institutions = mart_value(url, latest("national_summary", "institutions_with_pages", "network = 'all'"))
    to_create = mart_value(url, latest("sector_summary", "to_create_institutions"))
    assert big_number(page, "Учреждений со страницами") == str(institutions) == "10"
    assert big_number(page, "Создать страниц") == str(to_create)

    page.goto(f"{superset.url}/superset/dashboard/gospubliki-compliance/")
    page.locator(".header-line").first.wait_for(timeout=180_000)
    red = mart_value(url, latest("page_compliance", "1", "compliance_status = 'red'"))
    assert big_number(page, "Красных страниц") == str(red)
    assert Decimal(red) > 0
