"""The acceptance matrix's multi-task rows: `autokeras-tfx run --label a,b`,
one model with a head per label, scored per label on rows the pipeline
never saw, through the pushed model's `serving_default` on raw tf.Examples
(outputs keyed `<label>_classes`, `<label>_predictions`).

- mixed: a generated table with a 3-class label and a regression label in
  its own units (about 105 +- 40, with a square and an interaction term),
  missing values, a header with a space;
  each label must beat the trivial predictor and tie or beat the sklearn
  linear model of that label on the same training rows.
- linnerud: sklearn's three physiological targets (all regression, the
  tasks inferred from the values) from three exercise counts. Its 20 rows
  leave 4 test rows: too few to judge, so nothing is blessed or pushed, and
  the summary says so for the run; the trained model still answers all
  three labels in their units.

    ./dev pytest tests/acceptance/test_acceptance_multitask.py -q
"""

import os

import matrix_data
import matrix_run
import numpy as np
import pandas as pd
import pytest
import scoring

from tests.helpers import serving_loaders

pytestmark = pytest.mark.slow

HOLDOUT_FRACTION = 0.2


def _mixed_table(rows=1500, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    colour = rng.choice(["red", "green", "blue"], size=rows)
    score = x[:, 0] + 0.8 * x[:, 1] + np.where(colour == "red", 1.0, 0.0)
    segment = np.select([score < -0.5, score < 0.7], ["low", "mid"], "high")
    # Spend bends (a square, a slope that depends on the colour), as
    # real quantities do; a linear model gets its straight part only.
    spend = (
        120
        + 30 * x[:, 2]
        + 20 * x[:, 2] * (colour == "blue")
        - 15 * x[:, 0] ** 2
        + rng.normal(scale=10, size=rows)
    )
    frame = pd.DataFrame(
        {
            "x0": x[:, 0].round(3),
            "x1": x[:, 1].round(3),
            "x 2": x[:, 2].round(3),
            "colour": colour,
            "segment": segment,
            "spend": spend.round(2),
        }
    )
    frame.loc[rng.random(rows) < 0.05, "x1"] = None  # missing values
    return frame


def _linnerud():
    from sklearn.datasets import load_linnerud

    data = load_linnerud(as_frame=True)
    return pd.concat([data.data, data.target], axis=1).astype(int)


def _run(data_dir, output_dir, labels, *extra):
    from pipelines import cli

    return cli.run(
        cli.build_parser().parse_args(
            [
                "run",
                "--data",
                data_dir,
                "--label",
                ",".join(labels),
                "--max-trials",
                "2",
                "--epochs",
                "25",
                "--output",
                output_dir,
                "--seed",
                "0",
                "--pipeline-name",
                matrix_run.PIPELINE_NAME,
                *extra,
            ]
        )
    )


def _serialized(frame, spec, labels):
    rows = frame.astype(object).where(frame.notna(), "").astype(str)
    return [
        scoring.to_example(
            row, {k: v for k, v in spec.items() if k not in labels}, labels[0]
        )
        for row in rows.to_dict("records")
    ]


def _print(request, line):
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nacceptance {line}", flush=True)


def test_classification_and_regression_heads_beat_their_baselines(
    tmp_path, request
):
    frame = _mixed_table()
    train = frame.sample(frac=1 - HOLDOUT_FRACTION, random_state=0)
    holdout = frame.drop(train.index)
    data_dir = tmp_path / "data"
    matrix_data.write_csv(train, str(data_dir / "data.csv"))
    output_dir = str(tmp_path / "output")

    summary = _run(
        str(data_dir),
        output_dir,
        ["segment", "spend"],
        "--task",
        "segment=classification",
    )
    blessing = (
        summary.get("blessing_reasons"),
        summary.get("blessing_failures"),
    )
    assert summary["pushed"], f"nothing was pushed: {blessing}"
    # Blessed on both labels, each named with its own bar.
    reasons = " ".join(summary["blessing_reasons"])
    assert "segment: accuracy" in reasons and "spend: MSE" in reasons
    for name in (
        "segment/sparse_categorical_accuracy",
        "spend/mean_squared_error",
    ):
        assert name in summary["metrics"], sorted(summary["metrics"])

    spec = scoring.raw_feature_spec(
        scoring.transform_graph_uri(
            summary, output_dir, matrix_run.PIPELINE_NAME
        )
    )
    records = np.array(
        _serialized(holdout, spec, ["segment", "spend"]), dtype=object
    )
    answers = serving_loaders.object_loader_answers(
        summary["pushed_model"], records
    )
    assert {
        "segment_classes",
        "segment_probabilities",
        "spend_predictions",
    } <= set(answers), sorted(answers)
    # TF Serving's session loader gives the same answers.
    serving_loaders.assert_same_answers(
        answers,
        serving_loaders.session_loader_answers(
            summary["pushed_model"], records
        ),
    )
    # And the model server's C++ loader, without Python's ops (issue 26).
    serving_loaders.assert_same_answers(
        answers,
        serving_loaders.cpp_loader_answers(summary["pushed_model"], records),
    )

    read_train = matrix_data.read_frame(str(data_dir / "data.csv"))
    lines = []
    for label, task, ours in (
        (
            "segment",
            "classification",
            [c.decode() for c in answers["segment_classes"]],
        ),
        ("spend", "regression", answers["spend_predictions"][:, 0]),
    ):
        others = [c for c in ("segment", "spend") if c != label]
        truth = holdout[label]
        truth = truth.astype(str) if task == "classification" else truth
        linear = scoring.sklearn_predictions(
            task,
            read_train.drop(columns=others),
            holdout.drop(columns=others),
            label,
            (),
        )
        trivial = scoring.trivial_predictions(
            task, read_train[label], len(holdout)
        )
        scores = {
            name: scoring.score(task, truth, values)
            for name, values in (
                ("ours", ours),
                ("linear", linear),
                ("trivial", trivial),
            )
        }
        margin = scoring.tie_margin(task, truth, ours, linear)
        lines.append(
            f"{label} ({task}): "
            + "  ".join(f"{k} {v:.4f}" for k, v in scores.items())
            + f"  tie margin {margin:.3f}"
        )
        assert scores["ours"] > scores["trivial"], lines[-1]
        assert scores["ours"] >= scores["linear"] - margin, lines[-1]
    _print(
        request,
        f"mixed multi-task ({len(holdout)} held-out rows): "
        + "; ".join(lines),
    )


def test_linnerud_three_regression_labels_too_few_rows_to_bless(
    tmp_path, request
):
    labels = ["Weight", "Waist", "Pulse"]
    frame = _linnerud()
    data_dir = tmp_path / "data"
    matrix_data.write_csv(frame, str(data_dir / "data.csv"))
    output_dir = str(tmp_path / "output")

    summary = _run(str(data_dir), output_dir, labels)  # tasks inferred
    for label in labels:
        assert f"{label}/mean_squared_error" in summary["metrics"], sorted(
            summary["metrics"]
        )
    assert not summary["pushed"] and not summary["blessed"]
    failures = " ".join(summary["blessing_failures"])
    assert "evaluation rows" in failures, failures

    # The Trainer's model (not pushed) answers every label in its units.
    from pipelines import local_runner
    from pipelines import run_summary

    store = run_summary.open_store(
        local_runner.local_paths(output_dir, matrix_run.PIPELINE_NAME)[
            "metadata_path"
        ]
    )
    model_dir = os.path.join(
        run_summary.latest_artifact(store, "Model").uri, "Format-Serving"
    )
    spec = scoring.raw_feature_spec(summary["transform_graph"])
    records = np.array(_serialized(frame, spec, labels), dtype=object)
    answers = serving_loaders.object_loader_answers(model_dir, records)
    lines = []
    for label in labels:
        predicted = answers[f"{label}_predictions"][:, 0]
        low, high = frame[label].min(), frame[label].max()
        lines.append(
            f"{label} mean {predicted.mean():.1f} (labels {low}..{high})"
        )
        # In the label's units: a head left in standard deviations would
        # answer near 0, far outside every label's range.
        assert low <= predicted.mean() <= high, lines[-1]
    _print(
        request,
        f"linnerud multi-task, not blessed ({failures}): " + "; ".join(lines),
    )
