"""Output heads: the last layers, the loss and the metrics of one label."""

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import resolve
from search_space.features import LabelSpec


class Head(Block):
    """Base of the heads. The output layer is named after the label.

    Args:
        label: The `LabelSpec` this head predicts.
        dropout: Dropout before the output layer, searched in [0, 0.25, 0.5].
        name: Block name.
    """

    def __init__(self, label, dropout=None, name=None):
        super().__init__(name=name)
        if isinstance(label, dict):
            label = LabelSpec(**label)
        if not isinstance(label, LabelSpec):
            raise TypeError(
                f"{type(self).__name__} expects a LabelSpec. "
                f"Received: {label!r} of type {type(label)}"
            )
        self.label = label
        self.dropout = dropout

    def build(self, hp, inputs):
        output = inputs[0]
        if len(output.shape) > 2:
            output = keras.layers.Flatten(name=self.layer_name("flatten"))(
                output
            )
        dropout = resolve(
            hp,
            "dropout",
            self.dropout,
            hp_module.Choice("dropout", [0.0, 0.25, 0.5], default=0.0),
        )
        if dropout > 0:
            output = keras.layers.Dropout(
                dropout, name=self.layer_name("dropout")
            )(output)
        return self.output_layer()(output)

    def output_layer(self):
        raise NotImplementedError

    def loss(self):
        raise NotImplementedError

    def metrics(self):
        raise NotImplementedError

    def get_config(self):
        config = self.serialized_args(dropout=self.dropout)
        config["label"] = dict(vars(self.label))
        return config


class ClassificationHead(Head):
    """Sigmoid unit for 2 classes, softmax otherwise; int class-id labels."""

    def output_layer(self):
        if self.label.num_classes == 2:
            return keras.layers.Dense(
                1, activation="sigmoid", name=self.label.name
            )
        return keras.layers.Dense(
            self.label.num_classes, activation="softmax", name=self.label.name
        )

    def loss(self):
        if self.label.num_classes == 2:
            return keras.losses.BinaryCrossentropy()
        return keras.losses.SparseCategoricalCrossentropy()

    def metrics(self):
        # Named "accuracy" either way so the objective is "val_accuracy".
        if self.label.num_classes == 2:
            return [keras.metrics.BinaryAccuracy(name="accuracy")]
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]


class RegressionHead(Head):
    """One linear unit trained with mean squared error."""

    def output_layer(self):
        if self.label.mean is None or not self.label.std:
            return keras.layers.Dense(1, name=self.label.name)
        dense = keras.layers.Dense(1, name=self.layer_name("standardized"))
        # Initial predictions sit at the training mean, and the weights see
        # targets of unit scale whatever the label's units.
        rescale = keras.layers.Rescaling(
            scale=float(self.label.std),
            offset=float(self.label.mean),
            name=self.label.name,
        )
        return lambda tensor: rescale(dense(tensor))

    def loss(self):
        return keras.losses.MeanSquaredError()

    def metrics(self):
        return [keras.metrics.MeanAbsoluteError(name="mae")]


def head_for(label, name=None):
    """The head matching `label.task`."""
    if label.task == "classification":
        return ClassificationHead(label, name=name)
    return RegressionHead(label, name=name)
