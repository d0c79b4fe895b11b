"""One page's rows, isolated: whatever one page's answer holds, it costs that page, not the day.

Every network's extractor builds a page's row and its post rows through :func:`page_with_posts`:

* the page row cannot be built (:class:`~gospubliki.clients.errors.BadPayload`: a members count
  that is not an integer or beyond ``bigint``, a missing id …) → the page is recorded without its
  attributes, ``fetch_status = 'error'``, the message naming the field, kind ``bad_payload``;
* a post row cannot be built → the page keeps its attributes, ``fetch_status = 'posts_unread'``
  and none of its posts is landed (a page's posts are landed whole or not at all);
* otherwise the rows as built.

The counts by status and kind go to ``raw.loads.details.skipped_pages`` like any skip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from gospubliki.clients.errors import BAD_PAYLOAD, BadPayload
from gospubliki.clients.vk import Skip
from gospubliki.extract import statuses

log = logging.getLogger(__name__)

def bad_payload(exc: BadPayload) -> Skip:
    """A page whose answer the warehouse cannot take: nothing of it is landed but the reason."""
    return Skip(statuses.ERROR, exc.message, BAD_PAYLOAD)


def posts_unread(skip: Skip) -> Skip:
    """The page's attributes were read, its posts were not (for ``skip``'s reason and kind)."""
    return Skip(statuses.POSTS_UNREAD, skip.reason, skip.kind)


def page_with_posts(
    page_key: str,
    row_of: Callable[[Skip | None, bool], tuple],
    posts_of: Callable[[], Iterable[tuple]],
    skip: Skip | None,
) -> tuple[tuple, list[tuple], Skip | None]:
    """``(page row, post rows, skip)`` of one page, a bad answer confined to the page.

    :param row_of: ``row_of(skip, with_attributes)`` builds the page row (without attributes:
        only the key, status and reason).
    :param posts_of: builds the page's post rows (called only for a page read in full).
    """
    try:
        row = row_of(skip, True)
    except BadPayload as exc:
        log.warning("%s skipped: %s", page_key, exc.message)
        skip = bad_payload(exc)
        return row_of(skip, False), [], skip
    if skip is not None and skip.status != statuses.OK:
        return row, [], skip
    try:
        posts = list(posts_of())
    except BadPayload as exc:
        log.warning("%s: posts not landed: %s", page_key, exc.message)
        skip = posts_unread(Skip(statuses.POSTS_UNREAD, exc.message, BAD_PAYLOAD))
        return row_of(skip, True), [], skip
    return row, posts, skip
