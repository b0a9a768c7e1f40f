"""FeatureKindsGen's executor: reads its inputs, curates, writes the Schema."""

import json
import logging
import os

from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components.feature_kinds_gen import curation
from components.feature_kinds_gen import image_shape
from components.feature_kinds_gen import spec
from components.util import feature_kinds
from components.util import transformed_data as data

LOGGER = logging.getLogger("autokeras_tfx.feature_kinds")


class Executor(base_executor.BaseExecutor):
    def Do(self, input_dict, output_dict, exec_properties):
        config = feature_kinds.TransformConfig.from_dict(
            json.loads(exec_properties[spec.CUSTOM_CONFIG_KEY])
        )
        schema = io_utils.SchemaReader().read(
            io_utils.get_only_uri_in_dir(
                artifact_utils.get_single_uri(input_dict[spec.SCHEMA_KEY])
            )
        )
        [statistics] = input_dict[spec.STATISTICS_KEY]
        dataset = stats_artifact_utils.load_statistics(
            statistics, "train"
        ).proto().datasets[0]
        int_names = [
            f.name for f in schema.feature
            if f.type == schema_pb2.INT and f.name not in config.label_names
        ]
        int_distinct = curation.count_int_distinct(
            artifact_utils.get_single_uri(input_dict[spec.EXAMPLES_KEY]), int_names
        )
        examples_uri = artifact_utils.get_single_uri(input_dict[spec.EXAMPLES_KEY])
        image_shapes = {
            name: image_shape.scan_shapes(examples_uri, name)
            for name in {*curation.image_columns(schema), *config.image_features}
            if name not in config.label_names
        }
        curated, decisions = curation.curate(
            schema, dataset, config, int_distinct, image_shapes
        )
        # Bit-identical rows from run to run, unlike Transform's outputs
        # (its float analyzers sum in Beam's order): the tuner's resume
        # fingerprint reads it through this schema.
        curated.annotation.tag.append(
            feature_kinds.DATA_DIGEST_TAG
            + json.dumps(data.records_digest(examples_uri, canonical=True))
        )
        LOGGER.info("Column kinds (%d rows in the train split):",
                    dataset.num_examples)
        for decision in decisions:
            LOGGER.info("  %s", decision.describe())
        io_utils.write_pbtxt_file(
            os.path.join(
                artifact_utils.get_single_uri(
                    output_dict[spec.CURATED_SCHEMA_KEY]
                ),
                spec.SCHEMA_FILE,
            ),
            curated,
        )
