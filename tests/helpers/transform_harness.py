"""Runs our `preprocessing_fn` through tf.Transform's real Beam pipeline on
in-memory rows (the same analyzers and graph as the Transform component,
without ExampleGen): for tests and the Transform benchmark."""

import json
import tempfile

import tensorflow as tf
import tensorflow_transform as tft
import tensorflow_transform.beam as tft_beam
from tensorflow_transform.tf_metadata import dataset_metadata
from tensorflow_transform.tf_metadata import schema_utils

from components.transform import preprocessing


def analyze_and_transform(rows, feature_spec, custom_config, temp_dir=None):
    """(transformed rows, TFTransformOutput) of `rows` (list of dicts).

    Args:
        rows: raw rows; a missing value is an empty list (VarLen feature).
        feature_spec: name -> tf.io.FixedLenFeature / VarLenFeature.
        custom_config: Transform's custom_config (label, task, columns...).
    """
    temp_dir = temp_dir or tempfile.mkdtemp(prefix="tft-")
    metadata = dataset_metadata.DatasetMetadata(
        schema_utils.schema_from_feature_spec(feature_spec)
    )

    def preprocessing_fn(inputs):
        return preprocessing.preprocessing_fn(inputs, custom_config)

    with tft_beam.Context(temp_dir=temp_dir):
        (transformed, _), transform_fn = (
            rows,
            metadata,
        ) | tft_beam.AnalyzeAndTransformDataset(preprocessing_fn)
        output_dir = temp_dir + "/transform_output"
        _ = transform_fn | tft_beam.WriteTransformFn(output_dir)
    return transformed, tft.TFTransformOutput(output_dir)


def numeric_table(columns, rows, seed=0, missing_every=0):
    """`rows` rows of `columns` float columns (plus a binary label) as
    (rows, feature_spec, custom_config)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    names = [f"x{i}" for i in range(columns)]
    data = rng.normal(loc=50.0, scale=10.0, size=(rows, columns))
    table = []
    for r in range(rows):
        row = {"label": "yes" if data[r, 0] > 50 else "no"}
        for c, name in enumerate(names):
            missing = missing_every and (r + c) % missing_every == 0
            row[name] = [] if missing else [float(data[r, c])]
        table.append(row)
    spec = {name: tf.io.VarLenFeature(tf.float32) for name in names}
    spec["label"] = tf.io.FixedLenFeature([], tf.string)
    config = {"label": "label", "task": "classification"}
    return table, spec, config


def analyze_and_transform_examples(path, schema, custom_config, temp_dir=None):
    """(transformed rows, TFTransformOutput) of a TFRecord of tf.Examples,
    read as the Transform component reads them: through TFXIO with
    `schema` (its tensor representations included)."""
    import apache_beam as beam
    from tfx_bsl.tfxio import tf_example_record

    temp_dir = temp_dir or tempfile.mkdtemp(prefix="tft-")
    tfxio = tf_example_record.TFExampleRecord(path, schema=schema)

    def preprocessing_fn(inputs):
        return preprocessing.preprocessing_fn(inputs, custom_config)

    output_dir = temp_dir + "/transform_output"
    rows_file = temp_dir + "/transformed.jsonl"
    with beam.Pipeline() as pipeline, tft_beam.Context(temp_dir=temp_dir):
        raw = pipeline | tfxio.BeamSource()
        (transformed, _), transform_fn = (
            raw,
            tfxio.TensorAdapterConfig(),
        ) | tft_beam.AnalyzeAndTransformDataset(preprocessing_fn)
        _ = transform_fn | tft_beam.WriteTransformFn(output_dir)
        # Written out: Beam runs the steps on pickled copies, so appending
        # to a list here would not reach the caller.
        _ = (
            transformed
            | beam.Map(_json_row)
            | beam.io.WriteToText(rows_file, shard_name_template="")
        )
    with open(rows_file) as f:
        rows = [json.loads(line) for line in f]
    return rows, tft.TFTransformOutput(output_dir)


def _json_row(row):
    import numpy as np

    return json.dumps(
        {
            key: [
                v.decode() if isinstance(v, bytes) else v
                for v in np.ravel(value).tolist()
            ]
            for key, value in row.items()
        }
    )
