"""The serving SavedModel: raw tf.Example strings in, predictions out.

The Keras 3 model and Transform's graph (a tf_keras layer, since
tensorflow-transform still uses Keras 2) are tracked together on a `tf.Module`
with two `tf.function` endpoints:
- `serving_default`: parses raw examples (no label), applies the Transform
  graph and the model; what the Pusher serves.
- `transform_features`: the Transform graph on raw examples, label included;
  TFMA calls it (`preprocessing_function_names`) to get class-id labels.
"""

import tensorflow as tf

SERVING_SIGNATURE = "serving_default"
TRANSFORM_SIGNATURE = "transform_features"
PROBABILITIES = "probabilities"
PREDICTIONS = "predictions"


class ServingModule(tf.Module):
    """Tracks the model and the Transform layer; builds the endpoints."""

    def __init__(self, model, tft_output, label, class_names=None):
        super().__init__(name="autokeras_tfx_serving")
        self.model = model
        self.tft_layer = tft_output.transform_features_layer()
        self._raw_spec = dict(tft_output.raw_feature_spec())
        self._serving_spec = {
            k: v for k, v in self._raw_spec.items() if k != label
        }
        self._input_names = [tensor.name for tensor in model.inputs]
        self._class_names = list(class_names) if class_names else None
        examples = tf.TensorSpec([None], tf.string, name="examples")
        self.serve = tf.function(self._serve, input_signature=[examples])
        self.transform_features = tf.function(
            self._transform, input_signature=[examples]
        )

    def _transform(self, serialized):
        raw = tf.io.parse_example(serialized, self._raw_spec)
        return self.tft_layer(raw)

    def _serve(self, serialized):
        raw = tf.io.parse_example(serialized, self._serving_spec)
        transformed = self.tft_layer(raw)
        inputs = {name: transformed[name] for name in self._input_names}
        outputs = self.model(inputs, training=False)
        if self._class_names is None:
            return {PREDICTIONS: tf.reshape(outputs, [-1, 1])}
        probabilities = outputs
        if probabilities.shape[-1] == 1:
            # A sigmoid head gives P(class 1); serve both columns so binary
            # and multi-class models answer in one format.
            probabilities = tf.concat([1.0 - outputs, outputs], axis=-1)
        class_ids = tf.argmax(probabilities, axis=-1)
        return {
            PROBABILITIES: probabilities,
            "class_ids": class_ids,
            "classes": tf.gather(tf.constant(self._class_names), class_ids),
        }


def export_serving_model(model, tft_output, label, class_names, export_dir):
    """Saves the model with the Transform graph inside, for serving and TFMA.

    Args:
        model: the trained Keras 3 model (dict inputs keyed by feature).
        tft_output: the `tft.TFTransformOutput` the model was trained on.
        label: the label column (parsed only by `transform_features`).
        class_names: label values in class-id order, or None for regression.
        export_dir: the SavedModel directory to write.
    """
    module = ServingModule(model, tft_output, label, class_names)
    tf.saved_model.save(
        module,
        export_dir,
        signatures={
            SERVING_SIGNATURE: module.serve,
            TRANSFORM_SIGNATURE: module.transform_features,
        },
    )
