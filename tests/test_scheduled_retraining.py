"""A scheduled retrain, locally: the pipeline runs a second time on new data
against the same ML Metadata. Its tuner warm-starts from the first run's
results, and its Evaluator compares the new model with the first run's
blessed one."""

import json
import os
import shutil

import pytest

from pipelines import cli
from pipelines import run_summary
from pipelines import sample_data

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def second_run(pipeline_run, tmp_path_factory):
    first_output, first_summary = pipeline_run
    root = tmp_path_factory.mktemp("retrain")
    # A copy, so the session's first run stays as other tests expect it.
    output = root / "out"
    shutil.copytree(first_output, output)
    data = sample_data.write_sample(str(root / "data"), rows=400, skip=400)
    summary = cli.run(
        cli.build_parser().parse_args(
            [
                "run", "--data", data, "--label", "payment_type",
                "--max-trials", "2", "--epochs", "2",
                "--output", str(output),
            ]
        )
    )
    return output, summary, first_summary


def test_the_search_starts_from_the_previous_best(second_run):
    output, _, first_summary = second_run
    store = run_summary.open_store(str(output / "metadata.sqlite"))
    results = run_summary.latest_artifact(store, "TunerResults")
    with open(os.path.join(results.uri, "search_results.json")) as f:
        trials = json.load(f)["trials"]
    assert trials[0]["origin"].startswith("warm start 1/")
    previous_best = {
        k: v for k, v in first_summary["best_trial"].items()
        if k not in ("trial_id", "status", "score")
    }
    assert trials[0]["hyperparameters"] == previous_best


def test_the_evaluator_compared_with_the_blessed_model(second_run):
    output, summary, first_summary = second_run
    store = run_summary.open_store(str(output / "metadata.sqlite"))
    evaluation = run_summary.latest_artifact(store, "ModelEvaluation")
    with open(os.path.join(evaluation.uri, "eval_config.json")) as f:
        config = json.load(f)["evalConfig"]
    names = {spec.get("name") for spec in config["modelSpecs"]}
    assert names == {"candidate", "baseline"}, config["modelSpecs"]
    assert first_summary["blessed"]
    # The summary shows the candidate's own metrics, not the baseline's.
    assert "sparse_categorical_accuracy" in summary["metrics"]
