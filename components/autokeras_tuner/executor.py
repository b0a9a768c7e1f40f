"""The AutoKerasTuner executor: artifacts and properties in, one call to
`components.autokeras_tuner.run.run` with plain URIs and objects."""

import json
import os

import tensorflow as tf
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils

from components.autokeras_tuner import resume
from components.autokeras_tuner import run
from components.autokeras_tuner import search
from components.autokeras_tuner import spec
from components.run_history import records
from components.util import feature_kinds


def settings_from(exec_properties):
    return search.SearchSettings(
        max_trials=exec_properties[spec.MAX_TRIALS_KEY],
        time_limit_seconds=exec_properties[spec.TIME_LIMIT_SECONDS_KEY]
        or None,
        epochs=exec_properties[spec.EPOCHS_KEY],
        seed=exec_properties[spec.SEED_KEY],
        num_parallel_trials=exec_properties.get(spec.NUM_PARALLEL_TRIALS_KEY)
        or 1,
        keep_best_checkpoints=exec_properties.get(
            spec.KEEP_BEST_CHECKPOINTS_KEY
        )
        or 1,
        max_model_size=exec_properties.get(spec.MAX_MODEL_SIZE_KEY) or None,
    )


def _history_folder(exec_properties):
    history_dir = exec_properties.get(spec.HISTORY_DIR_KEY)
    if not history_dir:
        return None
    return records.scope_dir(history_dir, exec_properties[spec.SCOPE_KEY])


def allow_gpu_memory_growth():
    # Take GPU memory as trials need it rather than all of it up front, so
    # one trial's peak does not starve the next (and parallel workers).
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: the env var applies
            pass


def _report_uris(output_dict):
    """(HTML, Markdown) artifact URIs; None for one a caller of `Do` did
    not pass (the report is still in tuner_results then)."""
    return tuple(
        artifact_utils.get_single_uri(output_dict[key])
        if output_dict.get(key)
        else None
        for key in (spec.REPORT_HTML_KEY, spec.REPORT_MARKDOWN_KEY)
    )


def _warmup_uris(input_dict, exec_properties):
    """The URIs of the `warmup` input; none when the run turns it off."""
    # The warm-start switch is a run-time parameter on Kubeflow: the
    # resolved input is ignored when a run turns it off.
    if exec_properties.get(spec.WARM_START_KEY) == 0:
        return []
    return [artifact.uri for artifact in input_dict.get(spec.WARMUP_KEY) or []]


def _columns(input_dict):
    """The column table Transform ran with (stored with its graph), the
    one the search's inputs were described by."""
    import tensorflow_transform as tft

    return feature_kinds.read_transform_column_table(
        tft.TFTransformOutput(
            artifact_utils.get_single_uri(input_dict[spec.TRANSFORM_GRAPH_KEY])
        )
    )


class Executor(base_executor.BaseExecutor):
    """Runs (or resumes) the search; writes the best hyperparameters, every
    trial, TensorBoard logs and the search report."""

    def Do(self, input_dict, output_dict, exec_properties):
        allow_gpu_memory_growth()
        run.run(
            examples_uri=artifact_utils.get_single_uri(
                input_dict[spec.EXAMPLES_KEY]
            ),
            transform_graph_uri=artifact_utils.get_single_uri(
                input_dict[spec.TRANSFORM_GRAPH_KEY]
            ),
            config=feature_kinds.TransformConfig.from_dict(
                json.loads(exec_properties[spec.CUSTOM_CONFIG_KEY])
            ),
            settings=settings_from(exec_properties),
            results_uri=artifact_utils.get_single_uri(
                output_dict[spec.TUNER_RESULTS_KEY]
            ),
            best_hyperparameters_uri=artifact_utils.get_single_uri(
                output_dict[spec.BEST_HYPERPARAMETERS_KEY]
            ),
            fingerprint=resume.fingerprint(input_dict, exec_properties),
            warmup_uris=_warmup_uris(input_dict, exec_properties),
            columns=_columns(input_dict),
            history_folder=_history_folder(exec_properties),
            report_uris=_report_uris(output_dict),
        )
