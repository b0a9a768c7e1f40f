"""The column table: encoded once, read by one reader, and the kinds the
search's inputs are described by."""

import types

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_metadata.proto.v0 import schema_pb2

from components.util import feature_kinds
from components.util import transformed_data as data

TABLE = [
    feature_kinds.ColumnDecision(
        "zip code", "zip_code", "categorical", "int, 12 distinct"
    ),
    feature_kinds.ColumnDecision("notes", "notes", "text", "--text"),
    feature_kinds.ColumnDecision("price", "price", "numerical", "float"),
    feature_kinds.ColumnDecision("id", "id", "excluded", "ID-like"),
    feature_kinds.ColumnDecision(
        "photo", "photo", "image", "image bytes", image_shape=[8, 6, 3]
    ),
    feature_kinds.ColumnDecision(
        "y",
        "y",
        "label",
        "float, the label",
        task="regression",
        mean=2.5,
        std=0.5,
    ),
]


class _TransformOutput:
    """What `describe_inputs` asks of a `tft.TFTransformOutput`."""

    RAW_METADATA_DIR = "metadata"

    def __init__(self, root, schema, spec, vocabularies):
        (root / "transform_fn").mkdir()
        (root / "metadata").mkdir()
        self.transform_savedmodel_dir = str(root / "transform_fn")
        self.raw_metadata = types.SimpleNamespace(schema=schema)
        self._spec, self._vocabularies = spec, vocabularies

    def transformed_feature_spec(self):
        return dict(self._spec)

    def vocabulary_size_by_name(self, name):
        return self._vocabularies[name]


def _schema(decisions):
    schema = schema_pb2.Schema()
    schema.annotation.tag.append(feature_kinds.column_table_tag(decisions))
    return schema


def _spec():
    return {
        "zip_code": tf.io.FixedLenFeature([1], tf.int64),
        "notes": tf.io.FixedLenFeature([1], tf.string),
        "price": tf.io.FixedLenFeature([1], tf.float32),
        "photo": tf.io.FixedLenFeature([8, 6, 3], tf.float32),
        "y": tf.io.FixedLenFeature([1], tf.float32),
    }


def test_custom_config_carries_the_schema_table_in_the_same_encoding():
    config = feature_kinds.TransformConfig(label="y", task="regression")
    custom_config = feature_kinds.with_column_table(config.to_dict(), TABLE)
    assert custom_config["label"] == "y"
    assert feature_kinds.column_table_in(custom_config) == TABLE
    assert feature_kinds.read_column_table(_schema(TABLE)) == TABLE
    assert feature_kinds.column_table_in(config.to_dict()) == []


def test_inputs_take_their_kind_and_the_label_its_moments_from_the_table(
    tmp_path,
):
    output = _TransformOutput(
        tmp_path,
        _schema(TABLE),
        _spec(),
        {feature_kinds.vocabulary_name("zip_code"): 12},
    )
    config = feature_kinds.TransformConfig(label="y", task="regression")

    def unread(columns=None):
        raise AssertionError("the label's moments are in the table")

    features, [label] = data.describe_inputs(
        output, config, ["train.gz"], batches=unread
    )
    assert [(f.name, f.kind) for f in features] == [
        ("notes", "text"),
        ("photo", "image"),
        ("price", "numerical"),
        ("zip_code", "categorical"),
    ]
    by_name = {f.name: f for f in features}
    assert by_name["zip_code"].vocab_size == 13  # one OOV bucket
    assert by_name["photo"].shape == (8, 6, 3)
    assert (label.task, label.mean, label.std) == ("regression", 2.5, 0.5)


def test_a_label_without_moments_gets_them_from_the_transformed_data(tmp_path):
    table = TABLE[:-1] + [
        feature_kinds.ColumnDecision(
            "y", "y", "label", "float, the label", task="regression"
        )
    ]
    output = _TransformOutput(
        tmp_path,
        _schema(table),
        _spec(),
        {feature_kinds.vocabulary_name("zip_code"): 12},
    )
    config = feature_kinds.TransformConfig(label="y", task="regression")
    values = np.array([[1.0], [2.0], [4.0], [5.0]], np.float32)

    def batches(columns=None):
        assert columns == ["y"]
        return tf.data.Dataset.from_tensor_slices({"y": values}).batch(3)

    _, [label] = data.describe_inputs(
        output, config, ["train.gz"], batches=batches
    )
    assert label.mean == pytest.approx(3.0)
    assert label.std == pytest.approx(np.std(values))


def test_a_transformed_feature_outside_the_table_is_refused(tmp_path):
    spec = dict(_spec(), stray=tf.io.FixedLenFeature([1], tf.float32))
    output = _TransformOutput(
        tmp_path,
        _schema(TABLE),
        spec,
        {feature_kinds.vocabulary_name("zip_code"): 12},
    )
    config = feature_kinds.TransformConfig(label="y", task="regression")
    with pytest.raises(data.InputDataError, match="stray"):
        data.describe_inputs(output, config)


def test_without_a_curated_schema_kinds_come_from_config_and_dtypes():
    config = feature_kinds.TransformConfig(
        label="y",
        text_features=["notes"],
        categorical_features=["zip"],
        exclude_features=["id"],
    )
    table = feature_kinds.column_table_without_statistics(
        {
            "y": True,
            "notes": True,
            "colour": True,
            "zip": False,
            "price": False,
            "id": False,
        },
        config,
    )
    assert {d.name: (d.kind, d.task) for d in table} == {
        "y": ("label", "classification"),
        "notes": ("text", None),
        "colour": ("categorical", None),
        "zip": ("categorical", None),
        "price": ("numerical", None),
        "id": ("excluded", None),
    }


def test_a_transform_output_without_its_schema_is_refused_clearly():
    from tests.helpers import transform_harness

    rows, spec, custom_config = transform_harness.numeric_table(2, 20)
    _, output = transform_harness.analyze_and_transform(
        rows, spec, custom_config
    )
    config = feature_kinds.TransformConfig.from_dict(custom_config)
    assert feature_kinds.read_transform_column_table(output) == []
    with pytest.raises(data.InputDataError, match="no raw schema"):
        data.describe_inputs(output, config)
