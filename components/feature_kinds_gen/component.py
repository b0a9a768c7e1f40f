"""FeatureKindsGen: where every column's kind is decided, once.

It decides each raw column's kind from StatisticsGen's statistics,
SchemaGen's schema and the user's overrides (`kind_inference`, applied in
`curation.curate_examples`; the executor only turns artifacts into its
arguments), and writes the curated Schema: a standard Schema with the
column table stored in it, encoded once (`feature_kinds.column_table_tag`).
Transform encodes each column by the table; the tuner, the Trainer and the
search report read the same table back (`feature_kinds.read_column_table`,
from the schema Transform stores with its graph).
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
    Schema. Transform parses by it and stores it with its graph, where the
    tuner and the Trainer read the column table."""

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
