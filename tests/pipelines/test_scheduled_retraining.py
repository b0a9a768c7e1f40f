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
    shutil.copytree(first_output, output / first_output.name)
    (output / ".autokeras-tfx").touch()
    data = sample_data.write_sample(str(root / "data"), rows=400, skip=400)
    summary = cli.run(
        cli.build_parser().parse_args(
            [
                "run",
                "--data",
                data,
                "--label",
                "payment_type",
                "--max-trials",
                "2",
                "--epochs",
                "8",
                "--output",
                str(output),
            ]
        )
    )
    # The same data's columns: the same pipeline, so the same directory.
    assert summary["pipeline_dir"] == str(output / first_output.name)
    return output / first_output.name, summary, first_summary


def _latest_json(output, artifact_type, file_name):
    """A JSON file of the newest artifact of a type in the run's MLMD."""
    store = run_summary.open_store(str(output / "metadata.sqlite"))
    artifact = run_summary.latest_artifact(store, artifact_type)
    with open(os.path.join(artifact.uri, file_name)) as f:
        return json.load(f)


def test_the_search_starts_from_the_previous_best(second_run):
    output, _, first_summary = second_run
    trials = _latest_json(output, "TunerResults", "search_results.json")[
        "trials"
    ]
    assert trials[0]["origin"].startswith("warm start 1/")
    # The summary's best trial is search_results.json's own record.
    previous_best = first_summary["best_trial"]["hyperparameters"]
    assert trials[0]["hyperparameters"] == previous_best


def test_the_evaluator_compared_with_the_blessed_model(second_run):
    output, summary, first_summary = second_run
    config = _latest_json(output, "ModelEvaluation", "eval_config.json")[
        "evalConfig"
    ]
    names = {spec.get("name") for spec in config["modelSpecs"]}
    assert names == {"candidate", "baseline"}, config["modelSpecs"]
    assert first_summary["blessed"]
    # The summary shows the candidate's own metrics, not the baseline's.
    assert "sparse_categorical_accuracy" in summary["metrics"]
