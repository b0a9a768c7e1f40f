"""The Transform `preprocessing_fn` through tf.Transform's real Beam
analyzers: numeric columns z-scored together, missing values filled."""

import numpy as np
import pytest
from transform_harness import analyze_and_transform
from transform_harness import numeric_table


def test_numeric_columns_are_z_scored_and_missing_values_become_zero():
    rows, spec, config = numeric_table(columns=3, rows=200, missing_every=7)
    transformed, _ = analyze_and_transform(rows, spec, config)
    assert len(transformed) == 200
    for c in range(3):
        key = f"x{c}"
        raw = np.array([r[key][0] if r[key] else np.nan for r in rows])
        present = ~np.isnan(raw)
        out = np.array([float(np.ravel(t[key])[0]) for t in transformed])
        # Missing -> the column mean -> 0 after scaling.
        assert np.all(out[~present] == 0.0)
        expected = (raw[present] - raw[present].mean()) / raw[present].std()
        np.testing.assert_allclose(out[present], expected, atol=1e-4)
    # The label still maps to class ids.
    assert {int(np.ravel(t["label"])[0]) for t in transformed} == {0, 1}


def test_a_constant_column_becomes_zeros_not_nan():
    rows, spec, config = numeric_table(columns=2, rows=50)
    for row in rows:
        row["x1"] = [3.0]
    transformed, _ = analyze_and_transform(rows, spec, config)
    out = np.array([float(np.ravel(t["x1"])[0]) for t in transformed])
    assert np.all(out == 0.0)


@pytest.mark.parametrize("columns", [4, 64])
def test_one_mean_and_one_variance_analyzer_however_many_columns(columns):
    """The analyzers in the graph do not grow with the column count (what
    keeps Transform's time flat; tests/benchmarks/bench_transform.py
    measures the seconds)."""
    import tensorflow as tf

    from components import preprocessing

    _, spec, config = numeric_table(columns=columns, rows=1)
    graph = tf.Graph()
    with graph.as_default():
        inputs = {
            name: (
                tf.compat.v1.sparse_placeholder(tf.float32, [None, None])
                if isinstance(feature, tf.io.VarLenFeature)
                else tf.compat.v1.placeholder(tf.string, [None])
            )
            for name, feature in spec.items()
        }
        outputs = preprocessing.preprocessing_fn(inputs, config)
        assert len(outputs) == columns + 1
    names = [op.name for op in graph.get_operations()]
    # Each TFT analyzer call gets its own top-level name scope (`mean`,
    # `mean_1`, ...); one column at a time made one per column.
    means = {n.split("/")[0] for n in names if n.startswith("mean")}
    variances = {n.split("/")[0] for n in names if n.startswith("var")}
    assert len(means) == 1 and len(variances) == 1, (means, variances)


def test_a_column_missing_from_whole_batches_keeps_a_finite_mean():
    # Beam batches rows; a batch in which a column has no value must not
    # turn its mean into NaN when the batches' statistics are merged.
    rows, spec, config = numeric_table(columns=2, rows=3000)
    for row in rows[:2900]:
        row["x1"] = []
    transformed, _ = analyze_and_transform(rows, spec, config)
    raw = np.array([r["x1"][0] for r in rows[2900:]])
    out = np.array([float(np.ravel(t["x1"])[0]) for t in transformed])
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(
        out[2900:], (raw - raw.mean()) / raw.std(), atol=1e-4
    )
