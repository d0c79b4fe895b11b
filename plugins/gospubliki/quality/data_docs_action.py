"""The checkpoints' Data Docs action: GX's ``UpdateDataDocsAction`` building the site once per
checkpoint run. GX's own action rebuilds the site and its index once per suite result (3 per
load), which was most of a validation's time (profiled: 37 of 46 s on a loaded machine), and the
index build reads every result it lists. Importing this module registers the action's ``type``
with GX, so it must be imported before a checkpoint naming it is read (``context.open_context``).

(No ``from __future__ import annotations`` here: GX's pydantic v1 models need the real ``Literal``
of the ``type`` field.)
"""

from typing import Literal

from great_expectations.checkpoint import UpdateDataDocsAction
from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier


class UpdateDataDocsOnce(UpdateDataDocsAction):
    """Each result page, each suite page and the index of a checkpoint run, built once."""

    type: Literal["update_data_docs_once"] = "update_data_docs_once"

    def run(self, checkpoint_result, action_context=None) -> dict:
        identifiers: list = []
        for result_id, result in checkpoint_result.run_results.items():
            identifiers += [result_id, ExpectationSuiteIdentifier(name=result.suite_name)]
        self._build_data_docs(site_names=self.site_names, resource_identifiers=identifiers)
        return {}
