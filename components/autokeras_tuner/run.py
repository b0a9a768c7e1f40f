"""One execution of the AutoKerasTuner, on plain URIs and objects.

`executor.Executor.Do` turns its artifacts into the arguments of `run`;
`run` reads the warm start, continues an interrupted search of the same
inputs (`resume`), searches (`search.run_search`), then writes the results,
the report and the best hyperparameters.
"""

import logging
import os

import tensorflow_transform as tft
from tfx.dsl.io import fileio

from components.autokeras_tuner import resume
from components.autokeras_tuner import search

LOGGER = logging.getLogger(__name__)


def run(
    examples_uri,
    transform_graph_uri,
    config,
    settings,
    results_uri,
    best_hyperparameters_uri,
    fingerprint,
    warmup_uris=(),
    columns=(),
    history_folder=None,
    report_uris=(None, None),
):
    """Runs (or continues) the search and writes every output.

    Args:
        examples_uri: the transformed Examples artifact's URI.
        transform_graph_uri: the TransformGraph's URI.
        config: the `feature_kinds.TransformConfig` Transform ran with.
        settings: the `search.SearchSettings`.
        results_uri: the tuner_results directory (the search's state,
            trials, logs, results and report).
        best_hyperparameters_uri: the best_hyperparameters directory.
        fingerprint: `resume.fingerprint(...)` of the execution's inputs
            and parameters: it names the durable copy of the search.
        warmup_uris: earlier runs' tuner_results directories to warm-start
            from (one without a search record is skipped).
        columns: the curated schema's `ColumnDecision`s, for the report.
        history_folder: the scope's folder in the run history, where the
            durable copy is kept; None: beside the outputs.
        report_uris: (HTML, Markdown) artifact URIs of the report, or None
            for one not wanted.
    """
    target = search.search_target(config)
    warm_start = warm_start_configurations(warmup_uris, target)
    # A retried pod without its local state, a rerun after a kill, a
    # new run after a failed one: continue the unfinished search of the
    # same inputs from its durable copy.
    saved = resume.saved_state_dir(results_uri, fingerprint, history_folder)
    resume.continue_interrupted(results_uri, saved, search.STATE_DIRS)
    tuner = search.run_search(
        examples_uri=examples_uri,
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
    search.write_results(
        tuner,
        settings,
        results_uri,
        columns,
        target=target,
        report_uris=report_uris,
    )
    search.write_best_hyperparameters(
        tuner, best_hyperparameters_uri, settings
    )
    if history_folder:
        # Until the run ends: killed before then, the next run of the same
        # inputs takes the finished search instead of searching again.
        resume.keep_until_recorded(results_uri, saved)
    else:
        resume.finished(saved)


def warm_start_configurations(warmup_uris, target):
    """The configurations to try first: those of the last of `warmup_uris`
    that holds a search record ([] when none does)."""
    warm_start = []
    for uri in warmup_uris:
        # Empty on a first run (components/run_history).
        if not fileio.exists(os.path.join(uri, search.SEARCH_RESULTS_FILE)):
            continue
        warm_start = search.read_warm_start(uri, target=target)
        LOGGER.info(
            "Warm start: %d configurations from %s", len(warm_start), uri
        )
    return warm_start
