"""Column kinds from the statistics, and safe keys for any header."""

import pytest

from components.feature_kinds_gen import kind_inference
from components.feature_kinds_gen.kind_inference import ColumnProfile
from components.util import feature_kinds

CONFIG = feature_kinds.TransformConfig(label="y")


def _kinds(profiles, config=CONFIG):
    return {
        d.name: (d.kind, d.reason)
        for d in kind_inference.decide_kinds(profiles, config)
    }


def test_every_rule_names_its_reason():
    kinds = _kinds(
        [
            ColumnProfile("y", "string", 500, distinct=2),
            ColumnProfile("zip", "int", 500, distinct=12),
            ColumnProfile("count", "int", 500, distinct=300),
            ColumnProfile("id", "int", 500, distinct=500),
            ColumnProfile(
                "code", "string", 500, distinct=499, average_length=8
            ),
            ColumnProfile(
                "city", "string", 500, distinct=40, average_length=9
            ),
            ColumnProfile(
                "company",
                "string",
                500,
                distinct=20,
                natural_language=True,
                average_length=20,
            ),
            ColumnProfile(
                "review",
                "string",
                500,
                distinct=480,
                natural_language=True,
                average_length=200,
            ),
            ColumnProfile(
                "notes", "string", 500, distinct=450, average_length=60
            ),
            ColumnProfile("same", "float", 500, constant=True),
            ColumnProfile("empty", "string", 0),
            ColumnProfile("price", "float", 500),
            ColumnProfile("photo", "string", 500, distinct=500, image=True),
        ]
    )
    assert kinds["y"][0] == "label"
    assert kinds["zip"] == ("categorical", "int, 12 distinct")
    assert kinds["count"] == ("numerical", "int, 300 distinct")
    assert kinds["id"] == ("excluded", "ID-like: int distinct in 100% of rows")
    assert kinds["code"][0] == "excluded" and "ID-like" in kinds["code"][1]
    assert kinds["city"] == ("categorical", "string, 40 distinct")
    # Natural language by TFDV, but 20 values repeated: categories.
    assert kinds["company"][0] == "categorical"
    assert kinds["review"][0] == "text" and "TFDV" in kinds["review"][1]
    assert kinds["notes"][0] == "text" and "free text" in kinds["notes"][1]
    assert kinds["same"][0] == "excluded" and "constant" in kinds["same"][1]
    assert kinds["empty"] == ("excluded", "no values")
    assert kinds["price"] == ("numerical", "float")
    assert kinds["photo"][0] == "image" and "TFDV" in kinds["photo"][1]


def test_overrides_win():
    config = feature_kinds.TransformConfig(
        label="y",
        categorical_features=["count"],
        text_features=["code"],
        exclude_features=["price"],
    )
    kinds = _kinds(
        [
            ColumnProfile("y", "string", 50, distinct=2),
            ColumnProfile("count", "int", 500, distinct=300),
            ColumnProfile("code", "string", 500, distinct=499),
            ColumnProfile("price", "float", 500),
        ],
        config,
    )
    assert kinds["count"] == ("categorical", "--categorical, 300 distinct")
    assert kinds["code"] == ("text", "--text")
    assert kinds["price"] == ("excluded", "--exclude")


def test_small_tables_are_not_all_ids():
    kinds = _kinds(
        [
            ColumnProfile("y", "string", 10, distinct=2),
            ColumnProfile("n", "int", 10, distinct=10),
        ]
    )
    assert kinds["n"][0] == "categorical"


@pytest.mark.parametrize(
    "raw, key",
    [
        ("first col", "first_col"),
        ("a.b", "a_b"),
        ("x-y", "x_y"),
        ("größe", "groe"),
        ("温度", "column"),
        ("2nd", "c_2nd"),
        ("_x", "x"),
        ("ok_name", "ok_name"),
    ],
)
def test_safe_key(raw, key):
    assert feature_kinds.safe_key(raw) == key


def test_column_keys_are_unique_and_keep_safe_names():
    keys = feature_kinds.column_keys(
        ["a b", "a.b", "a_b", "class label", "温度", "x"], "class label"
    )
    assert keys["a_b"] == "a_b"  # already safe: keeps its name
    assert keys["class label"] == "class_label"
    assert len(set(keys.values())) == len(keys)
    assert {keys["a b"], keys["a.b"]} == {"a_b_2", "a_b_3"}


def test_the_table_round_trips_through_a_schema():
    from tensorflow_metadata.proto.v0 import schema_pb2

    decisions = kind_inference.decide_kinds(
        [
            ColumnProfile("y", "string", 50, distinct=2),
            ColumnProfile("größe", "float", 50),
        ],
        CONFIG,
    )
    schema = schema_pb2.Schema()
    schema.annotation.tag.append(feature_kinds.column_table_tag(decisions))
    assert feature_kinds.read_column_table(schema) == decisions


def _write_examples(root, rows):
    """An Examples artifact of `rows` (dicts of one float or int each) in
    a train and an eval split, as ExampleGen writes them (gzip)."""
    import tensorflow as tf
    from tfx.types import standard_artifacts

    for split in ("train", "eval"):
        folder = root / f"Split-{split}"
        folder.mkdir(parents=True)
        options = tf.io.TFRecordOptions(compression_type="GZIP")
        with tf.io.TFRecordWriter(str(folder / "data.gz"), options) as out:
            for row in rows:
                feature = {}
                for name, value in row.items():
                    if value is None:
                        continue
                    if isinstance(value, int):
                        feature[name] = tf.train.Feature(
                            int64_list=tf.train.Int64List(value=[value])
                        )
                    else:
                        feature[name] = tf.train.Feature(
                            float_list=tf.train.FloatList(value=[value])
                        )
                out.write(
                    tf.train.Example(
                        features=tf.train.Features(feature=feature)
                    ).SerializeToString()
                )
    examples = standard_artifacts.Examples()
    examples.uri = str(root)
    examples.split_names = '["train", "eval"]'
    return [examples], str(root / "Split-train" / "data.gz")


def _statistics_and_schema(path):
    import tensorflow_data_validation as tfdv

    statistics = tfdv.generate_statistics_from_tfrecord(
        path, stats_options=tfdv.StatsOptions()
    )
    return statistics.datasets[0], tfdv.infer_schema(statistics)


def test_a_regression_label_keeps_statisticsgen_moments_in_the_table(tmp_path):
    import numpy as np

    from components.feature_kinds_gen import curation

    rng = np.random.default_rng(0)
    rows = [
        {
            "y": float(rng.normal(40, 9)),
            "n": int(r % 4),
            "x": float(rng.normal()),
        }
        for r in range(60)
    ]
    examples, train = _write_examples(tmp_path / "examples", rows)
    dataset, schema = _statistics_and_schema(train)
    config = feature_kinds.TransformConfig(label="y", task="regression")
    curated, decisions = curation.curate_examples(
        schema, dataset, examples, config
    )
    by_name = {d.name: d for d in decisions}
    assert by_name["n"].kind == "categorical"  # its 4 integers counted
    label = by_name["y"]
    assert label.task == "regression"
    # What the tuner computed from the transformed (float32) labels.
    values = np.array([r["y"] for r in rows], np.float32).astype(np.float64)
    assert np.float32(label.mean) == np.float32(values.mean())
    assert np.float32(label.std) == np.float32(values.std())
    assert feature_kinds.read_column_table(curated) == decisions
    assert any(
        t.startswith(feature_kinds.DATA_DIGEST_TAG)
        for t in curated.annotation.tag
    )


def test_a_label_some_rows_lack_gets_no_moments_from_the_statistics(tmp_path):
    from components.feature_kinds_gen import curation

    # Transform fills a missing label with 0, which TFDV does not count.
    rows = [
        {"y": None if r % 5 == 0 else float(r), "x": float(r % 7)}
        for r in range(40)
    ]
    examples, train = _write_examples(tmp_path / "examples", rows)
    dataset, schema = _statistics_and_schema(train)
    config = feature_kinds.TransformConfig(label="y", task="regression")
    _, decisions = curation.curate_examples(schema, dataset, examples, config)
    [label] = [d for d in decisions if d.name == "y"]
    assert (label.task, label.mean, label.std) == ("regression", None, None)
