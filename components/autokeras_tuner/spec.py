"""The AutoKerasTuner's inputs, outputs and parameters, keyed by constants."""

from tfx.types import component_spec
from tfx.types import standard_artifacts

from components.autokeras_tuner.report import artifacts as report_artifacts

EXAMPLES_KEY = "examples"
SCHEMA_KEY = "schema"
TRANSFORM_GRAPH_KEY = "transform_graph"
WARMUP_KEY = "warmup"
BEST_HYPERPARAMETERS_KEY = "best_hyperparameters"
TUNER_RESULTS_KEY = "tuner_results"
# The search report as the types KFP 2's UI renders (one file at each URI).
REPORT_HTML_KEY = "report_html"
REPORT_MARKDOWN_KEY = "report_markdown"

MAX_TRIALS_KEY = "max_trials"
TIME_LIMIT_SECONDS_KEY = "time_limit_seconds"
EPOCHS_KEY = "epochs"
SEED_KEY = "seed"
NUM_PARALLEL_TRIALS_KEY = "num_parallel_trials"
KEEP_BEST_CHECKPOINTS_KEY = "keep_best_checkpoints"
MAX_MODEL_SIZE_KEY = "max_model_size"
WARM_START_KEY = "warm_start"
HISTORY_DIR_KEY = "history_dir"
SCOPE_KEY = "scope"
CUSTOM_CONFIG_KEY = "custom_config"

# The standard TFX Tuner's file names, so the standard Trainer reads ours.
BEST_HYPERPARAMETERS_FILE = "best_hyperparameters.txt"
TUNER_RESULTS_FILE = "tuner_results.json"
# Every trial and the best model (`search.search_results`): what a warm
# start reads, and what the run history keeps of a search.
SEARCH_RESULTS_FILE = "search_results.json"
# Our extra key in best_hyperparameters.txt: how the best trial trained (seed,
# effective batch size, best epoch), for the Trainer's final fit.
FINAL_FIT_KEY = "final_fit"
# And the next best trials (their hyperparameters and final_fit), best first:
# the Trainer's candidates for an ensemble.
ENSEMBLE_CANDIDATES_KEY = "ensemble_candidates"
# And the search's own run-time values (epochs, seed): a Kubeflow run that
# sets them in its run form gets them in the Trainer too, whose
# custom_config was fixed at compile time.
RUN_PARAMETERS_KEY = "run_parameters"
# Its keys.
RUN_EPOCHS_KEY = "epochs"
RUN_SEED_KEY = "seed"
# The Trainer's custom_config option that makes it use them for its epochs.
EPOCHS_FOLLOW_SEARCH_OPTION = "epochs_follow_search"
# The most trials the Trainer can ensemble: best_hyperparameters.txt holds
# the best trial and the next MAX_ENSEMBLE_SIZE - 1 as ENSEMBLE_CANDIDATES.
# The Trainer trains `ensemble.DEFAULT_MAX_MEMBERS` of them unless its
# `ensemble` option asks for more (up to this) or fewer.
MAX_ENSEMBLE_SIZE = 4


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
        # 0 ignores the `warmup` input (a run-time switch on Kubeflow);
        # unset or 1 uses it.
        WARM_START_KEY: component_spec.ExecutionParameter(
            type=int, optional=True
        ),
        # JSON: the TransformConfig (label, task, feature kinds).
        CUSTOM_CONFIG_KEY: component_spec.ExecutionParameter(type=str),
        # The pipeline's run history and scope (components/run_history):
        # the durable copy of a running search lives there
        # (components/autokeras_tuner/resume.py); unset: beside the outputs.
        HISTORY_DIR_KEY: component_spec.ExecutionParameter(
            type=str, optional=True
        ),
        SCOPE_KEY: component_spec.ExecutionParameter(type=str, optional=True),
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
        REPORT_HTML_KEY: component_spec.ChannelParameter(
            type=report_artifacts.HTML
        ),
        REPORT_MARKDOWN_KEY: component_spec.ChannelParameter(
            type=report_artifacts.Markdown
        ),
    }
