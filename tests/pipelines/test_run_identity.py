"""Runs never mix: each dataset gets its own pipeline directory (and so its
own ML Metadata, baseline model and warm start), and a pipeline name that
already holds another dataset's runs is refused with both described."""

import json

import pytest

from pipelines import local_runner


def _identity(label="y", task="classification", columns=("x", "y")):
    return local_runner.run_identity(label, task, columns)


def test_the_default_name_follows_the_data():
    name = local_runner.default_pipeline_name(_identity())
    assert name.startswith("y-classification-")
    assert local_runner.default_pipeline_name(_identity()) == name
    others = {
        local_runner.default_pipeline_name(_identity(columns=("x", "z", "y"))),
        local_runner.default_pipeline_name(_identity(task="regression")),
        local_runner.default_pipeline_name(_identity(label="x")),
    }
    assert name not in others and len(others) == 3
    # Kubeflow's rule holds for any label.
    from pipelines import pipeline

    pipeline.validate_pipeline_name(
        local_runner.default_pipeline_name(_identity(label="温度 (°C)"))
    )


def test_first_and_later_runs_of_a_pipeline(tmp_path):
    identity = _identity()
    assert local_runner.claim_pipeline_dir(tmp_path, "p", identity) is False
    assert (tmp_path / local_runner.OUTPUT_MARKER).exists()
    stored = json.loads((tmp_path / "p" / "identity.json").read_text())
    assert stored == identity
    # No metadata yet (the first run died before any stage): still first.
    assert local_runner.claim_pipeline_dir(tmp_path, "p", identity) is False
    (tmp_path / "p" / "metadata.sqlite").touch()
    assert local_runner.claim_pipeline_dir(tmp_path, "p", identity) is True


def test_another_dataset_under_the_same_name_is_refused(tmp_path):
    local_runner.claim_pipeline_dir(tmp_path, "p", _identity())
    with pytest.raises(local_runner.RunIdentityError) as error:
        local_runner.claim_pipeline_dir(
            tmp_path, "p", _identity(label="x", columns=("x", "y", "z"))
        )
    message = str(error.value)
    assert "label 'y'" in message and "label 'x'" in message
    assert "--pipeline-name" in message


def test_paths_are_per_pipeline(tmp_path):
    paths = local_runner.local_paths(str(tmp_path), "p")
    assert paths["metadata_path"] == str(tmp_path / "p" / "metadata.sqlite")
    assert paths["serving_model_dir"].startswith(str(tmp_path / "p"))
