"""The AutoKerasTuner executor: a thin `Do()` over `components.search`."""

import json

import tensorflow_transform as tft
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components import feature_kinds
from components import search
from components import spec


class Executor(base_executor.BaseExecutor):
    """Runs the search and writes the best hyperparameters and all trials."""

    def Do(self, input_dict, output_dict, exec_properties):
        config = feature_kinds.TransformConfig.from_dict(
            json.loads(exec_properties[spec.CUSTOM_CONFIG_KEY])
        )
        settings = search.SearchSettings(
            max_trials=exec_properties[spec.MAX_TRIALS_KEY],
            time_limit_seconds=exec_properties[spec.TIME_LIMIT_SECONDS_KEY]
            or None,
            epochs=exec_properties[spec.EPOCHS_KEY],
            seed=exec_properties[spec.SEED_KEY],
        )
        results_uri = artifact_utils.get_single_uri(
            output_dict[spec.TUNER_RESULTS_KEY]
        )
        tuner = search.run_search(
            examples_uri=artifact_utils.get_single_uri(
                input_dict[spec.EXAMPLES_KEY]
            ),
            tft_output=tft.TFTransformOutput(
                artifact_utils.get_single_uri(
                    input_dict[spec.TRANSFORM_GRAPH_KEY]
                )
            ),
            config=config,
            settings=settings,
            # Under the output, not a temporary directory, so the search's
            # state survives with the artifact (and can resume).
            working_dir=search.working_dir(results_uri),
        )
        search.write_best_hyperparameters(
            tuner,
            artifact_utils.get_single_uri(
                output_dict[spec.BEST_HYPERPARAMETERS_KEY]
            ),
        )
        search.write_trial_results(tuner, results_uri)
