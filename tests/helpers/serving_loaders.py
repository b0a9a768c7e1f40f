"""The pushed model's answers through both SavedModel loaders.

TensorFlow Serving's C++ server loads a SavedModel into a Session (import
the MetaGraph, restore the variables, run the init op); TensorFlow's
`tf.compat.v1.saved_model.loader.load` does the same, and stands in for it
here, where TF Serving cannot be installed. `tf.saved_model.load` is the
object-based TF2 loader the pipeline's own tests and TFMA use.
"""

import numpy as np

from components.trainer import model_export

# Float answers of two loaders (or of TFLite) agree to this: absolute for
# probabilities, relative for regression answers in the label's units
# (float32's own spacing at 150 is 1.5e-5).
ATOL = 1e-5
RTOL = 1e-5


def object_loader_answers(export_dir, records):
    import tensorflow as tf

    serve = tf.saved_model.load(export_dir).signatures[
        model_export.SERVING_SIGNATURE
    ]
    answers = serve(examples=tf.constant(records, dtype=tf.string))
    return {key: value.numpy() for key, value in answers.items()}


def session_loader_answers(export_dir, records):
    """`serving_default` through the session-based loader (TF Serving's
    way of loading), in a fresh graph."""
    import tensorflow as tf

    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta_graph = tf.compat.v1.saved_model.loader.load(
            session, [tf.saved_model.SERVING], export_dir
        )
        signature = meta_graph.signature_def[model_export.SERVING_SIGNATURE]
        return session.run(
            {key: info.name for key, info in signature.outputs.items()},
            {signature.inputs[model_export.EXAMPLES].name: records},
        )


def assert_same_answers(expected, actual):
    assert set(actual) == set(expected)
    for key, value in expected.items():
        if value.dtype.kind in "fc":
            np.testing.assert_allclose(
                actual[key], value, rtol=RTOL, atol=ATOL
            )
        else:
            np.testing.assert_array_equal(actual[key], value)
