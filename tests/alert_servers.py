"""Local receivers for the alert channels: an SMTP server (aiosmtpd) and a Telegram Bot API
emulator, each on a free 127.0.0.1 port, recording what they receive, and the Airflow
connections (JSON for ``AIRFLOW_CONN_…``) that point the pipeline's notifiers at them.

The Bot API emulator implements what the notifiers use: ``POST /bot<token>/sendMessage`` (form or
JSON parameters, as python-telegram-bot sends them) answered with the Bot API's JSON
``{"ok": true, "result": <Message>}``; any other method or a wrong token gets the Bot API's
``{"ok": false, "error_code": 404|401, …}``.
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from localports import free_port

BOT_TOKEN = "123456:TEST-alerts-bot-token"
CHAT_ID = "-1001234567890"


@dataclass
class Inbox:
    """What a receiver got, in order; ``wait_for(n)`` polls until n items arrived (deadline)."""

    items: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item) -> None:
        with self.lock:
            self.items.append(item)

    def snapshot(self) -> list:
        with self.lock:
            return list(self.items)

    def wait_for(self, count: int, timeout: float = 60) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = self.snapshot()
            if len(items) >= count:
                return items
            time.sleep(0.05)
        return self.snapshot()


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    subject: str
    body: str  # the HTML part as text


@contextmanager
def smtp_server():
    """An aiosmtpd server; yields (port, Inbox of :class:`Mail`)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            part = msg.get_body(preferencelist=("html", "plain"))
            inbox.add(Mail(envelope.mail_from, list(envelope.rcpt_tos), str(msg["subject"]),
                           part.get_content() if part is not None else ""))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@contextmanager
def bot_api_emulator(token: str = BOT_TOKEN):
    """A Telegram Bot API emulator; yields (base_url for ``telegram.Bot(base_url=…)``, Inbox of
    the sendMessage parameters)."""
    inbox = Inbox()
    counter = iter(range(1, 1_000_000))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                params = json.loads(raw or "{}")
            else:
                params = {k: v[0] for k, v in parse_qs(raw).items()}
            prefix, _, method = self.path.lstrip("/").partition("/")
            if prefix != f"bot{token}":
                return self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            if method != "sendMessage":
                return self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            if not params.get("chat_id") or not params.get("text"):
                return self._answer(400, {"ok": False, "error_code": 400,
                                          "description": "Bad Request: message text is empty"})
            inbox.add(params)
            chat_id = int(params["chat_id"]) if str(params["chat_id"]).lstrip("-").isdigit() else 0
            self._answer(200, {"ok": True, "result": {
                "message_id": next(counter), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "supergroup", "title": "alerts"},
                "text": params["text"],
            }})

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot", inbox
    finally:
        server.shutdown()
        server.server_close()


def alert_env(smtp_port: int, bot_base_url: str, to: str = "cur-duty@example.ru") -> dict[str, str]:
    """Environment that turns both alert channels on, pointed at the local receivers."""
    return {
        "GOSPUBLIKI_ALERT_EMAIL_TO": to,
        "GOSPUBLIKI_ALERT_EMAIL_FROM": "gospubliki@example.ru",
        "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp_port,
            "extra": {"disable_ssl": True, "disable_tls": True, "retry_limit": 1, "timeout": 10},
        }),
        "AIRFLOW_CONN_GOSPUBLIKI_ALERTS_TELEGRAM": json.dumps({
            "conn_type": "telegram", "host": CHAT_ID, "password": BOT_TOKEN,
            "extra": {"base_url": bot_base_url},
        }),
    }
