"""Telegram over telethon with user accounts (pure Python, no Airflow).

| module | role |
|---|---|
| ``port.py`` | :class:`TelegramPort` (one account's access) and its records and failures |
| ``telethon_adapter.py`` | the port over ``telethon.TelegramClient`` (``StringSession``); errors |
| ``mapping.py`` | genuine telethon objects -> records (albums counted once) |
| ``collector.py`` | a run over a pool of accounts: cache, resolve budget, flood waits, moving work |
| ``settings.py`` | ``GOSPUBLIKI_TG_*`` settings and the accounts (secrets never shown) |
"""
