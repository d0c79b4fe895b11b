"""Great Expectations validation of each raw load (fail closed).

Public API::

    validate_load(load_id, url=None) -> ValidationOutcome       # runs '<source>_raw_load'
    check_and_publish(load_id, url=None) -> ValidationOutcome   # publish, or reject + ValidationFailed
    build_context(url=None)                                      # (re)create expectations/gx from suites.py

The suites live in ``suites.py``, the file context and the one-load-per-run mechanism in
``context.py``, the run itself in ``validate.py``.
"""

import logging

# Great Expectations logs its own start-up at INFO: ~250 lines per validation («Skipping registering
# function …», «_get_default_value called with key …») that buried the outcome in each validate
# task's log. Its warnings and errors still show; our outcome is logged by gospubliki.quality.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

from gospubliki.quality.context import build_context, data_docs_dir, project_root  # noqa: E402
from gospubliki.quality.validate import (  # noqa: E402 (after the logger level: GX logs while imported)
    ValidationFailed,
    ValidationOutcome,
    check_and_publish,
    validate_load,
)

__all__ = [
    "ValidationFailed",
    "ValidationOutcome",
    "build_context",
    "check_and_publish",
    "data_docs_dir",
    "project_root",
    "validate_load",
]
