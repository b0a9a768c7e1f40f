"""What the Trainer writes: the serving SavedModel, a `.keras` file, TFLite.

The serving SavedModel takes raw tf.Example strings. It is written with
Keras's `ExportArchive`, which tracks the Keras 3 model and Transform's layer
(a tf_keras layer: tensorflow-transform still uses Keras 2) and saves the
variables as plain `tf.Variable`s. A Keras 3 model tracked on a `tf.Module`
and saved with `tf.saved_model.save` loads in `tf.saved_model.load` but not in
the session-based loader TensorFlow Serving uses ("Could not find variable").
Its endpoints:
- `serving_default`: parses raw examples (no label), applies the Transform
  graph and the model; what the Pusher serves. One label: `probabilities`,
  `class_ids`, `classes` (classification) or `predictions` (regression).
  Several labels (multi-task): the same outputs per label, keyed
  `<label key>_<output>` (`multi_task_output_key`), e.g.
  `species_classes`, `weight_predictions`.
- `transform_features`: the Transform graph on raw examples, label included;
  TFMA calls it (`preprocessing_function_names`) to get class-id labels.

Beside `Format-Serving` (the only directory the Pusher copies, and the one
the Evaluator loads), the Trainer's model artifact holds:
- `Format-Keras/model.keras`: the trained model, transformed features in;
- `Format-TFLite/model.tflite` (with `tflite`): the same model for TFLite's
  builtin ops, for tabular models (no text column).
"""

import os
import tempfile

import keras
import tensorflow as tf
from absl import logging

SERVING_SIGNATURE = "serving_default"
TRANSFORM_SIGNATURE = "transform_features"
PROBABILITIES = "probabilities"
PREDICTIONS = "predictions"
CLASS_IDS = "class_ids"
CLASSES = "classes"
EXAMPLES = "examples"
KERAS_PATH = os.path.join("Format-Keras", "model.keras")
TFLITE_PATH = os.path.join("Format-TFLite", "model.tflite")
# The Trainer's custom_config key that asks for the TFLite file.
TFLITE_OPTION = "tflite"


def serving_outputs(outputs, class_names=None):
    """The serving signature's outputs from the model's raw outputs.

    Args:
        outputs: the model's output batch (probabilities, or P(class 1) for
            a sigmoid head, or regression values).
        class_names: label values in class-id order; None for regression.
    """
    if class_names is None:
        return {PREDICTIONS: tf.reshape(outputs, [-1, 1])}
    probabilities = outputs
    if probabilities.shape[-1] == 1:
        # A sigmoid head gives P(class 1); serve both columns so binary and
        # multi-class models answer in one format.
        probabilities = tf.concat([1.0 - outputs, outputs], axis=-1)
    class_ids = tf.argmax(probabilities, axis=-1)
    return {
        PROBABILITIES: probabilities,
        CLASS_IDS: class_ids,
        CLASSES: tf.gather(tf.constant(list(class_names)), class_ids),
    }


def multi_task_output_key(label_key, output):
    """A multi-task model's serving output of one label, e.g.
    `species_classes`."""
    return f"{label_key}_{output}"


def label_of_output(output_name):
    """The label key of a multi-task output name (`species_probabilities`
    -> `species`); other names unchanged."""
    for output in (PROBABILITIES, PREDICTIONS):
        if output_name.endswith("_" + output):
            return output_name[: -len(output) - 1]
    return output_name


def multi_task_serving_outputs(outputs, class_names_by_key):
    """Every label's serving outputs, keyed by `multi_task_output_key`.

    Args:
        outputs: the model's outputs, a dict keyed by label key.
        class_names_by_key: label key -> class names (None: regression).
    """
    served = {}
    for key, class_names in class_names_by_key.items():
        for output, tensor in serving_outputs(
            outputs[key], class_names
        ).items():
            served[multi_task_output_key(key, output)] = tensor
    return served


class _Endpoints:
    """The functions the archive traces: parse, transform, predict."""

    def __init__(self, model, tft_layer, raw_spec, label, class_names):
        self._model = model
        self._tft_layer = tft_layer
        self._raw_spec = dict(raw_spec)
        labels = {label} if isinstance(label, str) else set(label)
        self._serving_spec = {
            k: v for k, v in self._raw_spec.items() if k not in labels
        }
        self._input_names = [tensor.name for tensor in model.inputs]
        self._class_names = class_names

    def transform(self, examples):
        raw = tf.io.parse_example(examples, self._raw_spec)
        return self._tft_layer(raw)

    def serve(self, examples):
        raw = tf.io.parse_example(examples, self._serving_spec)
        transformed = self._tft_layer(raw)
        inputs = {name: transformed[name] for name in self._input_names}
        outputs = self._model(inputs, training=False)
        if isinstance(self._class_names, dict):
            return multi_task_serving_outputs(outputs, self._class_names)
        return serving_outputs(outputs, self._class_names)


def export_serving_model(model, tft_output, label, class_names, export_dir):
    """Saves the model with the Transform graph inside, for serving and TFMA.

    Args:
        model: the trained Keras 3 model (dict inputs keyed by feature).
        tft_output: the `tft.TFTransformOutput` the model was trained on.
        label: the label column (parsed only by `transform_features`), or
            the list of label columns of a multi-task model.
        class_names: label values in class-id order, or None for regression;
            multi-task: a dict label key -> class names or None.
        export_dir: the SavedModel directory to write.
    """
    tft_layer = tft_output.transform_features_layer()
    if isinstance(class_names, dict):
        class_names = {
            key: list(names) if names else None
            for key, names in class_names.items()
        }
    else:
        class_names = list(class_names) if class_names else None
    endpoints = _Endpoints(
        model,
        tft_layer,
        tft_output.raw_feature_spec(),
        label,
        class_names,
    )
    archive = keras.export.ExportArchive()
    archive.track(model)
    # The layer's lookup tables and vocabulary files go into the archive.
    archive.track(tft_layer)
    examples = [tf.TensorSpec([None], tf.string, name=EXAMPLES)]
    archive.add_endpoint(SERVING_SIGNATURE, endpoints.serve, examples)
    archive.add_endpoint(TRANSFORM_SIGNATURE, endpoints.transform, examples)
    archive.write_out(export_dir, verbose=False)


def model_artifact_dir(serving_model_dir):
    """The Trainer's model artifact: the parent of `Format-Serving`."""
    # Not normpath: it would turn gs://bucket into gs:/bucket.
    return os.path.dirname(serving_model_dir.rstrip("/"))


def keras_model_path(model_dir):
    return os.path.join(model_dir, KERAS_PATH)


def tflite_model_path(model_dir):
    return os.path.join(model_dir, TFLITE_PATH)


def export_keras_model(model, model_dir):
    """Saves the trained model as `<model_dir>/Format-Keras/model.keras`."""
    path = keras_model_path(model_dir)
    tf.io.gfile.makedirs(os.path.dirname(path))
    model.save(path)  # Keras copies to remote storage (gs://, s3://) itself
    return path


def tflite_unsupported_reason(model):
    """Why the model gets no TFLite file (None when it can)."""
    text = [t.name for t in model.inputs if t.dtype == "string"]
    if text:
        return (
            f"text columns {text} need TensorFlow ops outside TFLite's "
            "builtins; TFLite export is for tabular models"
        )
    return None


def export_tflite_model(model, model_dir):
    """Writes `<model_dir>/Format-TFLite/model.tflite`, builtin ops only.

    Returns the path, or None (logged with the reason) for a model with a
    text column.
    """
    reason = tflite_unsupported_reason(model)
    if reason:
        logging.warning("No TFLite model written: %s.", reason)
        return None
    path = tflite_model_path(model_dir)
    tf.io.gfile.makedirs(os.path.dirname(path))
    with tempfile.TemporaryDirectory() as local:
        # The exporter writes with open(): local first, then to the artifact
        # (which may be on gs:// or s3://).
        local_path = os.path.join(local, os.path.basename(path))
        # Builtins only: the file runs in any TFLite runtime, no Flex
        # delegate needed.
        model.export(
            local_path,
            format="litert",
            verbose=False,
            target_spec={"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]},
        )
        tf.io.gfile.copy(local_path, path, overwrite=True)
    return path
