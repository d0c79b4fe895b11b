"""Alerts as the pipeline sends them: real DAG runs (``airflow dags test``: Airflow's task runner
fires each task's on_failure/on_retry callbacks in the task's process, as under any executor)
against the simulator, with the e-mail received by a local aiosmtpd server and the Telegram
message by a local Bot API emulator (tests/alert_servers.py).

* a clean day → the data-alerts digest of ``marts.page_alerts_daily`` arrives on both channels
  with the mart's numbers;
* a corrupted day (VK and OK report negative member counts: both loads fail validation) with a
  broken warehouse table under a dbt model (``reference.regions`` lost a column: the model
  ``stg_reference__regions`` errors) → failure alerts naming the failed expectation (type, column,
  unexpected count) per network, and a retry then a failure alert naming the dbt node and its
  database message, with the snapshot date, the try and where to look;
* the deadline callback of the daily DAG, through Airflow's own CallbackTrigger.
"""

from __future__ import annotations

import os
from datetime import date

import psycopg2
import pytest
from alert_servers import CHAT_ID, alert_env, bot_api_emulator, smtp_server

from gospubliki import airflow_env, settings
from gospubliki.orchestration.runner import run_daily
from gospubliki.reference.load import load_reference
from gospubliki.registry.importer import import_registry
from gospubliki.simulator.config import Faults
from gospubliki.simulator.connections import as_env, simulated_connections, world_spec
from gospubliki.simulator.registry import write_registry_csv
from gospubliki.simulator.scale import Scale
from gospubliki.simulator.server import start_in_thread
from gospubliki.simulator.world import build_world

DAY_1 = date(2026, 11, 20)
DAY_2 = date(2026, 11, 21)  # corrupted: negative member counts on VK and OK
LOG_DIR = settings.home() / "logs" / f"test-alerts{os.environ.get('PYTEST_XDIST_WORKER', '')}"
FACTOR, SEED = 0.2, 11


def query(url, sql, *args):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall() if cur.description else None


@pytest.fixture(scope="module")
def stack(module_db, airflow_db, tmp_path_factory):
    """Registry + simulator + both alert receivers; every task retries once after 1 s."""
    world = build_world(Scale.from_name("region", region="43", factor=FACTOR), seed=SEED)
    registry_csv = tmp_path_factory.mktemp("registry") / "registry.csv"
    write_registry_csv(registry_csv, world)
    load_reference(module_db)
    import_registry(registry_csv, url=module_db)
    with (start_in_thread(world, faults=Faults(negative_members_on={DAY_2})) as sim,
          smtp_server() as (smtp_port, mails), bot_api_emulator() as (bot_url, messages)):
        env = {
            f"AIRFLOW_CONN_{airflow_env.WAREHOUSE_CONN_ID.upper()}": airflow_env.connection_json_from_url(module_db),
            **as_env(simulated_connections(sim.url_template, world_spec(seed=SEED, factor=FACTOR),
                                           vk_tokens=("sim-vk-1",), vk_rps=50, resolve_budget=1000)),
            "GOSPUBLIKI_WAREHOUSE_URL": module_db,
            "GOSPUBLIKI_TASK_RETRIES": "1",
            "GOSPUBLIKI_TASK_RETRY_DELAY": "1",
            "AIRFLOW__API__BASE_URL": "http://127.0.0.1:8080",
            **alert_env(smtp_port, bot_url),
        }
        mp = pytest.MonkeyPatch()
        for k, v in env.items():
            mp.setenv(k, v)
        yield module_db, mails, messages
        mp.undo()


def show(title, mail, message):
    print(f"\n----- {title}: e-mail as received by aiosmtpd -----\nSubject: {mail.subject}\n"
          f"To: {', '.join(mail.recipients)}\n\n{mail.body}\n"
          f"----- {title}: Telegram message as received by the Bot API emulator (chat {message['chat_id']}, "
          f"parse_mode {message.get('parse_mode')}) -----\n{message['text']}")


def test_a_clean_day_sends_the_page_alerts_digest_with_the_marts_numbers(stack):
    url, mails, messages = stack
    result = run_daily(DAY_1, LOG_DIR)
    assert result.state == "success", result.log_file
    (mail,), (message,) = mails.wait_for(1), messages.wait_for(1)
    counts = dict(query(url, "select alert_kind, count(*) from marts.page_alerts_daily where snapshot_date = %s "
                             "group by 1", DAY_1))
    total = sum(counts.values())
    print(f"\npage alerts on {DAY_1}: {counts}")
    assert total > 0 and set(counts) == {"silent"}  # the first collected day: nothing to compare with
    assert mail.subject == f"[gospubliki] Оповещения о страницах за {DAY_1}: {total}"
    (region_code, region_name), = query(url, "select distinct region_code, region_name from marts.page_alerts_daily "
                                             "where snapshot_date = %s", DAY_1)
    (top_url, top_name), = query(
        url, "select page_url, page_name from marts.page_alerts_daily where snapshot_date = %s "
             "order by members_count desc nulls last, page_key limit 1", DAY_1)
    for text in (mail.body, message["text"]):
        assert f"Всего: {total}\n• замолчали: {counts['silent']}\n" in text
        assert f"• {region_name} ({region_code}): {total} — замолчали {counts['silent']}\n" in text
        assert f'<a href="{top_url}">{top_name}</a>' in text
    assert len(message["text"]) < 4096
    show("page alerts digest", mail, message)


def test_a_corrupted_day_and_a_broken_dbt_model_alert_with_what_failed(stack):
    url, mails, messages = stack
    sent_before = len(mails.snapshot()), len(messages.snapshot())
    query(url, "alter table reference.regions rename column federal_district to federal_district_gone")
    try:
        result = run_daily(DAY_2, LOG_DIR)
    finally:
        query(url, "alter table reference.regions rename column federal_district_gone to federal_district")
    assert result.state == "failed", result.log_file
    log = result.log_file.read_text()

    # 4 alerts: validate_vk and validate_ok failed (no retry: the loads are rejected), dbt_build
    # failed and will retry, then failed
    new_mails = mails.wait_for(sent_before[0] + 4)[sent_before[0]:]
    new_messages = messages.wait_for(sent_before[1] + 4)[sent_before[1]:]
    assert len(new_mails) == 4 and len(new_messages) == 4, log[-3000:]
    subjects = sorted(m.subject for m in new_mails)
    assert subjects == sorted([
        f"[gospubliki] task failed: validate_vk · VK · {DAY_2}",
        f"[gospubliki] task failed: validate_ok · OK · {DAY_2}",
        f"[gospubliki] task failed, will retry: dbt_build · {DAY_2}",
        f"[gospubliki] task failed: dbt_build · {DAY_2}",
    ]), subjects
    assert {m["chat_id"] for m in new_messages} == {CHAT_ID}
    assert all(m.recipients == ["cur-duty@example.ru"] for m in new_mails)

    vk_mail = next(m for m in new_mails if "validate_vk" in m.subject)
    vk_text = next(m["text"] for m in new_messages if "validate_vk" in m["text"].split("\n")[0])
    (vk_load, validation_id, quarantined), = query(
        url, "select l.load_id, v.validation_id, (select count(*) from raw.quarantine q where q.load_id = l.load_id "
             "and q.reason = 'members_count_out_of_range') from raw.loads l join audit.validations v using (load_id) "
             "where l.source = 'vk' and l.snapshot_date = %s", DAY_2)
    for text in (vk_mail.body, vk_text):
        assert "DAG gospubliki_daily, task validate_vk (try 1 of 2)" in text
        assert f"Network: VK · snapshot date: {DAY_2} · load {vk_load}" in text
        assert f"audit.validations #{validation_id}" in text
        # the failed expectation: type, table.column, unexpected count and examples
        assert "expect_column_values_to_be_between on raw.loads.quarantine_share: 1 of 1 rows unexpected" in text
        assert f"[quarantined: members_count_out_of_range {quarantined}]" in text
        assert f"raw.loads load_id = {vk_load}" in text
        assert "http://127.0.0.1:8080/dags/gospubliki_daily/runs/" in text and "/tasks/validate_vk" in text
    print(f"\nVK pages quarantined for a negative member count on {DAY_2}: {quarantined}")

    dbt_texts = [m["text"] for m in new_messages if "dbt_build" in m["text"].split("\n")[0]]
    assert len(dbt_texts) == 2
    for text in dbt_texts:
        assert "dbt build failed:" in text
        assert "error: model.gospubliki.stg_reference__regions:" in text
        assert "federal_district" in text and "does not exist" in text
    assert any("(try 1 of 2)" in t for t in dbt_texts) and any("(try 2 of 2)" in t for t in dbt_texts)
    # and the task log has the clear block
    assert "===== dbt failures: 1 =====" in log and "ERROR model.gospubliki.stg_reference__regions" in log
    show("validation failed", vk_mail, next(m for m in new_messages if m["text"] == vk_text))
    dbt_mail = next(m for m in new_mails if m.subject.endswith(f"task failed: dbt_build · {DAY_2}"))
    show("dbt failed", dbt_mail, next(m for m in new_messages if "(try 2 of 2)" in m["text"] and "dbt_build" in m["text"]))


def test_the_deadline_alert_goes_out_for_a_late_scheduled_run_only(stack):
    """The daily DAG's DeadlineAlert callback, run by Airflow's own CallbackTrigger (what the
    triggerer runs once the scheduler finds the deadline missed) with the context the scheduler
    gives it (Deadline.handle_miss): a scheduled run still running → both channels; a manual run → nothing."""
    import asyncio

    from airflow.triggers.callback import CallbackTrigger

    from gospubliki.orchestration.alerts import daily_deadline

    _, mails, messages = stack
    deadline = daily_deadline()
    assert (deadline.interval.total_seconds(), deadline.callback.kwargs) == (6 * 3600, {"deadline": "09:00"})
    before = len(mails.snapshot()), len(messages.snapshot())

    def fire(run_type):
        run = {"dag_id": "gospubliki_daily", "run_id": f"{run_type}__2026-11-22T00:00:00+00:00", "run_type": run_type,
               "state": "running", "logical_date": "2026-11-22T00:00:00Z", "start_date": "2026-11-22T00:00:05Z",
               "conf": {}}
        trigger = CallbackTrigger(deadline.callback.path, {**deadline.callback.kwargs, "context": {
            "dag_run": run, "deadline": {"id": "d1", "deadline_time": "2026-11-22T06:00:00Z"}}})

        async def events():
            return [e.payload async for e in trigger.run()]

        return asyncio.run(events())

    events = fire("scheduled")
    assert events[-1] == {"state": "success", "body": ["email", "telegram"]}, events
    mail, = mails.wait_for(before[0] + 1)[before[0]:]
    message, = messages.wait_for(before[1] + 1)[before[1]:]
    assert mail.subject == "[gospubliki] daily run not finished by 09:00 Moscow time · 2026-11-21"
    assert "run scheduled__2026-11-22T00:00:00+00:00 is running" in message["text"]
    show("deadline missed", mail, message)

    assert fire("manual")[-1] == {"state": "success", "body": []}
    assert (len(mails.snapshot()), len(messages.snapshot())) == (before[0] + 1, before[1] + 1)
