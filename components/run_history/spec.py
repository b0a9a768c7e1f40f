"""The run-history components' keys and specs."""

from tfx import types
from tfx.types import component_spec
from tfx.types import standard_artifacts

SCHEMA_KEY = "schema"
TUNER_RESULTS_KEY = "tuner_results"
BASELINE_MODEL_KEY = "baseline_model"
PUSHED_MODEL_KEY = "pushed_model"
HISTORY_DIR_KEY = "history_dir"
SCOPE_KEY = "scope"
RUN_ID_KEY = "run_id"

_PARAMETERS = {
    HISTORY_DIR_KEY: component_spec.ExecutionParameter(type=str),
    SCOPE_KEY: component_spec.ExecutionParameter(type=str),
    # Unique per local run: TFX's execution cache (on for local runs, so
    # that a killed run continues) must never hand a new run an old
    # lookup. Kubeflow runs compile with the cache off.
    RUN_ID_KEY: component_spec.ExecutionParameter(type=str),
}


class RunHistoryLookupSpec(types.ComponentSpec):
    PARAMETERS = _PARAMETERS
    INPUTS = {
        # The columns this run's baseline must be able to read.
        SCHEMA_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Schema
        ),
    }
    OUTPUTS = {
        TUNER_RESULTS_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.TunerResults
        ),
        BASELINE_MODEL_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Model
        ),
    }


class RunHistoryRecorderSpec(types.ComponentSpec):
    PARAMETERS = _PARAMETERS
    INPUTS = {
        SCHEMA_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Schema
        ),
        TUNER_RESULTS_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.TunerResults
        ),
        PUSHED_MODEL_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.PushedModel
        ),
    }
    OUTPUTS = {}
