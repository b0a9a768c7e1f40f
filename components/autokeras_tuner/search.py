"""One search over the Transform output, and its outputs in TFX's format.

Reusable outside the executor (tests, the parallel workers): every function
takes plain paths and objects, not artifacts.

The search's state lives under the `tuner_results` artifact (`search/`),
written atomically after every trial, so running the same execution again
after a lost node continues where it stopped: finished trials are kept, the
time budget counts what was spent, and the oracle's random stream carries on.
"""

import dataclasses
import json
import logging
import math
import os

import keras
import keras_tuner
from tfx.utils import io_utils

from components.autokeras_tuner import parallel
from components.autokeras_tuner import spec
from components.autokeras_tuner.report import page as report
from components.autokeras_tuner.report import results as report_results
from components.util import transformed_data as data
from search_space import assemble
from search_space import oracle as oracle_lib
from search_space import storage
from search_space import tuner as tuner_lib

LOGGER = logging.getLogger(__name__)
# The objective every task shares: the validation loss is defined for every
# head, so scores stay comparable whatever metrics a head adds.
OBJECTIVE = keras_tuner.Objective("val_loss", direction="min")
# The full record of a search (for the report and the next run's warm
# start); tuner_results.json keeps the standard TFX Tuner's list format.
SEARCH_RESULTS_FILE = spec.SEARCH_RESULTS_FILE
# How many of an earlier run's best configurations a warm start tries first.
WARM_START_CONFIGURATIONS = 3
# A parallel search's worker processes run this module (it imports this one).
WORKER_MODULE = "components.autokeras_tuner.search_worker"


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    max_trials: int = 10
    time_limit_seconds: float | None = None
    epochs: int = 10
    seed: int = 0
    num_parallel_trials: int = 1
    keep_best_checkpoints: int = 1
    max_consecutive_failed_trials: int = 3
    max_model_size: int | None = None

    def to_dict(self):
        return dataclasses.asdict(self)


def working_dir(results_uri):
    return os.path.join(results_uri, "search")


def logs_dir(results_uri):
    """TensorBoard logs of every trial (`tensorboard --logdir` this)."""
    return os.path.join(results_uri, "logs")


# What an interrupted search leaves under its results URI, relative to it
# (`components.autokeras_tuner.resume` copies them to a rerun's URI).
STATE_DIRS = ("search", "logs")


def build_tuner(
    features, labels, settings, directory, warm_start=(), on_trial_saved=None
):
    """The tuner for a search; the same in the chief and in every worker.

    An existing search under `directory` is reloaded, not overwritten.
    """
    hypermodel = assemble.default_hypermodel(features, labels)
    oracle = oracle_lib.HillClimbingOracle(
        objective=OBJECTIVE,
        max_trials=settings.max_trials,
        time_limit=settings.time_limit_seconds,
        seed=settings.seed,
        initial_hps=hypermodel.predefined_configurations(),
        max_model_size=settings.max_model_size,
        warm_start_hps=list(warm_start),
        parallel_trials=settings.num_parallel_trials,
        max_consecutive_failed_trials=settings.max_consecutive_failed_trials,
    )
    return tuner_lib.SearchTuner(
        hypermodel,
        oracle=oracle,
        directory=directory,
        project_name="trials",
        keep_best_checkpoints=settings.keep_best_checkpoints,
        overwrite=False,
        on_trial_saved=on_trial_saved,
    )


def fit_arguments(examples_uri, tft_output, config, settings, results_uri):
    """(args, kwargs) for `tuner.search`: the splits, loaded once for every
    trial when they fit in memory, plus epochs and TensorBoard logging."""
    train = data.load_split(
        data.split_files(examples_uri, "train"),
        tft_output,
        data.label_keys(config),
    )
    evaluation = data.load_split(
        data.split_files(examples_uri, "eval"),
        tft_output,
        data.label_keys(config),
    )
    args = train if isinstance(train, tuple) else (train,)
    kwargs = {
        "validation_data": evaluation,
        "epochs": settings.epochs,
        "verbose": 0,
        # keras-tuner gives every trial its own sub-directory.
        "callbacks": [keras.callbacks.TensorBoard(logs_dir(results_uri))],
        "input_pipeline": data.in_memory_batches,
    }
    return args, kwargs


def run_search(
    examples_uri,
    tft_output,
    config,
    settings,
    results_uri,
    transform_graph_uri=None,
    warm_start=(),
    on_trial_saved=None,
):
    """Searches on the train split, scored on the eval split.

    Args:
        examples_uri: the transformed Examples artifact's URI.
        tft_output: the `tft.TFTransformOutput` of the same Transform.
        config: the `feature_kinds.TransformConfig` Transform ran with.
        settings: the `SearchSettings` budget and seed.
        results_uri: the tuner_results directory; the search's state, trials
            and logs live under it.
        transform_graph_uri: the TransformGraph's URI (parallel workers
            open it themselves).
        warm_start: configurations (dicts) from an earlier run to try first.
        on_trial_saved: callable(trial) as each trial starts and ends, once
            its state is on disk (`SearchTuner`); one process only: with
            parallel workers it is not called.

    Returns:
        The finished `SearchTuner`.
    """
    features, labels = data.describe_inputs(
        tft_output, config, data.split_files(examples_uri, "train")
    )
    LOGGER.info(
        "Searching over %d inputs (%s) for %s",
        len(features),
        ", ".join(f"{f.name}: {f.kind}" for f in features),
        ", ".join(f"{label.name}: {label.task}" for label in labels),
    )
    tuner = build_tuner(
        features,
        labels,
        settings,
        working_dir(results_uri),
        warm_start,
        on_trial_saved=(
            on_trial_saved if settings.num_parallel_trials == 1 else None
        ),
    )
    if settings.num_parallel_trials > 1:
        parallel.search_with_workers(
            tuner,
            settings.num_parallel_trials,
            worker_request={
                "examples_uri": examples_uri,
                "transform_graph_uri": transform_graph_uri,
                "config": config.to_dict(),
                "settings": settings.to_dict(),
                "results_uri": results_uri,
                "warm_start": list(warm_start),
            },
            worker_module=WORKER_MODULE,
        )
    else:
        args, kwargs = fit_arguments(
            examples_uri, tft_output, config, settings, results_uri
        )
        tuner.search(*args, **kwargs)
    return tuner


def search_target(config):
    """What a search predicts: results of another target do not warm-start
    it (a pipeline recompiled for another label keeps its name, and so its
    MLMD context)."""
    target = {"label": config.label, "task": config.task}
    if config.is_multi_task:
        target["labels"] = [list(pair) for pair in config.label_tasks]
    return target


def read_warm_start(results_uri, limit=WARM_START_CONFIGURATIONS, target=None):
    """The best configurations of an earlier run's tuner_results, best
    first ([] when it has none, or when `target` is given and the results
    were searched for another one, or do not say for which)."""
    record = storage.read_json(os.path.join(results_uri, SEARCH_RESULTS_FILE))
    if target is not None and record.get("target") != target:
        LOGGER.info(
            "Warm start skipped: %s was searched for %s, this search is for "
            "%s.",
            results_uri,
            record.get("target", "an unknown target"),
            target,
        )
        return []
    direction = record.get("objective", {}).get("direction", "min")
    scored = [
        t
        for t in record.get("trials", [])
        if t.get("status") == "COMPLETED" and _finite(t.get("score"))
    ]
    scored.sort(
        key=lambda t: t["score"] if direction == "min" else -t["score"]
    )
    return [t["hyperparameters"] for t in scored[:limit]]


def write_best_hyperparameters(tuner, output_uri, settings=None):
    """Writes the best configuration as the standard TFX Tuner does, plus
    how the best trial trained (`final_fit`), so the Trainer can train the
    final model the same way.

    `final_fit` holds the trial's effective batch size (halved after an
    out-of-memory retry) and its best epoch; `ensemble_candidates` the next
    best trials' hyperparameters and final_fit, best first;
    `HyperParameters.from_config` ignores the extra keys.
    """
    best = tuner.oracle.best_trial()
    if best is None:
        raise RuntimeError(
            "The search finished without a single successful trial; see the "
            "trial errors in the log above and in the search report."
        )
    config = best.hyperparameters.get_config()
    config[spec.FINAL_FIT_KEY] = _final_fit_recipe(tuner, best)
    if settings is not None:
        config[spec.RUN_PARAMETERS_KEY] = {
            spec.RUN_EPOCHS_KEY: settings.epochs,
            spec.RUN_SEED_KEY: settings.seed,
        }
    # The next best trials, for the Trainer's ensemble (`ensemble` option).
    config[spec.ENSEMBLE_CANDIDATES_KEY] = [
        {
            "hyperparameters": trial.hyperparameters.get_config(),
            spec.FINAL_FIT_KEY: _final_fit_recipe(tuner, trial),
        }
        for trial in tuner.oracle.ranked_trials()[1 : spec.MAX_ENSEMBLE_SIZE]
    ]
    io_utils.write_string_file(
        os.path.join(output_uri, spec.BEST_HYPERPARAMETERS_FILE),
        json.dumps(config),
    )


def _final_fit_recipe(tuner, trial):
    info = tuner.trial_info(trial.trial_id)
    return {
        "trial_number": report_results.trial_number(trial.trial_id),
        "seed": tuner.trial_seed(trial),
        "batch_size": info.get("batch_size"),
        "best_epoch": info.get("best_epoch") or info.get("epochs"),
        "epochs": info.get("epochs"),
        # Its best epoch's weights (a warm-started final fit starts there);
        # None when pruned.
        "checkpoint": tuner.checkpoint_path(trial.trial_id),
    }


def search_results(tuner, settings):
    """Everything about the search: budget, every trial, the best model."""
    oracle = tuner.oracle
    best = oracle.best_trial()
    attempts = tuner.trial_attempts()
    trials = []
    for trial_id in sorted(oracle.trials, key=int):
        trial = oracle.trials[trial_id]
        info = tuner.trial_info(trial_id)
        trials.append(
            {
                "trial_id": trial_id,
                # What people read: 1-based, as the live `trial 3/10` lines.
                "trial_number": report_results.trial_number(trial_id),
                "status": trial.status,
                "score": trial.score if _finite(trial.score) else None,
                "origin": oracle.trial_origins.get(trial_id, ""),
                "hyperparameters": trial.hyperparameters.values,
                "epochs": info.get("epochs"),
                "seconds": oracle.trial_seconds.get(
                    trial_id, info.get("seconds")
                ),
                "parameter_count": info.get("parameter_count"),
                "batch_size": info.get("batch_size"),
                "message": info.get("message", ""),
                "attempts": attempts.get(trial_id, 0),
            }
        )
    return {
        "objective": {
            "name": oracle.objective.name,
            "direction": oracle.objective.direction,
        },
        "best_trial_id": best.trial_id if best else None,
        "best_trial_number": (
            report_results.trial_number(best.trial_id) if best else None
        ),
        "budget": {
            "max_trials": settings.max_trials,
            "time_limit_seconds": settings.time_limit_seconds,
            "epochs": settings.epochs,
            "num_parallel_trials": settings.num_parallel_trials,
        },
        "seed": settings.seed,
        "elapsed_seconds": round(oracle.elapsed_seconds(), 3),
        "submodule_mutations": dict(oracle.submodule_counts),
        "trials": trials,
        "best_model": _architecture(tuner, best) if best else None,
    }


def _architecture(tuner, trial):
    keras.backend.clear_session()
    model = tuner.hypermodel.build(trial.hyperparameters)
    layers = []
    for layer in model.layers:
        try:
            shape = str(layer.output.shape)
        except (AttributeError, ValueError):
            shape = ""
        layers.append(
            {
                "name": layer.name,
                "class": type(layer).__name__,
                "output_shape": shape,
                "params": int(layer.count_params()),
            }
        )
    return {"layers": layers, "total_params": int(model.count_params())}


def write_results(
    tuner,
    settings,
    results_uri,
    columns=(),
    target=None,
    report_uris=(None, None),
):
    """tuner_results.json (TFX's list format), search_results.json and the
    report (HTML and Markdown, in `results_uri` and at `report_uris`).

    Args:
        tuner: the finished `SearchTuner`.
        settings: its `SearchSettings`.
        results_uri: the tuner_results directory.
        columns: the curated schema's `ColumnDecision`s (raw name, model
            input, kind, why), shown in the report.
        target: `search_target(config)`, kept for the next run's warm
            start.
        report_uris: (HTML, Markdown) URIs of the system.HTML and
            system.Markdown artifacts; the report is written at each.
    """
    results = search_results(tuner, settings)
    results["columns"] = [dataclasses.asdict(c) for c in columns]
    if target is not None:
        results["target"] = target
    tfx_records = [
        {
            "trial_id": t["trial_id"],
            "score": t["score"],
            "status": t["status"],
            **t["hyperparameters"],
        }
        for t in results["trials"]
    ]
    io_utils.write_string_file(
        os.path.join(results_uri, spec.TUNER_RESULTS_FILE),
        json.dumps(tfx_records, indent=1),
    )
    storage.write_json_atomically(
        os.path.join(results_uri, SEARCH_RESULTS_FILE), results
    )
    html_uri, markdown_uri = report_uris
    report.write_report(results, results_uri, html_uri, markdown_uri)
    return results


def _finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)
