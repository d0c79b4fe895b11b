"""Settings of the VK client, read from the environment (nothing at import time).

| variable | default | meaning |
|---|---|---|
| ``GOSPUBLIKI_VK_TOKENS`` | — | comma-separated access tokens (service or user keys) |
| ``GOSPUBLIKI_VK_API_URL`` | ``https://api.vk.ru`` | API base URL; may contain ``{snapshot_date}`` |
| ``GOSPUBLIKI_VK_RPS`` | ``3`` | requests per second per token |
| ``GOSPUBLIKI_VK_TIMEOUT`` | ``30`` | HTTP timeout, seconds |
| ``GOSPUBLIKI_VK_RETRIES`` | ``5`` | attempts per request for transient errors |
| ``GOSPUBLIKI_VK_RETRY_WAIT`` | ``0.5`` | first back-off wait, seconds (doubles, capped at 30 s) |
| ``GOSPUBLIKI_VK_PARALLEL`` | ``4`` | tokens used at once (one thread each) |
| ``GOSPUBLIKI_VK_WALL_FIRST_COUNT`` | ``10`` | posts asked for in a wall's first ``wall.get`` (1–100); further pages are 100 |
"""

from __future__ import annotations

from gospubliki.settings import env

VK_REAL_URL = "https://api.vk.ru"


def vk_tokens() -> list[str]:
    return [t.strip() for t in (env("GOSPUBLIKI_VK_TOKENS", "") or "").split(",") if t.strip()]


def vk_api_url() -> str:
    return env("GOSPUBLIKI_VK_API_URL", VK_REAL_URL)


def vk_rps() -> float:
    return float(env("GOSPUBLIKI_VK_RPS", "3"))


def vk_timeout() -> float:
    return float(env("GOSPUBLIKI_VK_TIMEOUT", "30"))


def vk_retries() -> int:
    return int(env("GOSPUBLIKI_VK_RETRIES", "5"))


def vk_retry_wait() -> float:
    return float(env("GOSPUBLIKI_VK_RETRY_WAIT", "0.5"))


def vk_parallel() -> int:
    return int(env("GOSPUBLIKI_VK_PARALLEL", "4"))


def vk_wall_first_count() -> int:
    return int(env("GOSPUBLIKI_VK_WALL_FIRST_COUNT", "10"))
