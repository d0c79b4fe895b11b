"""The project's Airflow plugin (entry point ``airflow.plugins`` in pyproject.toml): the UI shows
Moscow time unless the person chose another zone.

Hand-written, because Airflow 3 has no setting for it: ``[webserver] default_ui_timezone`` was
removed with the old UI (apache/airflow#49176); the React UI starts in the *browser's* zone and
keeps a choice made in its timezone selector in ``localStorage["timezone"]``. The schedules, the
snapshot dates and the people reading the UI are on Moscow time, so the api-server's HTML pages
get a one-line script that stores ``GOSPUBLIKI_UI_TIMEZONE`` (default ``Europe/Moscow``) there when
nothing is stored yet — the selector still changes it. ``[core] default_timezone`` (set to
Europe/Moscow by ``airflow_env``) only governs naive dates on the server, not the UI.
"""

from __future__ import annotations

import json

from airflow.plugins_manager import AirflowPlugin

from gospubliki import settings


def default_zone_script(zone: str) -> bytes:
    value = json.dumps(json.dumps(zone))  # the UI stores JSON: '"Europe/Moscow"'
    return (
        "<script>try{if(!localStorage.getItem('timezone'))"
        f"localStorage.setItem('timezone',{value})}}catch(e){{}}</script>"
    ).encode()


class DefaultUiTimezone:
    """ASGI middleware: in every ``text/html`` response, the script above right after ``<head>``."""

    def __init__(self, app, zone: str | None = None):
        self.app = app
        self.script = default_zone_script(zone or settings.ui_timezone())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET":
            return await self.app(scope, receive, send)
        start: dict | None = None
        chunks: list[bytes] = []

        async def patched_send(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html"):
                    start = message  # hold it: the length changes
                    return
                return await send(message)
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks).replace(b"<head>", b"<head>" + self.script, 1)
                headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                return await send({"type": "http.response.body", "body": body})
            return await send(message)

        return await self.app(scope, receive, patched_send)


class GospublikiPlugin(AirflowPlugin):
    name = "gospubliki"
    fastapi_root_middlewares = [{"middleware": DefaultUiTimezone, "args": [], "kwargs": {}, "name": "default UI timezone"}]
