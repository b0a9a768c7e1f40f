"""The AutoKerasTuner executor: a thin `Do()` over `components.autokeras_tuner.search`."""

import json
import logging
import os

import tensorflow as tf
import tensorflow_transform as tft
from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils

from components.util import feature_kinds
from components.autokeras_tuner import resume
from components.run_history import records
from components.autokeras_tuner import search
from components.autokeras_tuner import spec

LOGGER = logging.getLogger(__name__)


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


class Executor(base_executor.BaseExecutor):
    """Runs (or resumes) the search; writes the best hyperparameters, every
    trial, TensorBoard logs and the search report."""

    def Do(self, input_dict, output_dict, exec_properties):
        allow_gpu_memory_growth()
        config = feature_kinds.TransformConfig.from_dict(
            json.loads(exec_properties[spec.CUSTOM_CONFIG_KEY])
        )
        settings = settings_from(exec_properties)
        results_uri = artifact_utils.get_single_uri(
            output_dict[spec.TUNER_RESULTS_KEY]
        )
        target = search.search_target(config)
        warm_start = []
        # The warm-start switch is a run-time parameter on Kubeflow: the
        # resolved input is ignored when a run turns it off.
        use_warmup = exec_properties.get(spec.WARM_START_KEY)
        warmup = input_dict.get(spec.WARMUP_KEY) if use_warmup != 0 else []
        for artifact in warmup or []:
            # Empty on a first run (components/run_history).
            if not fileio.exists(os.path.join(
                    artifact.uri, search.SEARCH_RESULTS_FILE)):
                continue
            warm_start = search.read_warm_start(artifact.uri, target=target)
            LOGGER.info(
                "Warm start: %d configurations from %s",
                len(warm_start), artifact.uri,
            )
        transform_graph_uri = artifact_utils.get_single_uri(
            input_dict[spec.TRANSFORM_GRAPH_KEY]
        )
        # A retried pod without its local state, a rerun after a kill, a
        # new run after a failed one: continue the unfinished search of the
        # same inputs from its durable copy.
        saved = resume.saved_state_dir(
            results_uri,
            resume.fingerprint(input_dict, exec_properties),
            _history_folder(exec_properties),
        )
        resume.continue_interrupted(results_uri, saved, search.STATE_DIRS)
        tuner = search.run_search(
            examples_uri=artifact_utils.get_single_uri(
                input_dict[spec.EXAMPLES_KEY]
            ),
            tft_output=tft.TFTransformOutput(transform_graph_uri),
            config=config,
            settings=settings,
            # Under the output, not a temporary directory: the search's
            # state survives with the artifact, and a re-run resumes it.
            results_uri=results_uri,
            transform_graph_uri=transform_graph_uri,
            warm_start=warm_start,
            on_trial_saved=lambda trial: resume.save_progress(
                results_uri, saved, search.STATE_DIRS
            ),
        )
        columns = (
            feature_kinds.read_column_table_of(input_dict[spec.SCHEMA_KEY])
            if input_dict.get(spec.SCHEMA_KEY)
            else []
        )
        search.write_results(
            tuner, settings, results_uri, columns, target=target,
            report_uris=_report_uris(output_dict),
        )
        search.write_best_hyperparameters(
            tuner,
            artifact_utils.get_single_uri(
                output_dict[spec.BEST_HYPERPARAMETERS_KEY]
            ),
            settings,
        )
        resume.finished(saved)
