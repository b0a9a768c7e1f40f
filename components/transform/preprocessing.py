"""The generic Transform `preprocessing_fn`: each column encoded by its kind.

Each raw feature is transformed by its kind:
- numbers: z-scored (float32), missing values filled with the column mean
  (0 after scaling); all numeric columns share one analyzer pass; a
  missing value arrives as a sparse hole or, where the curated schema
  declares the column dense, as its marker (`feature_kinds.MISSING_*`);
- strings, and integer columns named in `categorical_features`: a vocabulary
  with one out-of-vocabulary bucket, missing values as their own "" entry
  (int64 ids);
- strings named in `text_features`: kept as raw strings; the searched model
  decides how to vectorize them;
- encoded images (PNG, JPEG, GIF, BMP bytes): decoded and resized to the
  column table's `image_shape` (float32 pixels in [0, 255], shape
  [batch, height, width, channels]); being part of the Transform graph,
  this also runs inside the serving signature on raw bytes.
A label is left unnormalised for regression, and mapped to class ids through
its own vocabulary (`TransformConfig.label_vocabulary_of`) for
classification; a multi-task run does this for each label by its own task.

Every output but images has shape [batch, 1] so the model sees one layout
for all features. The configuration arrives through Transform's
`custom_config`, with the column table FeatureKindsGen decided (each
column's kind: `feature_kinds`); this module only encodes by kind.
"""

import tensorflow as tf
import tensorflow_transform as tft

from components.util import feature_kinds

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


def _numeric_columns(tensors):
    """Z-scores every numeric column at once; missing values become 0.

    All columns go into one [batch, k] tensor whose present values feed one
    mean and one variance analyzer (per column, reduce_instance_dims=False),
    both on the raw input, so TFT computes them in a single pass over the
    data however many columns there are. One `tft.mean` to fill, then
    `tft.scale_to_z_score` per column, cost two analyzer phases per column.
    A missing value is filled with its column's mean (0 after z-scoring);
    mean and variance are those of the present values.

    Args:
        tensors: dict of output key to raw numeric tensor (dense or sparse).

    Returns:
        Dict of output key to float32 [batch, 1].
    """
    keys = sorted(tensors)
    if not keys:
        return {}
    # NaN marks "missing" only inside this function.
    columns = [_numeric_values(tensors[k]) for k in keys]
    values = tf.concat(columns, axis=1)
    present = tf.logical_not(tf.math.is_nan(values))
    indices = tf.where(present)
    batch = tf.shape(values, out_type=tf.int64)[0]
    observed = tf.SparseTensor(
        indices,
        tf.gather_nd(values, indices),
        tf.stack([batch, tf.constant(len(keys), tf.int64)]),
    )
    mean = tft.mean(observed, reduce_instance_dims=False)
    variance = tft.var(observed, reduce_instance_dims=False)
    # A constant column has variance 0: it becomes all zeros, not NaN.
    std = tf.where(variance > 0, tf.sqrt(variance), tf.ones_like(variance))
    # Each output is computed from its own column, not sliced from the
    # [batch, k] concatenation: TFT traces every output back to the raw
    # inputs it depends on, and a slice of the concatenation depends on all
    # k columns, which made that tracing k x k on wide tables (2,000
    # columns did not finish). The concatenation only feeds the analyzers,
    # whose results are constants in the final graph.
    return {
        key: tf.where(
            tf.math.is_nan(column),
            tf.zeros_like(column),
            (column - mean[i]) / std[i],
        )
        for i, (key, column) in enumerate(zip(keys, columns))
    }


def _numeric_values(tensor):
    """float32 [batch, 1], NaN where the cell is missing: absent from a
    sparse column, or the curated schema's missing marker in a dense one."""
    if tensor.dtype == tf.int64 and not isinstance(tensor, tf.SparseTensor):
        missing = tf.equal(
            tf.reshape(tensor, [-1, 1]),
            tf.constant(feature_kinds.MISSING_INT, tensor.dtype),
        )
        values = tf.cast(tf.reshape(tensor, [-1, 1]), tf.float32)
        return tf.where(missing, float("nan"), values)
    return _to_dense(_cast_float(tensor), float("nan"))


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
            and `columns`: the column table (each column's safe key,
            kind and image shape), added by the Transform executor
            (`components/transform/executor.py`) from the curated schema.
    """
    config = feature_kinds.TransformConfig.from_dict(custom_config)
    table = {d.name: d for d in _column_table(inputs, config, custom_config)}
    outputs = {}
    numeric = {}
    for name, tensor in inputs.items():
        key, kind = table[name].key, table[name].kind
        if kind == feature_kinds.LABEL:
            outputs[key] = _label(
                tensor, config.task_of(name), config.label_vocabulary_of(name)
            )
        elif kind == feature_kinds.NUMERICAL:
            numeric[key] = tensor
        elif kind == feature_kinds.TEXT:
            outputs[key] = _to_dense(tensor, "")
        elif kind == feature_kinds.IMAGE:
            outputs[key] = decode_images(tensor, _image_shape(table[name]))
        elif kind == feature_kinds.CATEGORICAL:
            outputs[key] = tft.compute_and_apply_vocabulary(
                _as_strings(tensor),
                num_oov_buckets=NUM_OOV_BUCKETS,
                vocab_filename=feature_kinds.vocabulary_name(key),
            )
    outputs.update(_numeric_columns(numeric))
    return outputs


def _image_shape(decision):
    if decision.image_shape:
        return decision.image_shape
    raise ValueError(
        f"Image column {decision.name!r} has no image_shape in the column "
        "table; Transform needs FeatureKindsGen's curated schema for "
        "images."
    )


def decode_images(tensor, shape):
    """Encoded image bytes [batch] -> float32 [batch, height, width, channels].

    Any size and channel count decodes: `decode_image` converts to the
    target channels (gray <-> RGB, alpha dropped) and bilinear resizing
    brings every image to the target size. A value that is no image fails
    here with TensorFlow's message naming the format problem.
    """
    height, width, channels = (int(v) for v in shape)
    tensor = tf.reshape(_to_dense(tensor, ""), [-1])

    def decode(data):
        image = tf.io.decode_image(
            data, channels=channels, expand_animations=False
        )
        image = tf.image.resize(
            tf.cast(image, tf.float32), [height, width], antialias=True
        )
        return tf.ensure_shape(image, [height, width, channels])

    return tf.map_fn(
        decode,
        tensor,
        fn_output_signature=tf.TensorSpec(
            [height, width, channels], tf.float32
        ),
    )


def _column_table(inputs, config, custom_config):
    """The decisions, from the curated schema's table, or, without one
    (Transform given SchemaGen's schema), from the config and the dtypes."""
    table = feature_kinds.column_table_in(custom_config)
    if table:
        return table
    return feature_kinds.column_table_without_statistics(
        {name: t.dtype == tf.string for name, t in inputs.items()}, config
    )


def _label(tensor, task, vocabulary):
    if task == feature_kinds.REGRESSION:
        return _to_dense(_cast_float(tensor), 0.0)
    # Class ids in frequency order; no OOV bucket, so an unseen label at
    # evaluation time maps to -1 and is visible rather than silently merged.
    return tft.compute_and_apply_vocabulary(
        _as_strings(tensor),
        num_oov_buckets=0,
        vocab_filename=vocabulary,
    )


def _cast_float(tensor):
    if isinstance(tensor, tf.SparseTensor):
        return tf.SparseTensor(
            tensor.indices,
            tf.cast(tensor.values, tf.float32),
            tensor.dense_shape,
        )
    return tf.cast(tensor, tf.float32)
