"""FeatureKindsGen: the curated Schema that Transform and the tuner share.

The kinds and why are in `curation`; the executor reads the artifacts and
writes the curated Schema (`executor`).
"""

import json

from tfx import types
from tfx.dsl.components.base import base_component
from tfx.dsl.components.base import executor_spec
from tfx.types import standard_artifacts

from components.feature_kinds_gen import executor
from components.feature_kinds_gen import spec


class FeatureKindsGen(base_component.BaseComponent):
    """Decides each column's kind from the statistics; writes the curated
    Schema that Transform, the tuner and the Trainer consume."""

    SPEC_CLASS = spec.FeatureKindsGenSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, statistics, schema, examples, transform_config):
        super().__init__(
            spec=spec.FeatureKindsGenSpec(
                statistics=statistics,
                schema=schema,
                examples=examples,
                custom_config=json.dumps(transform_config.to_dict()),
                curated_schema=types.Channel(type=standard_artifacts.Schema),
            )
        )
