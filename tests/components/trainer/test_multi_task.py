"""Multi-task plumbing that needs no training: the label configuration, the
CLI's task inference, the Evaluator's per-label bars (with TFMA's own
validator) and the summary's per-label reasons. The end-to-end runs are in
tests/acceptance/test_acceptance_multitask.py."""

import pytest
from tensorflow_model_analysis.evaluators import metrics_validator
from tensorflow_model_analysis.metrics import metric_types
from tensorflow_model_analysis.utils import config_util

from components.trainer import model_export
from components.util import feature_kinds
from pipelines import pipeline
from pipelines import run_summary
from pipelines.preflight import input_checks

MIXED = feature_kinds.TransformConfig.for_labels(
    [("species", "classification"), ("weight kg", "regression")]
)


def test_the_labels_round_trip_through_custom_config():
    again = feature_kinds.TransformConfig.from_dict(MIXED.to_dict())
    assert again == MIXED
    assert again.label_tasks == (
        ("species", "classification"),
        ("weight kg", "regression"),
    )
    assert again.task_of("weight kg") == "regression"
    assert again.label_vocabulary_of("species") == (
        feature_kinds.LABEL_VOCABULARY
    )
    # Both labels are labels to Transform, the first keeps its key.
    keys = feature_kinds.column_keys(
        ["a", "species", "weight kg"], MIXED.label_names
    )
    assert keys == {"species": "species", "weight kg": "weight_kg", "a": "a"}


@pytest.mark.parametrize(
    "labels, message",
    [
        ([("a", "classification"), ("a", "regression")], "more than once"),
        (
            [("a b", "classification"), ("a_b", "regression")],
            "same model name",
        ),
        ([("a", "classification"), ("b", "clustering")], "task of label 'b'"),
    ],
)
def test_bad_label_sets_are_refused(labels, message):
    with pytest.raises(ValueError, match=message):
        feature_kinds.TransformConfig.for_labels(labels)


def _csv(tmp_path, text):
    data = tmp_path / "data"
    data.mkdir()
    (data / "data.csv").write_text(text)
    return str(data)


def test_tasks_are_inferred_from_each_labels_values(tmp_path):
    rows = ["x,kind,count,price"]
    for i in range(40):
        rows.append(f"{i % 7},{'ab'[i % 2]},{i % 3},{10 + i * 1.5}")
    rows.append("1,a,,2.0")  # one row without `count`: dropped
    data = _csv(tmp_path, "\n".join(rows) + "\n")
    report = input_checks.check_csv_input(
        data, "kind", None, other_labels=[("count", None), ("price", None)]
    )
    # Strings and few distinct integers: classes; fractions: a quantity.
    assert report.tasks == {
        "kind": "classification",
        "count": "classification",
        "price": "regression",
    }
    assert report.missing_label_rows == 1


def test_every_label_is_checked_as_a_single_one_is(tmp_path):
    data = _csv(tmp_path, "x,kind,price\n1,a,1.5\n2,b,nan\n3,a,2.5\n")
    with pytest.raises(
        input_checks.InputError, match=r"label 'price' is 'nan'"
    ):
        input_checks.check_csv_input(
            data,
            "kind",
            "classification",
            other_labels=[("price", "regression")],
        )
    with pytest.raises(input_checks.InputError, match="besides the label"):
        input_checks.check_csv_input(
            data,
            "kind",
            "classification",
            other_labels=[("price", "regression"), ("x", "regression")],
        )


def _validate(config, values):
    """TFMA's validator on per-output metric values (no baseline)."""
    config = config_util.update_eval_config_with_defaults(
        config, has_baseline=False, rubber_stamp=True
    )
    metrics = {
        metric_types.MetricKey(
            name=name,
            output_name=output,
            example_weighted=False,
        ): value
        for (output, name), value in values.items()
    }
    result = metrics_validator.validate_metrics(((), metrics), config)
    return result.validation_ok, [
        (f.metric_key.output_name, f.metric_key.name)
        for per_slice in result.metric_validations_per_slice
        for f in per_slice.failures
    ]


def test_every_label_must_clear_its_own_bar():
    config = pipeline.eval_config(MIXED)
    [spec] = config.model_specs
    species = model_export.multi_task_output_key("species", "probabilities")
    weight = model_export.multi_task_output_key("weight_kg", "predictions")
    # TFMA reads a multi-output model's predictions by output name: the
    # served tensor, mapped to its label.
    assert dict(spec.label_keys) == {species: "species", weight: "weight_kg"}
    assert [list(m.output_names) for m in config.metrics_specs] == [
        [species],
        [weight],
    ]
    good = {
        (species, "example_count"): 100,
        (species, "sparse_categorical_accuracy"): 0.9,
        (species, "accuracy_over_trivial"): 0.3,
        (weight, "mean_squared_error"): 4.0,
        (weight, "mse_over_trivial"): 20.0,
    }
    assert _validate(config, good) == (True, [])
    worse = {**good, (weight, "mse_over_trivial"): -1.0}
    ok, failures = _validate(config, worse)
    assert not ok and failures == [(weight, "mse_over_trivial")]


def test_an_absolute_bar_applies_to_the_labels_of_its_task():
    config = pipeline.eval_config(MIXED, min_accuracy=0.8)
    names = {
        tuple(spec.output_names): [m.class_name for m in spec.metrics]
        for spec in config.metrics_specs
    }
    assert names == {
        ("species_probabilities",): [
            "ExampleCount",
            "SparseCategoricalAccuracy",
        ],
        ("weight_kg_predictions",): ["MeanSquaredError", "MseOverTrivial"],
    }


def test_the_summary_names_the_label_of_each_reason():
    metrics = {
        "species/example_count": 50.0,
        "species/sparse_categorical_accuracy": 0.9,
        "species/trivial_accuracy": 0.4,
        "weight_kg/mean_squared_error": 3.0,
        "weight_kg/trivial_mse": 9.0,
    }
    assert run_summary.blessing_reasons(metrics, {}) == [
        "species: accuracy 0.9000 beats the majority class's 0.4000 on the "
        "same 50 evaluation rows",
        "weight_kg: MSE 3.0000 beats predicting the mean's 9.0000 on the "
        "same 50 evaluation rows",
    ]
    assert model_export.label_of_output("weight_kg_predictions") == (
        "weight_kg"
    )
