"""Executors of the run-history components (`components/run_history`)."""

import json
import logging
import os

from tfx.dsl.components.base import base_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.utils import io_utils
from tfx.utils import path_utils

from components.autokeras_tuner import resume
from components.run_history import records
from components.run_history import spec
from components.util import feature_kinds

LOGGER = logging.getLogger(__name__)
# Set by TFX's Pusher on its pushed_model output (tfx/components/pusher).
PUSHED_FLAG = "pushed"
PUSHED_DESTINATION = "pushed_destination"
# On the lookup's outputs: 1 when an earlier run's record was found.
FOUND_PROPERTY = "found_in_history"


def _columns(input_dict):
    return [
        {"name": d.name, "kind": d.kind}
        for d in feature_kinds.read_column_table_of(
            input_dict[spec.SCHEMA_KEY]
        )
    ]


def _folder(exec_properties):
    return records.scope_dir(
        exec_properties[spec.HISTORY_DIR_KEY], exec_properties[spec.SCOPE_KEY]
    )


def has_baseline(model_artifact):
    """Whether a lookup's baseline_model output holds a model."""
    return fileio.exists(path_utils.serving_model_dir(model_artifact.uri))


class LookupExecutor(base_executor.BaseExecutor):
    """Copies the latest earlier search and pushed model into the outputs."""

    def Do(self, input_dict, output_dict, exec_properties):
        folder = _folder(exec_properties)
        [results] = output_dict[spec.TUNER_RESULTS_KEY]
        [baseline] = output_dict[spec.BASELINE_MODEL_KEY]
        fileio.makedirs(results.uri)
        fileio.makedirs(baseline.uri)

        search_results, search_record = records.read_search(folder)
        results.set_int_custom_property(
            FOUND_PROPERTY, int(search_results is not None)
        )
        if search_results is None:
            LOGGER.info("no earlier tuner results: the search starts cold")
        else:
            with fileio.open(
                os.path.join(results.uri, records.SEARCH_RESULTS_FILE), "w"
            ) as f:
                f.write(json.dumps(search_results))
            LOGGER.info(
                "warm start from the search of %s",
                search_record.get("tuner_results_uri", "an earlier run"),
            )

        found = self._copy_baseline(folder, baseline, _columns(input_dict))
        baseline.set_int_custom_property(FOUND_PROPERTY, int(found))

    @staticmethod
    def _copy_baseline(folder, baseline, columns):
        push = records.read_push(folder)
        if push is None:
            LOGGER.info("no earlier pushed model: nothing to compare with")
            return False
        source = push["pushed_destination"]
        changed = records.incompatible_columns(push["columns"], columns)
        if changed:
            LOGGER.warning(
                "the latest pushed model (%s) reads columns this data does "
                "not have as it needs them: %s; it is not the baseline",
                source,
                ", ".join(changed),
            )
            return False
        if not fileio.exists(source):
            LOGGER.warning(
                "the latest pushed model %s is gone from the serving "
                "directory; there is no baseline",
                source,
            )
            return False
        # A copy, not a pointer: every orchestrator stages the lookup's
        # outputs like any artifact (KFP's launcher copies inputs from
        # minio:// into the pod), the serving directory is never staged.
        io_utils.copy_dir(source, path_utils.serving_model_dir(baseline.uri))
        LOGGER.info("baseline: the model pushed to %s", source)
        return True


class RecorderExecutor(base_executor.BaseExecutor):
    """Records the search, and the model if the Pusher pushed it."""

    def Do(self, input_dict, output_dict, exec_properties):
        folder = _folder(exec_properties)
        run_id = exec_properties.get(spec.RUN_ID_KEY, "")
        results_uri = artifact_utils.get_single_uri(
            input_dict[spec.TUNER_RESULTS_KEY]
        )
        with fileio.open(
            os.path.join(results_uri, records.SEARCH_RESULTS_FILE)
        ) as f:
            search_results = json.loads(f.read())
        [pushed] = input_dict[spec.PUSHED_MODEL_KEY]
        pushed_now = (
            pushed.has_custom_property(PUSHED_FLAG)
            and pushed.get_int_custom_property(PUSHED_FLAG) == 1
        )
        if pushed_now:
            destination = pushed.get_string_custom_property(PUSHED_DESTINATION)
            # The push first: a search record without its model is harmless
            # (warm start only), never the other way round.
            records.write_push(
                folder, destination, _columns(input_dict), pushed.uri, run_id
            )
        records.write_search(folder, search_results, results_uri, run_id)
        # The run is over: the finished search's durable copy has served.
        resume.drop_recorded_copy(results_uri)
        LOGGER.info(
            "recorded for the next run: this search%s",
            " and the pushed model" if pushed_now else "",
        )
