"""The Airflow connections of the simulated networks, in Airflow's JSON form — the one place that
knows them (``make demo``, ``make ui``, the DAG tests and the benchmarks use this).

VK and OK point at the simulator's HTTP emulator (``url_template``: ``…/asof/{snapshot_date}``)
with the simulator's own credentials; Telegram, whose MTProto cannot be served locally, runs the
real telethon client over the simulator's fake transport of the world named in its extra.
"""

from __future__ import annotations

import json

from gospubliki.simulator.config import DEFAULT_OK_APP_KEY, DEFAULT_OK_APP_SECRET, DEFAULT_OK_TOKENS

#: the connection ids the DAGs use (docs/configuration.md)
CONN_IDS = ("vk_default", "ok_default", "telegram_default")


def world_spec(scale: str = "region", region: str = "43", seed: int = 1, factor: float | None = None) -> dict:
    """What the Telegram connection names of the simulated world (rebuilt inside each task)."""
    spec: dict = {"scale": scale, "region": region, "seed": seed}
    if factor is not None:
        spec["factor"] = factor
    return spec


def simulated_connections(
    url_template: str,
    world: dict,
    *,
    vk_tokens: tuple[str, ...] = ("sim-vk-1", "sim-vk-2"),
    ok_tokens: tuple[str, ...] = DEFAULT_OK_TOKENS,
    ok_application_secret_key: str = DEFAULT_OK_APP_SECRET,
    vk_rps: int = 20,
    resolve_budget: int = 5000,
    telegram: dict | None = None,
) -> dict[str, str]:
    """``{conn_id: JSON}`` for ``AIRFLOW_CONN_<ID>`` variables (``airflow_env.apply``) or, decoded,
    ``airflow connections import``. ``telegram``: more fields of the Telegram connection (e.g.
    ``password`` and ``extra.sessions``, merged into the extra). A first run resolves every channel
    once when ``resolve_budget`` covers the world (the cache makes later days resolve none)."""
    tg = {"conn_type": "telegram", **{k: v for k, v in (telegram or {}).items() if k != "extra"}}
    tg["extra"] = {"simulator": world, "resolve_budget": resolve_budget, **(telegram or {}).get("extra", {})}
    return {
        "vk_default": json.dumps(
            {"conn_type": "vk", "host": url_template, "password": ",".join(vk_tokens), "extra": {"rps": vk_rps}}),
        "ok_default": json.dumps(
            {"conn_type": "ok", "host": url_template, "login": DEFAULT_OK_APP_KEY, "password": ",".join(ok_tokens),
             "extra": {"application_secret_key": ok_application_secret_key, "rps": 50}}),
        "telegram_default": json.dumps(tg),
    }


def as_env(connections: dict[str, str]) -> dict[str, str]:
    """The same as ``AIRFLOW_CONN_<ID>`` environment variables."""
    return {f"AIRFLOW_CONN_{conn_id.upper()}": value for conn_id, value in connections.items()}
