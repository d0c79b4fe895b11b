"""The alert channels: e-mail (the SMTP provider's ``SmtpNotifier``) and a Telegram bot.

A channel is on only when it is configured (``settings.alerts()``): e-mail needs recipients
(``GOSPUBLIKI_ALERT_EMAIL_TO``) and the SMTP connection, Telegram its bot connection. With
nothing configured nothing is sent and that is logged once per process (not an error): alerts
are optional on a laptop, required in production (docs/operations.md, «Alerts»).

Why a Telegram notifier of our own: ``apache-airflow-providers-telegram`` (4.10) ships a hook and
an operator but no notifier. :class:`TelegramNotifier` is the provider's ``TelegramHook`` in a
``BaseNotifier``; its bot may point at another Bot API server (``base_url`` in the connection's
extra, python-telegram-bot's ``Bot(base_url=…)``): a local Bot API server, or the tests' emulator.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from airflow.providers.common.compat.notifier import BaseNotifier

from gospubliki import settings

log = logging.getLogger(__name__)

_SAID_NOTHING_CONFIGURED = False


class TelegramNotifier(BaseNotifier):
    """Send ``text`` (Telegram HTML) through the bot of ``telegram_conn_id`` (password = bot
    token, host = chat id, extra ``{"base_url": "https://api.telegram.org/bot"}`` optional)."""

    template_fields = ("text", "chat_id")

    def __init__(self, *, text: str, telegram_conn_id: str, chat_id: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.text = text
        self.telegram_conn_id = telegram_conn_id
        self.chat_id = chat_id

    def notify(self, context) -> None:
        _bot_hook(self.telegram_conn_id, self.chat_id).send_message({"text": fit_telegram(self.text)})


#: a Telegram message holds at most 4 096 characters
TELEGRAM_LIMIT = 4096


def fit_telegram(text: str, limit: int = TELEGRAM_LIMIT) -> str:
    """``text`` cut at a line end to fit one message (the templates keep every tag within a line,
    so the HTML stays valid), with a mark that it was cut."""
    if len(text) <= limit:
        return text
    mark = "\n… (cut: the e-mail and the task log have it all)"
    head = text[: limit - len(mark)]
    return head[: head.rfind("\n")] + mark if "\n" in head else head + mark


def _bot_hook(conn_id: str, chat_id: str | None):
    from airflow.providers.telegram.hooks.telegram import TelegramHook

    class _Hook(TelegramHook):
        def get_conn(self):
            import telegram

            base_url = self.get_connection(conn_id).extra_dejson.get("base_url")
            return telegram.Bot(self.token, base_url=base_url) if base_url else telegram.Bot(self.token)

    return _Hook(telegram_conn_id=conn_id, chat_id=chat_id)


@dataclass(frozen=True)
class Channels:
    email: bool
    telegram: bool

    @property
    def any(self) -> bool:
        return self.email or self.telegram


def _has_connection(conn_id: str) -> bool:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return False
    return True


def configured_channels() -> Channels:
    """Which channels are configured right now (connections are looked up at send time, never
    when a DAG file is parsed). Logs once per process when none is."""
    global _SAID_NOTHING_CONFIGURED
    cfg = settings.alerts()
    channels = Channels(
        email=bool(cfg.email_to) and _has_connection(cfg.smtp_conn_id),
        telegram=_has_connection(cfg.telegram_conn_id),
    )
    if not channels.any and not _SAID_NOTHING_CONFIGURED:
        _SAID_NOTHING_CONFIGURED = True
        log.info(
            "alerts: no channel configured (e-mail: GOSPUBLIKI_ALERT_EMAIL_TO and connection %r; "
            "Telegram: connection %r), nothing is sent",
            cfg.smtp_conn_id, cfg.telegram_conn_id,
        )
    return channels


def send(context: dict, subject: str, text: str) -> list[str]:
    """Send an alert through every configured channel; returns the channels used. ``subject`` and
    ``text`` are Jinja templates rendered by each notifier with ``context`` (Airflow's own
    template rendering; the values they show are in the context, HTML-escaped by the template).
    ``text`` is Telegram HTML (b, i, a, code, pre); e-mail shows it with its line breaks. A channel
    that fails is logged and the others still get the alert."""
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    cfg = settings.alerts()
    channels = configured_channels()
    sent = []
    notifiers = []
    if channels.email:
        notifiers.append(("email", SmtpNotifier(
            to=list(cfg.email_to), from_email=cfg.email_from, smtp_conn_id=cfg.smtp_conn_id,
            subject=subject, html_content=f'<div style="white-space: pre-wrap; font-family: sans-serif">{text}</div>',
        )))
    if channels.telegram:
        notifiers.append(("telegram", TelegramNotifier(text=text, telegram_conn_id=cfg.telegram_conn_id)))
    for name, notifier in notifiers:
        try:
            notifier(context)
        except Exception:  # noqa: BLE001 - one channel down must not silence the others
            log.exception("alerts: sending through %s failed", name)
        else:
            sent.append(name)
    if sent:
        log.info("alerts: sent through %s", ", ".join(sent))
    return sent


def escape(value) -> str:
    """HTML-escape for both channels (Telegram HTML accepts only &lt; &gt; &amp; &quot;)."""
    return html.escape(str(value), quote=True)
