"""The Transform `preprocessing_fn` through tf.Transform's real Beam
analyzers: numeric columns z-scored together, missing values filled."""

import numpy as np
import pytest

from tests.helpers.transform_harness import analyze_and_transform
from tests.helpers.transform_harness import numeric_table


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

    from components.transform import preprocessing

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


def _example(values):
    import tensorflow as tf

    feature = {}
    for name, value in values.items():
        if value is None:
            continue  # the cell is missing: no feature at all
        if isinstance(value, float):
            feature[name] = tf.train.Feature(
                float_list=tf.train.FloatList(value=[value])
            )
        elif isinstance(value, int):
            feature[name] = tf.train.Feature(
                int64_list=tf.train.Int64List(value=[value])
            )
        else:
            feature[name] = tf.train.Feature(
                bytes_list=tf.train.BytesList(value=[value.encode()])
            )
    return tf.train.Example(features=tf.train.Features(feature=feature))


def test_optional_numbers_read_dense_and_missing_cells_still_get_the_mean(
    tmp_path,
):
    """The curated schema declares optional numeric columns dense with a
    missing marker (faster Transform); through TFXIO, TFT and the serving
    parser a missing cell still becomes its column's mean (0)."""
    import tensorflow as tf
    import tensorflow_data_validation as tfdv
    from tensorflow_transform.tf_metadata import schema_utils

    from components.feature_kinds_gen import curation
    from components.util import feature_kinds
    from tests.helpers.transform_harness import analyze_and_transform_examples

    rng = np.random.default_rng(0)
    rows = []
    for r in range(300):
        rows.append(
            {
                "price": None if r % 7 == 0 else float(rng.normal(50, 10)),
                "count": None if r % 5 == 0 else int(rng.integers(0, 100)),
                "always": float(rng.normal()),
                "colour": ["red", "green", "blue"][r % 3],
                "label": "yes" if r % 2 else "no",
            }
        )
    path = str(tmp_path / "rows.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        for row in rows:
            writer.write(_example(row).SerializeToString())
    statistics = tfdv.generate_statistics_from_tfrecord(path)
    schema = tfdv.infer_schema(statistics)
    config = feature_kinds.TransformConfig(label="label")
    curated, decisions = curation.curate(
        schema, statistics.datasets[0], config, {"count": 100}
    )
    kinds = {d.name: d.kind for d in decisions}
    assert kinds["price"] == kinds["count"] == feature_kinds.NUMERICAL

    spec = schema_utils.schema_as_feature_spec(curated).feature_spec
    assert isinstance(spec["price"], tf.io.FixedLenFeature)
    assert np.isnan(spec["price"].default_value).all()
    assert np.ravel(spec["count"].default_value).tolist() == [
        feature_kinds.MISSING_INT
    ]
    # Only optional numbers change: the rest read as SchemaGen inferred.
    inferred = schema_utils.schema_as_feature_spec(schema).feature_spec
    for name in ("always", "colour", "label"):
        assert spec[name] == inferred[name], name

    # As the Transform executor hands it over.
    custom_config = feature_kinds.with_column_table(
        config.to_dict(), feature_kinds.read_column_table(curated)
    )
    transformed, tft_output = analyze_and_transform_examples(
        path, curated, custom_config, str(tmp_path / "tft")
    )
    by_key = {d.name: d.key for d in decisions}
    for name in ("price", "count"):
        raw = np.array(
            [np.nan if r[name] is None else r[name] for r in rows],
            dtype=np.float64,
        )
        present = ~np.isnan(raw)
        out = np.array(
            [float(np.ravel(t[by_key[name]])[0]) for t in transformed]
        )
        assert np.all(out[~present] == 0.0), name
        expected = (raw[present] - raw[present].mean()) / raw[present].std()
        np.testing.assert_allclose(out[present], expected, atol=1e-3)

    # Serving: a request without the optional columns parses (with the
    # spec the Transform component stores from this schema) and gets 0.
    request = _example({"always": 0.5, "colour": "red"}).SerializeToString()
    raw_spec = dict(spec)
    raw_spec.pop("label")
    parsed = tf.io.parse_example(tf.constant([request]), raw_spec)
    features = tft_output.transform_features_layer()(parsed)
    for name in ("price", "count"):
        assert float(np.ravel(features[by_key[name]])[0]) == 0.0, name
