"""The blessing thresholds, checked with TFMA's own validator.

Two earlier versions of `eval_config` computed the metric but keyed the
threshold differently (by class name; then without `example_weighted`), and
TFMA answered "Metric not found" and blessed nothing. These tests feed TFMA's
validator the metric keys the Evaluator really produces.
"""

from tensorflow_model_analysis.evaluators import metrics_validator
from tensorflow_model_analysis.metrics import metric_types
from tensorflow_model_analysis.utils import config_util

from components import feature_kinds
from pipelines import pipeline


def _validate(config, metric_name, value, change=None):
    """Validates as TFX's Evaluator does: the first model (no baseline) is
    judged on the absolute bound only; later ones also on the change."""
    config = config_util.update_eval_config_with_defaults(
        config, has_baseline=change is not None, rubber_stamp=change is None
    )
    model = config.model_specs[0].name
    key = metric_types.MetricKey(
        name=metric_name, model_name=model, example_weighted=False
    )
    metrics = {key: value}
    if change is not None:
        metrics[key.make_diff_key()] = change
    result = metrics_validator.validate_metrics(((), metrics), config)
    return result.validation_ok, list(result.metric_validations_per_slice)


def test_accuracy_above_the_bound_blesses():
    config = pipeline.eval_config(
        feature_kinds.TransformConfig(label="y", task="classification"),
        min_accuracy=0.6,
    )
    ok, failures = _validate(config, "sparse_categorical_accuracy", 0.73)
    assert ok, failures


def test_accuracy_below_the_bound_does_not_bless():
    config = pipeline.eval_config(
        feature_kinds.TransformConfig(label="y", task="classification"),
        min_accuracy=0.6,
    )
    ok, failures = _validate(config, "sparse_categorical_accuracy", 0.4)
    assert not ok
    assert "Metric not found" not in str(failures)
    assert "lower_bound" in str(failures)


def test_regression_bound_is_on_mean_squared_error():
    config = pipeline.eval_config(
        feature_kinds.TransformConfig(label="y", task="regression"),
        max_regression_loss=2.0,
    )
    assert _validate(config, "mean_squared_error", 1.5)[0]
    assert not _validate(config, "mean_squared_error", 2.5)[0]


def test_a_model_worse_than_the_blessed_one_is_not_blessed():
    config = pipeline.eval_config(
        feature_kinds.TransformConfig(label="y", task="classification"),
        min_accuracy=0.6,
    )
    assert _validate(config, "sparse_categorical_accuracy", 0.8, change=0.01)[0]
    ok, failures = _validate(
        config, "sparse_categorical_accuracy", 0.8, change=-0.05
    )
    assert not ok and "change_threshold" in str(failures)
