"""TFX's Transform, told each column's kind by the curated schema.

A `preprocessing_fn` only sees tensors and `custom_config`, and
`custom_config` is fixed when the pipeline is compiled, before any data is
seen. This executor reads the column table that FeatureKindsGen stored in
the schema Transform is given, adds it to `custom_config` as `columns`, and
then runs TFX's own Transform executor unchanged.
"""

import json

from tfx import v1 as tfx
from tfx.components.transform import executor as tfx_transform_executor
from tfx.dsl.components.base import executor_spec
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components import feature_kinds

COLUMNS_KEY = "columns"


def column_table_of(schema_artifacts):
    schema = io_utils.SchemaReader().read(
        io_utils.get_only_uri_in_dir(
            artifact_utils.get_single_uri(schema_artifacts)
        )
    )
    return feature_kinds.read_column_table(schema)


class Executor(tfx_transform_executor.Executor):
    def Do(self, input_dict, output_dict, exec_properties):
        table = column_table_of(input_dict["schema"])
        if table:
            config = json.loads(exec_properties.get("custom_config") or "{}")
            config[COLUMNS_KEY] = [
                {"name": d.name, "key": d.key, "kind": d.kind,
                 "image_shape": d.image_shape}
                for d in table
            ]
            exec_properties = {
                **exec_properties, "custom_config": json.dumps(config)
            }
        super().Do(input_dict, output_dict, exec_properties)


class Transform(tfx.components.Transform):
    """`tfx.components.Transform` with the executor above."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(Executor)
