"""The pushed model's answers through both SavedModel loaders.

TensorFlow Serving's C++ server loads a SavedModel into a Session (import
the MetaGraph, restore the variables, run the init op); TensorFlow's
`tf.compat.v1.saved_model.loader.load` does the same, and stands in for it
here, where TF Serving cannot be installed. It runs in a process that has
imported the Python `tensorflow` package, so every op a Python library
registers exists there; `cpp_loader_answers` loads the model through the C
API instead (`TF_LoadSessionFromSavedModel`), in a child process that never
imports `tensorflow`, where only C++-registered ops exist, as in the model
server. `tf.saved_model.load` is the object-based TF2 loader the pipeline's
own tests and TFMA use.
"""

import os
import subprocess
import sys
import tempfile

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


def cpp_loader_answers(export_dir, records):
    """`serving_default` on `records` through TensorFlow's C++ loader, in a
    fresh process without the Python `tensorflow` package (see
    cpp_saved_model_loader.py); an AssertionError with TensorFlow's message
    if the model does not load or run there."""
    script = os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        "cpp_saved_model_loader.py",
    )
    with tempfile.TemporaryDirectory(prefix="cpp-loader-") as scratch:
        records_path = os.path.join(scratch, "records.bin")
        out_path = os.path.join(scratch, "answers.npz")
        with open(records_path, "wb") as f:
            for record in records:
                f.write(len(record).to_bytes(8, "little"))
                f.write(record)
        done = subprocess.run(
            [
                sys.executable,
                script,
                export_dir,
                model_export.SERVING_SIGNATURE,
                model_export.EXAMPLES,
                records_path,
                out_path,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, (
            f"TensorFlow's C++ loader failed on {export_dir}:\n"
            + done.stderr[-3000:]
        )
        # Our own file: string outputs are object arrays (pickled).
        with np.load(out_path, allow_pickle=True) as answers:
            return {key: answers[key] for key in answers.files}


def assert_same_answers(expected, actual):
    assert set(actual) == set(expected)
    for key, value in expected.items():
        if value.dtype.kind in "fc":
            np.testing.assert_allclose(
                actual[key], value, rtol=RTOL, atol=ATOL
            )
        else:
            np.testing.assert_array_equal(actual[key], value)
