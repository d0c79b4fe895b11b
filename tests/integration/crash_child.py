"""One day of the pipeline as a separate process, for the crash tests: extract + validate each
network given (in order), then ``dbt build``. Usage: ``python crash_child.py YYYY-MM-DD vk ok``.

Everything comes from the environment, as in production: the warehouse
(``GOSPUBLIKI_WAREHOUSE_URL``), the networks (``GOSPUBLIKI_VK_*``, ``GOSPUBLIKI_OK_*``) and the
test's crash or pause point (``GOSPUBLIKI_TEST_CRASH_AT`` / ``GOSPUBLIKI_TEST_PAUSE_AT``, see
``gospubliki.crashpoints``).
"""

from __future__ import annotations

import logging
import sys

from gospubliki.dates import parse_date
from gospubliki.extract.ok import run_ok_extraction
from gospubliki.extract.vk import run_vk_extraction
from gospubliki.quality import check_and_publish
from gospubliki.transform import dbt

EXTRACT = {"vk": run_vk_extraction, "ok": run_ok_extraction}


def main(day: str, *networks: str) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    snapshot = parse_date(day)
    for network in networks:
        load = EXTRACT[network](snapshot)
        check_and_publish(load.load_id)
    dbt.build()
    print("DONE", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
