"""An honest evaluation: train / eval / test from ExampleGen, the Evaluator
on test only, and a final model trained the way the best trial was.

Reuses the session's real pipeline run (400 taxi rows, `conftest.py`): its
ExampleGen output, the tuner's best_hyperparameters and Transform's output.
"""

import glob
import json
import os

import pytest

from pipelines import cli_args
from pipelines import pipeline as pipeline_lib

pytestmark = pytest.mark.slow


def _count_records(pattern):
    import tensorflow as tf

    files = glob.glob(pattern)
    assert files, pattern
    return sum(
        1 for _ in tf.data.TFRecordDataset(files, compression_type="GZIP")
    )


def _only(pattern):
    [path] = glob.glob(pattern)
    return path


def test_example_gen_writes_train_eval_test_and_only_test_blesses(
    pipeline_run,
):
    output, summary = pipeline_run
    examples = _only(
        str(output / "pipeline_root" / "CsvExampleGen" / "examples" / "*")
    )
    counts = {
        split: _count_records(os.path.join(examples, f"Split-{split}", "*"))
        for split in pipeline_lib.SPLIT_NAMES
    }
    # 400 rows, a small table: 3:1:1 by hash (about 240 / 80 / 80).
    assert sum(counts.values()) == 400
    assert 180 < counts["train"] < 300, counts
    assert 40 < counts["eval"] < 120 and 40 < counts["test"] < 120, counts
    # The Evaluator counted exactly the test rows: the rows the search
    # scored on (eval) never judge the model.
    assert summary["metrics"]["example_count"] == counts["test"], counts


def test_best_hyperparameters_carry_the_best_trials_training_recipe(
    pipeline_run,
):
    output, summary = pipeline_run
    path = _only(
        str(
            output
            / "pipeline_root"
            / "AutoKerasTuner"
            / "best_hyperparameters"
            / "*"
            / "best_hyperparameters.txt"
        )
    )
    with open(path) as f:
        config = json.load(f)
    recipe = config["final_fit"]
    # Trained 8 epochs at most (the run's --epochs), stopped at its best.
    assert 1 <= recipe["best_epoch"] <= recipe["epochs"] <= 8, recipe
    assert recipe["batch_size"] in (16, 32, 64, 128), recipe
    assert recipe["trial_number"] == summary["best_trial"]["trial_number"]
    # The seed the trial ran with: search seed 0 + its 0-based trial id.
    assert recipe["seed"] == recipe["trial_number"] - 1
    # The best trial's best-epoch weights, kept in the tuner's results for
    # a warm-started final fit.
    checkpoint = recipe["checkpoint"]
    assert checkpoint.endswith(".weights.h5") and os.path.isfile(checkpoint)
    assert os.sep + os.path.join("AutoKerasTuner", "tuner_results") in (
        checkpoint
    ), checkpoint
    # The standard reader still takes it.
    import keras_tuner

    hp = keras_tuner.HyperParameters.from_config(config)
    assert hp.values == config["values"]


def _transform_outputs(output):
    root = output / "pipeline_root" / "Transform"
    graph = _only(str(root / "transform_graph" / "*"))
    examples = _only(str(root / "transformed_examples" / "*"))
    return graph, examples


@pytest.mark.parametrize("mode", ["refit", "retrain"])
def test_the_final_fit_uses_the_recipe(pipeline_run, mode):
    import keras
    import tensorflow_transform as tft

    from components.trainer import final_fit
    from components.util import feature_kinds

    output, summary = pipeline_run
    graph, examples = _transform_outputs(output)
    train = glob.glob(os.path.join(examples, "Split-train", "*"))
    evaluation = glob.glob(os.path.join(examples, "Split-eval", "*"))
    config = feature_kinds.TransformConfig(label="payment_type")
    recipe = {"best_epoch": 3, "batch_size": 16, "seed": 1}
    kwargs = final_fit.fit_arguments(
        mode,
        recipe,
        8,
        train,
        evaluation,
        tft.TFTransformOutput(graph),
        config,
    )
    x, y = kwargs["x"]
    assert kwargs["batch_size"] == 16
    train_rows = _count_records(os.path.join(examples, "Split-train", "*"))
    eval_rows = _count_records(os.path.join(examples, "Split-eval", "*"))
    stops = [
        c
        for c in kwargs["callbacks"]
        if isinstance(c, keras.callbacks.EarlyStopping)
    ]
    if mode == "refit":
        # All the data the search saw, for the best trial's epoch count;
        # nothing left to early-stop on.
        assert len(y) == train_rows + eval_rows
        assert kwargs["epochs"] == 3
        assert "validation_data" not in kwargs and not stops
    else:
        assert len(y) == train_rows
        assert len(kwargs["validation_data"][1]) == eval_rows
        assert kwargs["epochs"] == 8 and stops


def test_an_unknown_final_fit_mode_is_an_error():
    from components.trainer import final_fit

    with pytest.raises(ValueError, match="refit"):
        final_fit.fit_arguments("bagging", {}, 8, [], [], None, None)
    # The CLI's choices mirror the Trainer's (kept apart so that `--help`
    # does not load TensorFlow).
    assert cli_args.FINAL_FIT_MODES == final_fit.FINAL_FIT_MODES


@pytest.mark.parametrize(
    "rows, expected",
    [
        (None, (8, 1, 1)),
        (400, (3, 1, 1)),
        (4999, (3, 1, 1)),
        (5000, (8, 1, 1)),
    ],
)
def test_the_default_split_holds_out_more_of_small_tables(rows, expected):
    assert pipeline_lib.split_for_rows(rows) == expected


def test_the_split_flag():
    assert cli_args.split_buckets("8,1,1") == (8, 1, 1)
    assert cli_args.split_buckets("auto") == "auto"
    import argparse

    for bad in ("8,1", "8,0,1", "a,b,c"):
        with pytest.raises(
            argparse.ArgumentTypeError, match="TRAIN,EVAL,TEST"
        ):
            cli_args.split_buckets(bad)
    with pytest.raises(ValueError, match="8,1,1"):
        pipeline_lib.example_gen_output_config((8, 1))
