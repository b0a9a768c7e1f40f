"""The blessing thresholds, checked with TFMA's own validator.

Two earlier versions of `eval_config` computed the metric but keyed the
threshold differently (by class name; then without `example_weighted`), and
TFMA answered "Metric not found" and blessed nothing. These tests feed TFMA's
validator the metric keys the Evaluator really produces.
"""

from tensorflow_model_analysis.evaluators import metrics_validator
from tensorflow_model_analysis.metrics import metric_types
from tensorflow_model_analysis.utils import config_util

from components.util import feature_kinds
from pipelines import pipeline


def _validate(config, values, changes=None):
    """Validates as TFX's Evaluator does: the first model (no baseline) is
    judged on the absolute bounds only; later ones also on the change.

    Args:
        values: metric name -> the candidate's value.
        changes: metric name -> candidate minus baseline, or None.
    """
    config = config_util.update_eval_config_with_defaults(
        config, has_baseline=changes is not None, rubber_stamp=changes is None
    )
    model = config.model_specs[0].name
    metrics = {}
    for name, value in values.items():
        key = metric_types.MetricKey(
            name=name, model_name=model, example_weighted=False
        )
        metrics[key] = value
        if changes and name in changes:
            metrics[key.make_diff_key()] = changes[name]
    result = metrics_validator.validate_metrics(((), metrics), config)
    return result.validation_ok, list(result.metric_validations_per_slice)


CLASSIFIER = feature_kinds.TransformConfig(label="y", task="classification")
REGRESSOR = feature_kinds.TransformConfig(label="y", task="regression")


def test_a_classifier_must_beat_the_majority_class():
    config = pipeline.eval_config(CLASSIFIER)
    ok, failures = _validate(
        config,
        {
            "example_count": 100,
            "sparse_categorical_accuracy": 0.9,
            "accuracy_over_trivial": 0.05,
        },
    )
    assert ok, failures
    # 0.9 accuracy on a table where 95% of rows are one class: not blessed.
    ok, failures = _validate(
        config,
        {
            "example_count": 100,
            "sparse_categorical_accuracy": 0.9,
            "accuracy_over_trivial": -0.05,
        },
    )
    assert not ok
    assert "accuracy_over_trivial" in str(failures)
    assert "Metric not found" not in str(failures)


def test_a_regressor_must_beat_predicting_the_mean():
    config = pipeline.eval_config(REGRESSOR)
    assert _validate(
        config,
        {
            "example_count": 100,
            "mean_squared_error": 3.0,
            "mse_over_trivial": 0.5,
        },
    )[0]
    ok, failures = _validate(
        config,
        {
            "example_count": 100,
            "mean_squared_error": 3.0,
            "mse_over_trivial": -0.5,
        },
    )
    assert not ok and "mse_over_trivial" in str(failures)


def test_too_few_evaluation_rows_bless_nothing():
    config = pipeline.eval_config(CLASSIFIER)
    ok, failures = _validate(
        config,
        {
            "example_count": 7,
            "sparse_categorical_accuracy": 1.0,
            "accuracy_over_trivial": 0.4,
        },
    )
    assert not ok and "example_count" in str(failures)
    # The override: no minimum.
    config = pipeline.eval_config(CLASSIFIER, min_eval_rows=0)
    assert _validate(
        config,
        {
            "example_count": 7,
            "sparse_categorical_accuracy": 1.0,
            "accuracy_over_trivial": 0.4,
        },
    )[0]


def test_min_accuracy_replaces_the_trivial_bar():
    config = pipeline.eval_config(CLASSIFIER, min_accuracy=0.6)
    assert _validate(
        config,
        {
            "example_count": 100,
            "sparse_categorical_accuracy": 0.73,
        },
    )[0]
    ok, failures = _validate(
        config,
        {
            "example_count": 100,
            "sparse_categorical_accuracy": 0.4,
        },
    )
    assert not ok
    assert "Metric not found" not in str(failures)
    assert "lower_bound" in str(failures)


def test_max_mse_replaces_the_trivial_bar():
    config = pipeline.eval_config(REGRESSOR, max_regression_loss=2.0)
    assert _validate(
        config, {"example_count": 100, "mean_squared_error": 1.5}
    )[0]
    assert not _validate(
        config, {"example_count": 100, "mean_squared_error": 2.5}
    )[0]


def test_a_model_worse_than_the_blessed_one_is_not_blessed():
    config = pipeline.eval_config(CLASSIFIER)
    values = {
        "example_count": 100,
        "sparse_categorical_accuracy": 0.8,
        "accuracy_over_trivial": 0.1,
    }
    assert _validate(
        config, values, changes={"sparse_categorical_accuracy": 0.01}
    )[0]
    # As good as the baseline: not worse, so blessed.
    assert _validate(
        config, values, changes={"sparse_categorical_accuracy": 0.0}
    )[0]
    ok, failures = _validate(
        config, values, changes={"sparse_categorical_accuracy": -0.05}
    )
    assert not ok and "change_threshold" in str(failures)
