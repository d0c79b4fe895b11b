"""One extraction per network, as the DAG runs it: the Airflow connection → client → raw load.

The DAG maps the same small tasks over ``NETWORKS``; adding a network means one entry here (and
its extractor, raw tables, GX spec and dbt staging models).
"""

from __future__ import annotations

import logging
from datetime import date

log = logging.getLogger(__name__)

#: network code → (display name, Airflow pool that keeps its rate limits)
NETWORKS: dict[str, tuple[str, str]] = {
    "vk": ("VK", "vk_api"),
    "ok": ("OK", "ok_api"),
    "tg": ("Telegram", "telegram_api"),
}


def extract(network: str, snapshot_date: date, url: str, force_past: bool | None = None) -> int:
    """Extract ``network`` for ``snapshot_date`` with the credentials of its Airflow connection and
    land the raw load (status 'loaded'); returns the load id. ``force_past``: collect a date beyond
    the live horizon anyway (``gospubliki.dates.check_snapshot_date``)."""
    if network == "vk":
        from gospubliki.extract.vk import run_vk_extraction
        from gospubliki.hooks.vk import VkHook

        return run_vk_extraction(snapshot_date, url=url, client=VkHook().get_client(snapshot_date),
                                 force_past=force_past).load_id
    if network == "ok":
        from gospubliki.extract.ok import run_ok_extraction
        from gospubliki.hooks.ok import OkHook

        return run_ok_extraction(snapshot_date, url=url, client=OkHook().get_client(snapshot_date),
                                 force_past=force_past).load_id
    if network == "tg":
        from gospubliki.extract.telegram import run_tg_extraction
        from gospubliki.hooks.telegram import TelegramHook

        hook = TelegramHook()
        tg_settings = hook.get_settings()
        return run_tg_extraction(
            snapshot_date,
            url=url,
            settings=tg_settings,
            client_factory=hook.get_client_factory(tg_settings),
            force_past=force_past,
        ).load_id
    raise ValueError(f"unknown network {network!r}; known: {', '.join(NETWORKS)}")


def reject_on_last_try(load_id: int, error: BaseException, *, try_number: int, max_tries: int, url: str) -> bool:
    """The validate task failed for another reason than failed expectations (GX crashed, the
    warehouse went away). While retries remain the load stays 'loaded' for the retry; on the last
    try nothing will validate it, so it is rejected with the error as reason. Best effort: if the
    warehouse is unreachable the rejection fails too, and the network's next run fails the load
    (``extract.landing.begin_extraction``). Returns whether it rejected the load."""
    if try_number <= max_tries:
        return False
    from gospubliki.warehouse import loads

    reason = f"validation could not run (try {try_number} of {max_tries + 1}): {type(error).__name__}: {error}"
    try:
        loads.reject(load_id, reason[:2000], url)
    except Exception as exc:  # noqa: BLE001 - the task's own error is the one to report
        log.warning("could not reject load %d (%s); the next run will fail it", load_id, exc)
        return False
    return True
