"""One extraction per network, as the DAG runs it: the Airflow connection → client → raw load.

The DAG maps the same small tasks over ``NETWORKS``; adding a network means one entry here (and
its extractor, raw tables, GX spec and dbt staging models).
"""

from __future__ import annotations

from datetime import date

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
