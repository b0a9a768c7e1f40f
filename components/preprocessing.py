"""The generic Transform `preprocessing_fn`: derived from the data, no user code.

Each raw feature is transformed by its kind:
- numbers: missing values filled with the column mean, then z-scored (float32);
- strings, and integer columns named in `categorical_features`: a vocabulary
  with one out-of-vocabulary bucket, missing values as their own "" entry
  (int64 ids);
- strings named in `text_features`: kept as raw strings; the searched model
  decides how to vectorize them.
The label is left unnormalised for regression, and mapped to class ids through
its own vocabulary (`label_vocabulary_name`) for classification.

Every output has shape [batch, 1] so the model sees one layout for all
features. The configuration arrives through Transform's `custom_config`.
"""

import tensorflow as tf
import tensorflow_transform as tft

from components import feature_kinds

NUM_OOV_BUCKETS = 1


def _to_dense(tensor, default_value):
    """Turns a (possibly sparse, possibly missing) column into [batch, 1]."""
    if isinstance(tensor, tf.SparseTensor):
        # Optional CSV columns arrive as VarLen sparse tensors; at most one
        # value per row, so reshape to [batch, 1] and fill the holes.
        tensor = tf.sparse.SparseTensor(
            tensor.indices, tensor.values, [tensor.dense_shape[0], 1]
        )
        return tf.sparse.to_dense(tensor, default_value=default_value)
    return tf.reshape(tensor, [-1, 1])


def _numeric(tensor):
    tensor = _cast_float(tensor)
    # The mean of the present values is the least surprising fill: after
    # z-scoring a missing value becomes 0.
    mean = tft.mean(tensor)
    return tft.scale_to_z_score(_to_dense(tensor, mean))


def _as_strings(tensor):
    if tensor.dtype == tf.string:
        return _to_dense(tensor, "")
    if isinstance(tensor, tf.SparseTensor):
        tensor = tf.SparseTensor(
            tensor.indices,
            tf.strings.as_string(tensor.values),
            tensor.dense_shape,
        )
        return _to_dense(tensor, "")
    return tf.strings.as_string(_to_dense(tensor, 0))


def preprocessing_fn(inputs, custom_config):
    """Transform's entry point; `custom_config` comes from the pipeline.

    Args:
        inputs: raw feature tensors keyed by column name.
        custom_config: dict with `label` (the label column), `task`
            ("classification" or "regression"), optional lists
            `categorical_features`, `text_features`, `exclude_features`,
            and `columns` (added by `components.transform` from the curated
            schema: each column's safe key and kind).
    """
    config = feature_kinds.TransformConfig.from_dict(custom_config)
    columns = _columns(inputs, config, custom_config.get("columns"))
    outputs = {}
    for name, tensor in inputs.items():
        key, kind = columns[name]
        if kind == feature_kinds.LABEL:
            outputs[key] = _label(tensor, config.task)
        elif kind == feature_kinds.NUMERICAL:
            outputs[key] = _numeric(tensor)
        elif kind == feature_kinds.TEXT:
            outputs[key] = _to_dense(tensor, "")
        elif kind == feature_kinds.CATEGORICAL:
            outputs[key] = tft.compute_and_apply_vocabulary(
                _as_strings(tensor),
                num_oov_buckets=NUM_OOV_BUCKETS,
                vocab_filename=feature_kinds.vocabulary_name(key),
            )
    return outputs


def _columns(inputs, config, table):
    """Raw name -> (safe key, kind): from the curated schema's table, or,
    without one (Transform given SchemaGen's schema), from the config and
    the dtypes."""
    if table:
        return {c["name"]: (c["key"], c["kind"]) for c in table}
    keys = feature_kinds.column_keys(sorted(inputs), config.label)
    columns = {}
    for name, tensor in inputs.items():
        if name == config.label:
            kind = feature_kinds.LABEL
        elif name in config.exclude_features:
            kind = feature_kinds.EXCLUDED
        else:
            kind = config.kind_of(name, tensor.dtype == tf.string)
        columns[name] = (keys[name], kind)
    return columns


def _label(tensor, task):
    if task == feature_kinds.REGRESSION:
        return _to_dense(_cast_float(tensor), 0.0)
    # Class ids in frequency order; no OOV bucket, so an unseen label at
    # evaluation time maps to -1 and is visible rather than silently merged.
    return tft.compute_and_apply_vocabulary(
        _as_strings(tensor),
        num_oov_buckets=0,
        vocab_filename=feature_kinds.LABEL_VOCABULARY,
    )


def _cast_float(tensor):
    if isinstance(tensor, tf.SparseTensor):
        return tf.SparseTensor(
            tensor.indices, tf.cast(tensor.values, tf.float32),
            tensor.dense_shape,
        )
    return tf.cast(tensor, tf.float32)
