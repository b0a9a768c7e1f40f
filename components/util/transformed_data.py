"""Reading the Transform output: what the model inputs are, and the data.

The tuner and the trainer both start here, so a trial and the final model see
exactly the same inputs. `describe_inputs` builds the search engine's
`FeatureSpec`s from the column table FeatureKindsGen decided (each input's
kind and each label's task, read with `feature_kinds.
read_transform_column_table` from the schema Transform stores with its
graph), adding only what the Transform output alone knows (vocabulary sizes,
decoded image shapes). Splits that fit in memory are parsed once into numpy
arrays (every trial then reuses them); larger ones stream from the TFRecords.

Where the examples come from is a *batch source*: a callable
`batches(columns=None)` returning a `tf.data.Dataset` of one pass over the
split, in batches of dense tensors keyed by transformed feature name (only
`columns`, when given). By default (the tuner) the TFRecords are read here
directly with the transformed feature spec; the Trainer passes one built on
its `fn_args.data_accessor` (TFXIO, `components/trainer/train.py`).
"""

import hashlib
import math
import os
import posixpath

import numpy as np
import tensorflow as tf
from tfx.dsl.io import fileio

from components.transform import preprocessing
from components.util import feature_kinds
from search_space import features as search_features

# Compressed TFRecord bytes above which a split streams instead of being
# loaded; transformed examples expand roughly 5-10x when parsed.
DEFAULT_IN_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024
PARSE_BATCH_SIZE = 4096


class InputDataError(ValueError):
    """The data cannot train the requested model; the message says why."""


def describe_inputs(tft_output, config, train_files=(), batches=None):
    """The search engine's view of the transformed features and the label.

    Each input's kind, and each label's task, come from the column table
    Transform ran with (`column_table`); the Transform output adds what
    only it knows: vocabulary sizes and the decoded images' shapes.

    Args:
        tft_output: a `tft.TFTransformOutput` of the pipeline's Transform.
        config: the `feature_kinds.TransformConfig` Transform ran with.
        train_files: the train split's files (none: a regression label's
            scale is unknown). A regression label's mean and standard
            deviation (the head rescales by them) are StatisticsGen's, from
            the table, or else computed from these files.
        batches: the train split's batch source (module docstring); by
            default `train_files` read directly.

    Returns:
        (features, labels): lists of `FeatureSpec` and `LabelSpec`.
    """
    spec = tft_output.transformed_feature_spec()
    table = column_table(tft_output, config)
    by_name = {d.name: d for d in table}
    label_keys = {}
    for name in config.label_names:
        key = feature_kinds.safe_key(name)
        if key not in spec or name not in by_name:
            raise InputDataError(
                f"The label column {name!r} is not in the transformed "
                f"data (columns: {sorted(spec)}). Check --label."
            )
        label_keys[key] = name
    by_key = {d.key: d for d in table if d.kind != feature_kinds.EXCLUDED}
    features = []
    for name in sorted(spec):
        if name in label_keys:
            continue
        if name not in by_key:
            raise InputDataError(
                f"The transformed feature {name!r} is in no column of the "
                "column table Transform ran with; rerun FeatureKindsGen "
                "and Transform together."
            )
        features.append(
            _describe_feature(
                tft_output, config, name, by_key[name].kind, spec[name]
            )
        )
    if not features:
        raise InputDataError(
            "No feature columns besides the label "
            f"{', '.join(repr(n) for n in config.label_names)} are left "
            "to learn from; check --exclude and the data's columns."
        )
    return features, [
        _describe_label(
            tft_output, config, by_name[name], train_files, batches
        )
        for name in config.label_names
    ]


def column_table(tft_output, config):
    """The column table Transform ran with: the curated schema's, stored
    with the transform graph (`feature_kinds.read_transform_column_table`),
    or, for a Transform given SchemaGen's schema, the one
    `preprocessing_fn` derives from the config and the raw dtypes."""
    table = feature_kinds.read_transform_column_table(tft_output)
    if table:
        return table
    try:
        raw = tft_output.raw_feature_spec()
    except OSError as error:  # tf.Transform run outside TFX's component
        raise InputDataError(
            "The Transform output has no raw schema to read the columns' "
            "kinds from; run the pipeline's Transform component."
        ) from error
    return feature_kinds.column_table_without_statistics(
        {name: raw[name].dtype == tf.string for name in raw}, config
    )


def _describe_feature(tft_output, config, key, kind, tensor_spec):
    if kind == feature_kinds.CATEGORICAL:
        vocab = tft_output.vocabulary_size_by_name(
            feature_kinds.vocabulary_name(key)
        )
        return search_features.FeatureSpec(
            key,
            kind,
            vocab_size=vocab + preprocessing.NUM_OOV_BUCKETS,
        )
    if kind == feature_kinds.IMAGE:
        # The decoded pixels' [H, W, C], as Transform wrote them.
        return search_features.FeatureSpec(
            key,
            kind,
            shape=tuple(tensor_spec.shape),
            weights=config.image_weights,
        )
    if kind in (feature_kinds.TEXT, feature_kinds.NUMERICAL):
        return search_features.FeatureSpec(key, kind)
    raise InputDataError(
        f"The transformed feature {key!r} has kind {kind!r} in the column "
        "table; a model input is numerical, categorical, text or image."
    )


def label_keys(config):
    """What `load_split` takes as `label`: the one label's key, or the list
    of every label's key in a multi-task run (then `y` is a dict)."""
    keys = [feature_kinds.safe_key(name) for name in config.label_names]
    return keys if config.is_multi_task else keys[0]


def label_statistics(files, tft_output, label_key, batches=None):
    """(mean, standard deviation) of a numeric label over the files.

    `batches`: their batch source (module docstring), asked for the label
    column only; by default the files read directly.
    """
    count, total, squares = 0, 0.0, 0.0
    batches = batches or _direct_batches(files, tft_output)
    for batch in batches([label_key]):
        values = batch[label_key].numpy().astype(np.float64).reshape(-1)
        count += values.size
        total += values.sum()
        squares += np.square(values).sum()
    if not count:
        return None, None
    mean = total / count
    return mean, float(np.sqrt(max(squares / count - mean * mean, 0.0)))


def _describe_label(tft_output, config, decision, train_files, batches=None):
    name, key = decision.name, decision.key
    # A table written before labels carried their task: the config's.
    task = decision.task or config.task_of(name)
    if task == feature_kinds.REGRESSION:
        if not train_files:
            mean, std = None, None
        elif decision.mean is not None:
            # StatisticsGen's, stored in the table by FeatureKindsGen.
            mean, std = decision.mean, decision.std
        else:
            mean, std = label_statistics(train_files, tft_output, key, batches)
        return search_features.LabelSpec(
            key,
            feature_kinds.REGRESSION,
            mean=mean,
            std=std or None,
        )
    classes = class_names(tft_output, config.label_vocabulary_of(name))
    if len(classes) < 2:
        raise InputDataError(
            f"The label column {name!r} has a single class "
            f"{classes[0] if classes else None!r} in the data; a classifier "
            "needs at least two. Check the label column, or use "
            "--task regression for a numeric target."
        )
    return search_features.LabelSpec(
        key,
        feature_kinds.CLASSIFICATION,
        num_classes=len(classes),
    )


def class_names(tft_output, vocabulary=feature_kinds.LABEL_VOCABULARY):
    """Label values in class-id order (class id i is `class_names()[i]`).

    `vocabulary`: the label's vocabulary file (`TransformConfig.
    label_vocabulary_of`; the default is the first label's).
    """
    return [
        value.decode() if isinstance(value, bytes) else str(value)
        for value in tft_output.vocabulary_by_name(vocabulary)
    ]


def records_digest(examples_uri, canonical=False):
    """{split folder: [records, sum, xor of the records' 64-bit hashes]} of
    an Examples artifact: the same rows give the same answer however Beam
    sharded them (shard count and sizes vary run to run).

    `canonical`: hash each tf.Example re-serialized deterministically (its
    feature map's order in the bytes varies from process to process)."""
    splits = {}
    for path in sorted(
        fileio.glob(os.path.join(examples_uri, "Split-*", "*"))
    ):
        split = posixpath.basename(posixpath.dirname(path))
        count, total, xor = splits.get(split, (0, 0, 0))
        compression = "GZIP" if path.endswith(".gz") else ""
        for record in tf.data.TFRecordDataset(
            path, compression_type=compression
        ).as_numpy_iterator():
            if canonical:
                record = tf.train.Example.FromString(record).SerializeToString(
                    deterministic=True
                )
            value = int.from_bytes(
                hashlib.blake2b(record, digest_size=8).digest(), "little"
            )
            count, total, xor = (
                count + 1,
                (total + value) % (1 << 64),
                xor ^ value,
            )
        splits[split] = [count, total, xor]
    return splits


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


def _direct_batches(files, tft_output):
    """The default batch source: `files` read here, without TFXIO."""
    return lambda columns=None: _parsed_batches(files, tft_output, columns)


def _parsed_batches(files, tft_output, columns=None):
    spec = tft_output.transformed_feature_spec()
    if columns is not None:
        spec = {name: spec[name] for name in columns}
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
    batches=None,
):
    """Loads one split for `model.fit`.

    Args:
        files: the split's TFRecord files.
        tft_output: the `tft.TFTransformOutput` that wrote them.
        label: the label's key in the transformed data, or a list of keys
            (multi-task: `y` is then a dict keyed by label key, as the
            model's outputs are named; `label_keys`).
        batch_size: the batch size of a streamed split.
        in_memory_limit_bytes: splits above it stream from disk.
        batches: where the parsed examples come from, a batch source (module
            docstring) over `files`, e.g. the Trainer's TFXIO reader; by
            default the files are read here directly. `files` still
            decide, by their size, whether the split is loaded or streamed.

    Returns:
        `(x, y)` numpy arrays (x a dict keyed by feature) when the split's
        files are under the limit, else a `tf.data.Dataset` of batched
        `(x, y)` pairs that streams with prefetch. Splits with a text
        feature are a `tf.data.Dataset` either way (of the arrays, parsed
        once): Keras takes strings only through tf.data.
    """
    batches = batches or _direct_batches(files, tft_output)
    if sum(fileio.stat(f).length for f in files) > in_memory_limit_bytes:
        return (
            batches()
            .unbatch()
            .map(lambda row: (row, _pop_labels(row, label)))
            .batch(batch_size)
            .prefetch(tf.data.AUTOTUNE)
        )
    columns = {}
    for batch in batches():
        for name, values in batch.items():
            columns.setdefault(name, []).append(values.numpy())
    if not columns:
        raise InputDataError(f"The files {files} hold no examples.")
    arrays = {name: np.concatenate(parts) for name, parts in columns.items()}
    y = _pop_labels(arrays, label)
    if any(values.dtype == object for values in arrays.values()):
        return tf.data.Dataset.from_tensor_slices((arrays, y)).batch(
            batch_size
        )
    return arrays, y


def in_memory_batches(x, y, validation_data, batch_size, seed):
    """`model.fit` arguments for a split `load_split` loaded into memory:
    one tf.data pipeline for the whole fit (`AutoModel.fit`'s
    `input_pipeline`).

    Why: Keras's array adapter makes a new tf.data iterator twice an epoch
    for training and twice for validation, each instantiating a function
    that captures every input column, a cost that grows with the columns
    and dominates small searches (measured by
    tests/benchmarks/bench_input.py).
    Here the training rows are reshuffled every epoch (seeded) by index and
    gathered per batch, from one iterator that repeats; `steps_per_epoch`
    keeps Keras's epochs (the last batch of each is partial, as there).
    Validation batches are sliced in order, as Keras does.
    """
    columns = tf.nest.map_structure(tf.convert_to_tensor, (x, y))
    rows = int(tf.nest.flatten(columns)[0].shape[0])

    def gather(indices):
        return tf.nest.map_structure(
            lambda column: tf.gather(column, indices), columns
        )

    train = (
        tf.data.Dataset.range(rows)
        .shuffle(rows, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .repeat()
        .map(gather, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    arguments = {
        "x": train,
        "steps_per_epoch": math.ceil(rows / batch_size),
        # The dataset is shuffled above; Keras would only warn.
        "shuffle": False,
    }
    if isinstance(validation_data, tuple):
        validation_data = tf.data.Dataset.from_tensor_slices(
            tuple(validation_data)
        ).batch(batch_size)
    if validation_data is not None:
        arguments["validation_data"] = validation_data
    return arguments


def _pop_labels(columns, label):
    if isinstance(label, str):
        return columns.pop(label)
    return {key: columns.pop(key) for key in label}
