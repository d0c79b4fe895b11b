"""Registry vocabularies: sectors, levels and the CSV columns."""

from __future__ import annotations

SECTORS = ("federal", "regional", "local", "school", "hospital", "kindergarten", "culture", "sport", "other")
LEVELS = ("federal", "regional", "municipal")
NETWORKS = ("vk", "ok", "tg")

#: CSV column → network, for the page link columns
LINK_COLUMNS = {"vk_url": "vk", "ok_url": "ok", "telegram_url": "tg"}

REQUIRED_COLUMNS = ("institution_id", "name", "sector", "level", "region_code")
OPTIONAL_COLUMNS = (
    "ogrn", "inn", "municipality", "vk_url", "ok_url", "telegram_url", "connected_networks", "exemption_reason",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
