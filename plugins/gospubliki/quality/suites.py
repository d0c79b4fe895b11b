"""What a valid raw load looks like, per network: the Great Expectations suites, defined in code.

A network's raw load (one ``raw.loads`` row) spans two raw tables, so it is checked by one
checkpoint, ``<network>_raw_load``, made of three validation definitions:

    <network>_raw_load.pages   rows of raw.<network>_pages of the load (with, per page, what the
                               previous validated load of the network read: see context.py)
    <network>_raw_load.posts   rows of raw.<network>_posts of the load
    <network>_raw_load.load    the load's raw.loads row (its quarantined share)

The batch of each validation definition is "the rows of this load" (see ``context.py`` for how GX
is pointed at exactly one load). Values that depend on the load are *expectation parameters*
(``{"$PARAMETER": name}``), supplied at run time by ``validate.py``:

    registry_pages   number of ``registry.pages`` of the network (every page accounted for)
    min_ok_share     minimum share of pages fetched with status 'ok' (default 0.5)
    snapshot_date    the load's snapshot date (ISO text)
    window_start     first instant of the post window (UTC, inclusive)
    window_end       end of the snapshot day in Moscow (UTC, exclusive)

Plausibility (thresholds: ``settings.plausibility()``, documented in docs/configuration.md):

    max_members              a page's members_count above it is implausible
    max_quarantine_share     the load fails when a larger share of a table's rows was quarantined
    min_read_again_share     of the pages the previous validated load read 'ok', the share that
                             must be read 'ok' again (1 - max_pages_read_drop)
    min_nonzero_views_share  of the posts with a view count, the share that must be non-zero
                             (1 - max_zero_views_share)
    members_total_min/_max   bounds of the total members of the pages both loads counted
                             (the previous load's total ± max_members_change; none without history)

VK, OK and Telegram have a ``NetworkSpec`` each (same columns: OK's raw tables mirror VK's;
Telegram's name the channel ``channel_id``).
"""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

from gospubliki.extract.statuses import FETCH_STATUSES  # allowed fetch_status values

PARAMETERS = (
    "registry_pages",
    "min_ok_share",
    "snapshot_date",
    "window_start",
    "window_end",
    "max_members",
    "max_quarantine_share",
    "min_read_again_share",
    "min_nonzero_views_share",
    "members_total_min",
    "members_total_max",
)


@dataclass(frozen=True)
class NetworkSpec:
    """The raw tables of one network and the columns the suites check."""

    network: str  # 'vk' (registry.pages.network and raw.loads.source)
    post_key: tuple[str, ...]  # unique within a load
    post_not_null: tuple[str, ...]
    counters: tuple[str, ...]  # >= 0, never null
    nullable_counters: tuple[str, ...]  # >= 0 or null (not given by the API for a post: unknown, not 0)
    page_columns: tuple[str, ...]  # columns the pages asset exposes to GX
    post_columns: tuple[str, ...]

    @property
    def checkpoint(self) -> str:
        return f"{self.network}_raw_load"

    @property
    def pages_table(self) -> str:
        return f"raw.{self.network}_pages"

    @property
    def posts_table(self) -> str:
        return f"raw.{self.network}_posts"

    def suite(self, part: str) -> str:
        """Name of the suite (and validation definition) for ``part`` ('pages' or 'posts')."""
        return f"{self.checkpoint}.{part}"

    def asset(self, part: str) -> str:
        """Name of the data asset: the rows of one load of ``raw.<network>_<part>`` (or its
        ``raw.loads`` row)."""
        return f"{self.network}_load" if part == "load" else f"{self.network}_{part}_of_load"

    def table(self, part: str) -> str:
        return {"pages": self.pages_table, "posts": self.posts_table, "load": "raw.loads"}[part]

    def columns(self, part: str) -> tuple[str, ...]:
        return {"pages": self.page_columns, "posts": self.post_columns, "load": LOAD_COLUMNS}[part]


VK = NetworkSpec(
    network="vk",
    post_key=("group_id", "post_id"),
    post_not_null=("post_id", "group_id", "page_key", "posted_at"),
    counters=(),
    nullable_counters=("views", "likes", "reposts", "comments"),
    page_columns=(
        "load_id",
        "snapshot_date",
        "page_key",
        "group_id",
        "members_count",
        "fetch_status",
        "error_reason",
    ),
    post_columns=(
        "load_id",
        "snapshot_date",
        "page_key",
        "group_id",
        "post_id",
        "posted_at",
        "views",
        "likes",
        "reposts",
        "comments",
    ),
)

OK = NetworkSpec(
    network="ok",
    post_key=("group_id", "post_id"),
    post_not_null=("post_id", "group_id", "page_key", "posted_at"),
    counters=(),
    nullable_counters=VK.nullable_counters,
    page_columns=VK.page_columns,
    post_columns=VK.post_columns,
)

TG = NetworkSpec(
    network="tg",
    post_key=("channel_id", "post_id"),
    post_not_null=("post_id", "channel_id", "page_key", "posted_at"),
    counters=(),
    nullable_counters=VK.nullable_counters,  # reactions, forwards, replies (raw.tg_posts)
    page_columns=tuple("channel_id" if c == "group_id" else c for c in VK.page_columns),
    post_columns=tuple("channel_id" if c == "group_id" else c for c in VK.post_columns),
)

LOAD_COLUMNS = ("load_id", "source", "snapshot_date", "quarantine_share")
"""Columns of the load asset (``quarantine_share``: ``details.quarantine.share``, 0 when absent)."""

NETWORKS: dict[str, NetworkSpec] = {VK.network: VK, OK.network: OK, TG.network: TG}
"""Networks whose raw loads can be validated, by ``raw.loads.source``."""


def spec_for(source: str) -> NetworkSpec:
    """The spec of a load's source; a source without a suite cannot be validated (fail closed)."""
    try:
        return NETWORKS[source]
    except KeyError:
        raise ValueError(
            f"no validation suite for source {source!r} (known: {', '.join(sorted(NETWORKS))})"
        ) from None


def _param(name: str) -> dict:
    assert name in PARAMETERS, name
    return {"$PARAMETER": name}


def page_expectations(spec: NetworkSpec) -> list[Expectation]:
    """Expectations on the page rows of one load (skipped pages included)."""
    net = spec.network
    return [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=1, description="a load has pages (an empty load, e.g. of an empty registry, fails)"
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="page_key", description="every page row has a page key"),
        gxe.ExpectColumnValuesToBeUnique(column="page_key", description="a page appears once per load"),
        gxe.ExpectTableRowCountToEqual(
            value=_param("registry_pages"),
            description=f"pages seen = registry pages of {net} (every registry page accounted for, "
            "skipped ones included)",
        ),
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                "select b.page_key from {batch} b "
                f"left join registry.pages r on r.page_key = b.page_key and r.network = '{net}' "
                "where r.page_key is null"
            ),
            description=f"every page row is a registry page of {net}",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="snapshot_date",
            min_value=_param("snapshot_date"),
            max_value=_param("snapshot_date"),
            description="rows carry the snapshot date of their load",
        ),
        gxe.ExpectColumnValuesToNotBeNull(column="fetch_status", description="every page has a fetch status"),
        gxe.ExpectColumnValuesToBeInSet(
            column="fetch_status", value_set=list(FETCH_STATUSES), description="known fetch statuses only"
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="fetch_status_resolved",
            value_set=["ok"],
            mostly=_param("min_ok_share"),
            description="share of pages fetched 'ok' is at least min_ok_share (a broken extraction fails); "
            "Telegram channels no account has resolved yet are left out (reported, not failed)",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="members_count",
            min_value=0,
            max_value=_param("max_members"),
            description="0 <= members_count <= max_members (null for skipped pages; the landing "
            "quarantines other values, so this holds unless a row bypassed it)",
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="fetch_status_if_read_before",
            value_set=["ok"],
            mostly=_param("min_read_again_share"),
            description="of the pages the previous validated load of the network read 'ok', at least "
            "min_read_again_share = 1 - max_pages_read_drop are read 'ok' again",
        ),
        gxe.ExpectColumnSumToBeBetween(
            column="members_count_compared",
            min_value=_param("members_total_min"),
            max_value=_param("members_total_max"),
            description="total members of the pages both loads counted is within max_members_change "
            "of the previous validated load's total",
        ),
    ]


def post_expectations(spec: NetworkSpec) -> list[Expectation]:
    """Expectations on the post rows of one load."""
    net = spec.network
    expectations: list[Expectation] = [
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=list(spec.post_key), description="a post appears once per load"
        ),
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never null")
        for c in spec.post_not_null
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(
            column="posted_at",
            min_value=_param("window_start"),
            max_value=_param("window_end"),
            strict_max=True,
            description="posted_at inside the post window [window_start, window_end)",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="snapshot_date",
            min_value=_param("snapshot_date"),
            max_value=_param("snapshot_date"),
            description="rows carry the snapshot date of their load",
        ),
    ]
    expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column=c, description=f"{c} is never null") for c in spec.counters
    ]
    expectations += [
        gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, description=f"{c} >= 0")
        for c in (*spec.counters, *spec.nullable_counters)
    ]
    expectations.append(
        gxe.ExpectColumnValuesToNotBeInSet(
            column="views",
            value_set=[0],
            mostly=_param("min_nonzero_views_share"),
            description="of the posts with a view count, at most max_zero_views_share show 0 views",
        )
    )
    expectations.append(
        gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=(
                "select b.page_key, b.post_id from {batch} b "
                f"left join {spec.pages_table} p on p.load_id = b.load_id and p.page_key = b.page_key "
                "where p.page_key is null"
            ),
            description=f"every post belongs to a page row of the same load ({net})",
        )
    )
    return expectations


def load_expectations(spec: NetworkSpec) -> list[Expectation]:
    """Expectations on the load itself (its ``raw.loads`` row)."""
    return [
        gxe.ExpectColumnValuesToBeBetween(
            column="quarantine_share",
            min_value=0,
            max_value=_param("max_quarantine_share"),
            description=f"share of a table's rows quarantined at landing ({spec.network}) is at most "
            "max_quarantine_share",
        ),
    ]


def expectations_for(spec: NetworkSpec, part: str) -> list[Expectation]:
    return {"pages": page_expectations, "posts": post_expectations, "load": load_expectations}[part](spec)


PARTS = ("pages", "posts", "load")
