"""The curated Schema: each column's kind, decided from the statistics.

SchemaGen infers types and semantic domains (natural language, image) from
StatisticsGen's statistics; it does not say whether an integer is a
category or an ID. `curate_examples` reads the statistics, SchemaGen's
schema and (for integer columns only: TFDV counts distinct values for
strings alone; and for image columns' sizes) the raw train split, has
`kind_inference` decide every column's kind, and returns a standard Schema
(FeatureKindsGen's output) with the table:

- excluded columns are removed, so Transform never parses them and the
  serving signature does not ask for them;
- categorical integers get `int_domain.is_categorical`, text columns
  `natural_language_domain` (standard fields other tools understand);
- numeric columns that some rows lack are declared dense tensors whose
  missing cells read as a marker (`feature_kinds.MISSING_*`), in the
  schema's standard tensor representations: Transform then parses them
  without the sparse path, and the serving parser does the same;
- image columns (TFDV's image domain) get the height, width and channels
  Transform resizes them to, from a scan of the train split
  (`components/feature_kinds_gen/image_shape.py`);
- the whole table (raw name, safe key, kind, reason, image shape, a
  label's task) is stored as one annotation tag, in its one encoding
  (`feature_kinds.column_table_tag`); Transform, the tuner, the Trainer and
  the report read it back with `feature_kinds.read_column_table`;
- the raw rows' digest (`feature_kinds.DATA_DIGEST_TAG`) is another tag.
"""

import dataclasses
import json
import os

import tensorflow as tf
from tensorflow_metadata.proto.v0 import schema_pb2
from tensorflow_metadata.proto.v0 import statistics_pb2
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx_bsl.tfxio import tensor_representation_util

from components.feature_kinds_gen import image_shape
from components.feature_kinds_gen import kind_inference
from components.util import feature_kinds
from components.util import transformed_data

# Rows of the train split read to count distinct integers.
MAX_PROFILE_ROWS = 200_000
_DTYPES = {
    statistics_pb2.FeatureNameStatistics.INT: "int",
    statistics_pb2.FeatureNameStatistics.FLOAT: "float",
    statistics_pb2.FeatureNameStatistics.STRING: "string",
    statistics_pb2.FeatureNameStatistics.BYTES: "string",
}


def _statistics(dataset, name):
    for feature in dataset.features:
        if feature.path.step and feature.path.step[0] == name:
            return feature
    return None


def _profile(feature_stats, schema_feature, rows, int_distinct):
    name = schema_feature.name
    dtype = _DTYPES.get(feature_stats.type, "string")
    if feature_stats.HasField("num_stats"):
        numbers = feature_stats.num_stats
        present = numbers.common_stats.num_non_missing
        constant = present > 0 and numbers.min == numbers.max
        distinct, length = int_distinct.get(name), 0.0
    else:
        strings = feature_stats.string_stats
        present = strings.common_stats.num_non_missing
        distinct, length = strings.unique, strings.avg_length
        constant = present > 0 and distinct == 1
    return kind_inference.ColumnProfile(
        name=name,
        dtype=dtype,
        present=int(present),
        distinct=distinct,
        constant=constant,
        natural_language=schema_feature.HasField("natural_language_domain"),
        image=schema_feature.HasField("image_domain"),
        average_length=float(length),
    )


def count_int_distinct(train_uri, names):
    """Distinct values of the integer columns in the train split (its
    folder: `artifact_utils.get_split_uri(examples, "train")`)."""
    if not names:
        return {}
    files = fileio.glob(os.path.join(train_uri, "*"))
    spec = {name: tf.io.VarLenFeature(tf.int64) for name in names}
    seen = {name: set() for name in names}
    dataset = (
        tf.data.TFRecordDataset(files, compression_type="GZIP")
        .take(MAX_PROFILE_ROWS)
        .batch(4096)
        .map(lambda batch: tf.io.parse_example(batch, spec))
    )
    for batch in dataset:
        for name in names:
            seen[name].update(batch[name].values.numpy().tolist())
    return {name: len(values) for name, values in seen.items()}


def _check_overrides(config, names):
    for flag, columns in (
        ("--categorical", config.categorical_features),
        ("--text", config.text_features),
        ("--exclude", config.exclude_features),
        ("--image", config.image_features),
    ):
        unknown = [c for c in columns if c not in names]
        if unknown:
            raise ValueError(
                f"{flag} names {unknown}, which the data does not have; "
                f"its columns are: {', '.join(names)}."
            )


def curate_examples(schema, statistics, examples, config):
    """(curated schema, decisions) of an Examples artifact: everything
    FeatureKindsGen does between reading its inputs and writing its output.

    Args:
        schema: SchemaGen's Schema proto.
        statistics: the train split's `DatasetFeatureStatistics`.
        examples: the raw Examples artifact (a list of one).
        config: the run's `feature_kinds.TransformConfig`.
    """
    train_uri = artifact_utils.get_split_uri(examples, "train")
    int_names = [
        f.name
        for f in schema.feature
        if f.type == schema_pb2.INT and f.name not in config.label_names
    ]
    image_shapes = {
        name: image_shape.scan_shapes(train_uri, name)
        for name in {*image_columns(schema), *config.image_features}
        if name not in config.label_names
    }
    curated, decisions = curate(
        schema,
        statistics,
        config,
        count_int_distinct(train_uri, int_names),
        image_shapes,
    )
    # Bit-identical rows from run to run, unlike Transform's outputs
    # (its float analyzers sum in Beam's order): the tuner's resume
    # fingerprint reads it through this schema.
    curated.annotation.tag.append(
        feature_kinds.DATA_DIGEST_TAG
        + json.dumps(
            transformed_data.records_digest(
                artifact_utils.get_single_uri(examples), canonical=True
            )
        )
    )
    return curated, decisions


def curate(schema, dataset, config, int_distinct, image_shapes=None):
    """(curated schema, decisions) from SchemaGen's schema and the train
    split's statistics.

    Args:
        image_shapes: image column name -> `image_shape.scan_shapes` output
            (None: scanned by nobody; an image column then fails).
    """
    names = [feature.name for feature in schema.feature]
    for label in config.label_names:
        if label not in names:
            raise ValueError(
                f"The label column {label!r} is not in the data; its "
                f"columns are: {', '.join(names)}."
            )
    _check_overrides(config, names)
    profiles = []
    for feature in schema.feature:
        stats = _statistics(dataset, feature.name)
        if stats is None:  # no statistics: a column with no value at all
            profiles.append(
                kind_inference.ColumnProfile(feature.name, "string", 0)
            )
        else:
            profiles.append(
                _profile(stats, feature, dataset.num_examples, int_distinct)
            )
    decisions = [
        _with_label_moments(_with_image_shape(d, image_shapes or {}), dataset)
        for d in kind_inference.decide_kinds(profiles, config)
    ]
    kinds = {d.name: d.kind for d in decisions}
    curated = schema_pb2.Schema()
    curated.CopyFrom(schema)
    del curated.feature[:]
    for feature in schema.feature:
        kind = kinds[feature.name]
        if kind == feature_kinds.EXCLUDED:
            continue
        kept = curated.feature.add()
        kept.CopyFrom(feature)
        if kind == feature_kinds.CATEGORICAL and kept.type == schema_pb2.INT:
            kept.int_domain.is_categorical = True
        elif kind == feature_kinds.TEXT:
            kept.natural_language_domain.SetInParent()
    _declare_optional_numbers_dense(
        curated,
        {d.name for d in decisions if d.kind == feature_kinds.NUMERICAL},
    )
    curated.annotation.tag.append(feature_kinds.column_table_tag(decisions))
    return curated, decisions


def _declare_optional_numbers_dense(schema, numeric_names):
    """Declares each optional single-valued numeric column dense, its
    missing cells read as a marker value (`feature_kinds.MISSING_*`).

    Without this, tf.Transform reads a column that some rows lack as a
    SparseTensor, which is slower than reading it dense (measured by
    tests/benchmarks/bench_transform.py, figures in README). The
    marker keeps "missing" distinguishable: `preprocessing` fills exactly
    those cells with the column mean. The representation lives in the
    schema Transform stores with its graph, so the serving signature's
    parser fills absent values the same way.

    TFX reads some schemas' representations as all-or-nothing (projection
    by tensor name), so the group written holds every column: the inferred
    representation for the others.
    """
    if "" in schema.tensor_representation_group:
        return  # representations chosen upstream are left as they are
    markers = {
        schema_pb2.FLOAT: ("float_value", feature_kinds.MISSING_FLOAT),
        schema_pb2.INT: ("int_value", feature_kinds.MISSING_INT),
    }
    representations = (
        tensor_representation_util.InferTensorRepresentationsFromSchema(schema)
    )
    changed = False
    for feature in schema.feature:
        single_valued = (
            feature.HasField("value_count") and feature.value_count.max == 1
        )
        if (
            feature.name not in numeric_names
            or feature.HasField("shape")
            or not single_valued
            or feature.type not in markers
        ):
            continue  # already dense, lists, or not a number
        representation = schema_pb2.TensorRepresentation()
        dense = representation.dense_tensor
        dense.column_name = feature.name
        dense.shape.dim.add().size = 1
        field, marker = markers[feature.type]
        setattr(dense.default_value, field, marker)
        representations[feature.name] = representation
        changed = True
    if changed:
        tensor_representation_util.SetTensorRepresentationsInSchema(
            schema, representations
        )


def _with_image_shape(decision, image_shapes):
    if decision.kind != feature_kinds.IMAGE:
        return decision
    shape, reason = image_shape.decide_shape(
        image_shapes.get(decision.name, [])
    )
    return dataclasses.replace(
        decision, image_shape=shape, reason=f"{decision.reason}, {reason}"
    )


def _with_label_moments(decision, dataset):
    """A regression label with its mean and standard deviation from the
    statistics, where they are those of the values Transform passes on.

    Transform fills a missing label with 0, which the statistics do not
    count; then the moments are left to be read from the transformed data.
    """
    if decision.task != feature_kinds.REGRESSION:
        return decision
    stats = _statistics(dataset, decision.name)
    if stats is None or not stats.HasField("num_stats"):
        return decision
    numbers = stats.num_stats
    common = numbers.common_stats
    if (
        common.num_non_missing != dataset.num_examples
        or common.min_num_values != 1
        or common.max_num_values != 1
    ):
        return decision
    return dataclasses.replace(
        decision, mean=float(numbers.mean), std=float(numbers.std_dev)
    )


def image_columns(schema):
    """Names of the columns SchemaGen gave TFDV's image domain."""
    return [f.name for f in schema.feature if f.HasField("image_domain")]
