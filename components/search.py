"""One search over the Transform output, and its outputs in TFX's format.

Reusable outside the executor (tests, a future distributed runner): every
function takes plain paths and objects, not artifacts.
"""

import dataclasses
import json
import logging
import os

import keras_tuner
from tfx.utils import io_utils

from components import data
from components import spec
from search_space import assemble
from search_space import oracle as oracle_lib
from search_space import tuner as tuner_lib

# The objective every task shares: the validation loss is defined for every
# head, so scores stay comparable whatever metrics a head adds.
OBJECTIVE = keras_tuner.Objective("val_loss", direction="min")


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    max_trials: int = 10
    time_limit_seconds: float | None = None
    epochs: int = 10
    seed: int = 0


def working_dir(results_uri):
    return os.path.join(results_uri, "search")


def run_search(examples_uri, tft_output, config, settings, working_dir):
    """Searches on the train split, scored on the eval split.

    Args:
        examples_uri: the transformed Examples artifact's URI.
        tft_output: the `tft.TFTransformOutput` of the same Transform.
        config: the `feature_kinds.TransformConfig` Transform ran with.
        settings: the `SearchSettings` budget and seed.
        working_dir: where the tuner keeps its trials and state.

    Returns:
        The finished `SearchTuner`.
    """
    features, labels = data.describe_inputs(tft_output, config)
    logging.info("Model inputs: %s; heads: %s", features, labels)
    train = data.load_split(
        data.split_files(examples_uri, "train"), tft_output, config.label
    )
    evaluation = data.load_split(
        data.split_files(examples_uri, "eval"), tft_output, config.label
    )
    hypermodel = assemble.default_hypermodel(features, labels)
    oracle = oracle_lib.HillClimbingOracle(
        objective=OBJECTIVE,
        max_trials=settings.max_trials,
        time_limit=settings.time_limit_seconds,
        seed=settings.seed,
        initial_hps=hypermodel.predefined_configurations(),
    )
    tuner = tuner_lib.SearchTuner(
        hypermodel,
        oracle=oracle,
        directory=working_dir,
        project_name="trials",
    )
    fit_kwargs = {"epochs": settings.epochs, "verbose": 0}
    if isinstance(train, tuple):
        tuner.search(*train, validation_data=evaluation, **fit_kwargs)
    else:
        tuner.search(train, validation_data=evaluation, **fit_kwargs)
    return tuner


def write_best_hyperparameters(tuner, output_uri):
    """Writes the best configuration as the standard TFX Tuner does."""
    best = tuner.get_best_hyperparameters(1)
    if not best:
        raise RuntimeError(
            "The search finished without a single successful trial; see the "
            "trial errors in the log above."
        )
    io_utils.write_string_file(
        os.path.join(output_uri, spec.BEST_HYPERPARAMETERS_FILE),
        json.dumps(best[0].get_config()),
    )


def trial_records(tuner):
    """Every trial, in the order it ran: TFX's records format plus status."""
    records = []
    for trial_id in sorted(tuner.oracle.trials):
        trial = tuner.oracle.trials[trial_id]
        records.append(
            {
                "trial_id": trial.trial_id,
                "status": trial.status,
                "score": trial.score,
                **trial.hyperparameters.values,
            }
        )
    return records


def write_trial_results(tuner, output_uri):
    io_utils.write_string_file(
        os.path.join(output_uri, spec.TUNER_RESULTS_FILE),
        json.dumps(trial_records(tuner), indent=1),
    )
