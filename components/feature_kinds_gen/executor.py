"""FeatureKindsGen's executor: artifacts in, `curation.curate_examples`,
the curated Schema (and the logged column table) out."""

import json
import logging
import os

from tfx.components.statistics_gen import stats_artifact_utils
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from components.feature_kinds_gen import curation
from components.feature_kinds_gen import spec
from components.util import feature_kinds

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
        dataset = (
            stats_artifact_utils.load_statistics(statistics, "train")
            .proto()
            .datasets[0]
        )
        curated, decisions = curation.curate_examples(
            schema, dataset, input_dict[spec.EXAMPLES_KEY], config
        )
        LOGGER.info(
            "Column kinds (%d rows in the train split):", dataset.num_examples
        )
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
