"""``fetch_status`` of a page row (``raw.<network>_pages``), the same for every network.

=============== ==============================================================================
``ok``          the page's attributes and its posts of the window were read
``posts_unread`` the page's attributes (members, badge, design) were read, **its posts were not**
                (wall/topics/history refused: VK 15/18/19/30, an unknown code, an answer of an
                unexpected shape, retries exhausted, no credential left …). ``error_reason``
                says why. Marts treat its posts and engagement as «нет данных» (NULL), never as
                «0 публикаций»
``deactivated`` deleted, banned or blocked (posts not requested)
``private``     private / closed to us (posts not requested)
``not_found``   the API does not know the page
``error``       nothing usable was read this run (an error code, an unexpected answer, a
                value the warehouse cannot hold, retries exhausted, no credential left)
``unresolved``  Telegram only: no account has resolved the channel's username yet — the
                resolve job works through new usernames within a daily budget per account
                (``extract/telegram_resolve.py``). Reported, not read; not a failure of the load
=============== ==============================================================================
"""

from __future__ import annotations

OK = "ok"
POSTS_UNREAD = "posts_unread"
ERROR = "error"
UNRESOLVED = "unresolved"
FETCH_STATUSES = (OK, POSTS_UNREAD, "deactivated", "private", "not_found", ERROR, UNRESOLVED)
