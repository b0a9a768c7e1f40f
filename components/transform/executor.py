"""TFX's Transform executor, told each column's kind by the curated schema.

A `preprocessing_fn` only sees tensors and `custom_config`, and
`custom_config` is fixed when the pipeline is compiled, before any data is
seen. This executor reads the column table that FeatureKindsGen stored in
the schema Transform is given (`feature_kinds.read_column_table_of`), adds
it to `custom_config` in its one encoding (`feature_kinds.
with_column_table`), and then runs TFX's own Transform executor unchanged;
that stores the same schema with the graph, where the tuner and the
Trainer read the table (`feature_kinds.read_transform_column_table`).
"""

import json

from tfx.components.transform import executor as tfx_transform_executor

from components.util import feature_kinds


class Executor(tfx_transform_executor.Executor):
    def Do(self, input_dict, output_dict, exec_properties):
        table = feature_kinds.read_column_table_of(input_dict["schema"])
        if table:
            config = json.loads(exec_properties.get("custom_config") or "{}")
            exec_properties = {
                **exec_properties,
                "custom_config": json.dumps(
                    feature_kinds.with_column_table(config, table)
                ),
            }
        super().Do(input_dict, output_dict, exec_properties)
