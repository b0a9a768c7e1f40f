"""Reading the Transform output: what the model inputs are, and the data.

The tuner and the trainer both start here, so a trial and the final model see
exactly the same inputs. Splits that fit in memory are parsed once into numpy
arrays (every trial then reuses them); larger ones stream from the TFRecords.
"""

import os

import numpy as np
import tensorflow as tf
from tfx.dsl.io import fileio

from components import feature_kinds
from components import preprocessing
from search_space import features as search_features

# Compressed TFRecord bytes above which a split streams instead of being
# loaded; transformed examples expand roughly 5-10x when parsed.
DEFAULT_IN_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024
PARSE_BATCH_SIZE = 4096


class InputDataError(ValueError):
    """The data cannot train the requested model; the message says why."""


def describe_inputs(tft_output, config, train_files=()):
    """The search engine's view of the transformed features and the label.

    Args:
        tft_output: a `tft.TFTransformOutput` of the pipeline's Transform.
        config: the `feature_kinds.TransformConfig` Transform ran with.
        train_files: the train split's files; a regression label's mean and
            standard deviation come from them (the head rescales by them).

    Returns:
        (features, labels): lists of `FeatureSpec` and `LabelSpec`.
    """
    spec = tft_output.transformed_feature_spec()
    if config.label_key not in spec:
        raise InputDataError(
            f"The label column {config.label!r} is not in the transformed "
            f"data (columns: {sorted(spec)}). Check --label."
        )
    features = []
    for name in sorted(spec):
        if name == config.label_key:
            continue
        dtype = spec[name].dtype
        if dtype == tf.string:
            features.append(
                search_features.FeatureSpec(name, feature_kinds.TEXT)
            )
        elif dtype == tf.int64:
            vocab = tft_output.vocabulary_size_by_name(
                feature_kinds.vocabulary_name(name)
            )
            features.append(
                search_features.FeatureSpec(
                    name,
                    feature_kinds.CATEGORICAL,
                    vocab_size=vocab + preprocessing.NUM_OOV_BUCKETS,
                )
            )
        elif len(spec[name].shape) == 3:  # decoded pixels [H, W, C]
            features.append(
                search_features.FeatureSpec(
                    name, feature_kinds.IMAGE, shape=tuple(spec[name].shape),
                    weights=config.image_weights,
                )
            )
        else:
            features.append(
                search_features.FeatureSpec(name, feature_kinds.NUMERICAL)
            )
    if not features:
        raise InputDataError(
            f"No feature columns besides the label {config.label!r} are left "
            "to learn from; check --exclude and the data's columns."
        )
    return features, [_describe_label(tft_output, config, train_files)]


def label_statistics(files, tft_output, label_key):
    """(mean, standard deviation) of a numeric label over the files."""
    spec = {label_key: tft_output.transformed_feature_spec()[label_key]}
    count, total, squares = 0, 0.0, 0.0
    dataset = (
        tf.data.TFRecordDataset(files, compression_type="GZIP")
        .batch(PARSE_BATCH_SIZE)
        .map(lambda batch: tf.io.parse_example(batch, spec))
    )
    for batch in dataset:
        values = batch[label_key].numpy().astype(np.float64).reshape(-1)
        count += values.size
        total += values.sum()
        squares += np.square(values).sum()
    if not count:
        return None, None
    mean = total / count
    return mean, float(np.sqrt(max(squares / count - mean * mean, 0.0)))


def _describe_label(tft_output, config, train_files):
    if config.task == feature_kinds.REGRESSION:
        mean, std = (
            label_statistics(train_files, tft_output, config.label_key)
            if train_files
            else (None, None)
        )
        return search_features.LabelSpec(
            config.label_key, feature_kinds.REGRESSION, mean=mean,
            std=std or None,
        )
    classes = class_names(tft_output)
    if len(classes) < 2:
        raise InputDataError(
            f"The label column {config.label!r} has a single class "
            f"{classes[0] if classes else None!r} in the data; a classifier "
            "needs at least two. Check the label column, or use "
            "--task regression for a numeric target."
        )
    return search_features.LabelSpec(
        config.label_key,
        feature_kinds.CLASSIFICATION,
        num_classes=len(classes),
    )


def class_names(tft_output):
    """Label values in class-id order (class id i is `class_names()[i]`)."""
    return [
        value.decode() if isinstance(value, bytes) else str(value)
        for value in tft_output.vocabulary_by_name(
            feature_kinds.LABEL_VOCABULARY
        )
    ]


def split_files(examples_uri, split):
    """The TFRecord files of one split of an Examples artifact."""
    pattern = os.path.join(examples_uri, f"Split-{split}", "*")
    # fileio: the artifact may be on object storage (gs://).
    files = sorted(fileio.glob(pattern))
    if not files:
        raise InputDataError(
            f"No {split!r} examples under {examples_uri} (looked for "
            f"{pattern}); check the ExampleGen split names."
        )
    return files


def _parsed_batches(files, tft_output):
    spec = tft_output.transformed_feature_spec()
    return (
        tf.data.TFRecordDataset(files, compression_type="GZIP")
        .batch(PARSE_BATCH_SIZE)
        .map(lambda batch: tf.io.parse_example(batch, spec))
    )


def load_split(
    files,
    tft_output,
    label,
    batch_size=32,
    in_memory_limit_bytes=DEFAULT_IN_MEMORY_LIMIT_BYTES,
):
    """Loads one split for `model.fit`.

    Args:
        files: the split's TFRecord files.
        tft_output: the `tft.TFTransformOutput` that wrote them.
        label: the label's key in the transformed data.
        batch_size: the batch size of a streamed split.
        in_memory_limit_bytes: splits above it stream from disk.

    Returns:
        `(x, y)` numpy arrays (x a dict keyed by feature) when the split's
        files are under the limit, else a `tf.data.Dataset` of batched
        `(x, y)` pairs that streams with prefetch. Splits with a text
        feature are a `tf.data.Dataset` either way (of the arrays, parsed
        once): Keras takes strings only through tf.data.
    """
    if sum(fileio.stat(f).length for f in files) > in_memory_limit_bytes:
        return (
            _parsed_batches(files, tft_output)
            .unbatch()
            .map(lambda row: (row, row.pop(label)))
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE)
        )
    columns = {}
    for batch in _parsed_batches(files, tft_output):
        for name, values in batch.items():
            columns.setdefault(name, []).append(values.numpy())
    if not columns:
        raise InputDataError(f"The files {files} hold no examples.")
    arrays = {name: np.concatenate(parts) for name, parts in columns.items()}
    y = arrays.pop(label)
    if any(values.dtype == object for values in arrays.values()):
        return tf.data.Dataset.from_tensor_slices((arrays, y)).batch(
            batch_size
        )
    return arrays, y
