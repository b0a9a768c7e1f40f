"""The AutoKerasTuner's inputs, outputs and parameters, keyed by constants."""

from tfx.types import component_spec
from tfx.types import standard_artifacts

EXAMPLES_KEY = "examples"
SCHEMA_KEY = "schema"
TRANSFORM_GRAPH_KEY = "transform_graph"
WARMUP_KEY = "warmup"
BEST_HYPERPARAMETERS_KEY = "best_hyperparameters"
TUNER_RESULTS_KEY = "tuner_results"

MAX_TRIALS_KEY = "max_trials"
TIME_LIMIT_SECONDS_KEY = "time_limit_seconds"
EPOCHS_KEY = "epochs"
SEED_KEY = "seed"
NUM_PARALLEL_TRIALS_KEY = "num_parallel_trials"
KEEP_BEST_CHECKPOINTS_KEY = "keep_best_checkpoints"
MAX_MODEL_SIZE_KEY = "max_model_size"
CUSTOM_CONFIG_KEY = "custom_config"

# The standard TFX Tuner's file names, so the standard Trainer reads ours.
BEST_HYPERPARAMETERS_FILE = "best_hyperparameters.txt"
TUNER_RESULTS_FILE = "tuner_results.json"


class AutoKerasTunerSpec(component_spec.ComponentSpec):
    """ComponentSpec of the AutoKerasTuner."""

    PARAMETERS = {
        MAX_TRIALS_KEY: component_spec.ExecutionParameter(type=int),
        # 0 means no time limit.
        TIME_LIMIT_SECONDS_KEY: component_spec.ExecutionParameter(type=int),
        EPOCHS_KEY: component_spec.ExecutionParameter(type=int),
        SEED_KEY: component_spec.ExecutionParameter(type=int),
        NUM_PARALLEL_TRIALS_KEY: component_spec.ExecutionParameter(
            type=int, optional=True
        ),
        KEEP_BEST_CHECKPOINTS_KEY: component_spec.ExecutionParameter(
            type=int, optional=True
        ),
        # Parameters; 0 means no limit.
        MAX_MODEL_SIZE_KEY: component_spec.ExecutionParameter(
            type=int, optional=True
        ),
        # JSON: the TransformConfig (label, task, feature kinds).
        CUSTOM_CONFIG_KEY: component_spec.ExecutionParameter(type=str),
    }
    INPUTS = {
        EXAMPLES_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Examples
        ),
        SCHEMA_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.Schema, optional=True
        ),
        TRANSFORM_GRAPH_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.TransformGraph
        ),
        # An earlier run's tuner_results: its best configurations are tried
        # first (warm start of a scheduled retrain).
        WARMUP_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.TunerResults, optional=True
        ),
    }
    OUTPUTS = {
        BEST_HYPERPARAMETERS_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.HyperParameters
        ),
        TUNER_RESULTS_KEY: component_spec.ChannelParameter(
            type=standard_artifacts.TunerResults
        ),
    }
