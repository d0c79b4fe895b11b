"""Settings of the OK client, read from the environment (nothing at import time).

| variable | default | meaning |
|---|---|---|
| ``GOSPUBLIKI_OK_APP_KEY`` | — | application (public) key, ``application_key`` |
| ``GOSPUBLIKI_OK_APP_SECRET`` | — | application secret key (signs every request; never sent) |
| ``GOSPUBLIKI_OK_TOKEN`` | — | access token(s), comma-separated |
| ``GOSPUBLIKI_OK_API_URL`` | ``https://api.ok.ru`` | API base URL; may contain ``{snapshot_date}`` |
| ``GOSPUBLIKI_OK_RPS`` | ``5`` | requests per second per token |
| ``GOSPUBLIKI_OK_TIMEOUT`` | ``30`` | HTTP timeout, seconds |
| ``GOSPUBLIKI_OK_RETRIES`` | ``5`` | attempts per request for transient errors |
| ``GOSPUBLIKI_OK_RETRY_WAIT`` | ``0.5`` | first back-off wait, seconds (doubles, capped at 30 s) |
| ``GOSPUBLIKI_OK_PARALLEL`` | ``4`` | tokens used at once (one thread each) |
"""

from __future__ import annotations

from dataclasses import dataclass

from gospubliki.settings import env

OK_REAL_URL = "https://api.ok.ru"


@dataclass(frozen=True)
class OkCredentials:
    """One OK application and its access tokens. ``repr`` never shows the secrets."""

    application_key: str
    application_secret_key: str
    tokens: tuple[str, ...]

    def __repr__(self) -> str:
        return f"OkCredentials(application_key={self.application_key!r}, tokens={len(self.tokens)})"

    @property
    def missing(self) -> list[str]:
        """Names of the parts not configured (empty when complete)."""
        parts = {
            "application key": self.application_key,
            "application secret key": self.application_secret_key,
            "access token": self.tokens,
        }
        return [name for name, value in parts.items() if not value]


def split_tokens(text: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (text or "").split(",") if t.strip())


def ok_credentials() -> OkCredentials:
    return OkCredentials(
        application_key=(env("GOSPUBLIKI_OK_APP_KEY", "") or "").strip(),
        application_secret_key=(env("GOSPUBLIKI_OK_APP_SECRET", "") or "").strip(),
        tokens=split_tokens(env("GOSPUBLIKI_OK_TOKEN", "")),
    )


def ok_api_url() -> str:
    return env("GOSPUBLIKI_OK_API_URL", OK_REAL_URL)


def ok_rps() -> float:
    return float(env("GOSPUBLIKI_OK_RPS", "5"))


def ok_timeout() -> float:
    return float(env("GOSPUBLIKI_OK_TIMEOUT", "30"))


def ok_retries() -> int:
    return int(env("GOSPUBLIKI_OK_RETRIES", "5"))


def ok_retry_wait() -> float:
    return float(env("GOSPUBLIKI_OK_RETRY_WAIT", "0.5"))


def ok_parallel() -> int:
    return int(env("GOSPUBLIKI_OK_PARALLEL", "4"))
