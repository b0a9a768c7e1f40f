"""Wide tables: each numeric output depends on its own raw column only.

TFT traces every output of the transform graph back to the raw inputs it
depends on; an output that depends on all k numeric columns makes that
k x k, and a 2,000-column table never left Transform (issue 26, point 5;
the figures: tests/benchmarks/bench_wide.py). Checked on the traced graph,
without running Beam.
"""

NAMES = ["x0", "x1", "x2", "n"]


def _ops_reached(tensor):
    """Every op `tensor` depends on (data and control inputs)."""
    seen, todo = set(), [tensor.op]
    while todo:
        op = todo.pop()
        if op in seen:
            continue
        seen.add(op)
        todo.extend(t.op for t in op.inputs)
        todo.extend(op.control_inputs)
    return seen


def _raw_op(tensor):
    return tensor.values.op if hasattr(tensor, "values") else tensor.op


def test_each_numeric_output_depends_only_on_its_own_column():
    import tensorflow as tf
    from tensorflow_transform import impl_helper

    from components.transform import preprocessing

    # Sparse (optional) float columns and one dense int column, as the
    # curated schema declares them.
    specs = {n: tf.SparseTensorSpec([None, None], tf.float32) for n in NAMES}
    specs["n"] = tf.TensorSpec([None], tf.int64)
    specs["label"] = tf.TensorSpec([None], tf.string)

    def preprocessing_fn(inputs):
        return preprocessing.preprocessing_fn(
            inputs, {"label": "label", "task": "classification"}
        )

    _, inputs, outputs = impl_helper.trace_preprocessing_function(
        preprocessing_fn, specs, use_tf_compat_v1=True
    )
    for name in NAMES:
        reached = _ops_reached(outputs[name])
        depends_on = [n for n in NAMES if _raw_op(inputs[n]) in reached]
        assert depends_on == [name], (name, depends_on)
