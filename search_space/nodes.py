"""Graph nodes: model inputs and the outputs of blocks."""

import keras

from search_space.features import FeatureSpec

# Keras dtype of each input kind, per the model input conventions.
_DTYPES = {
    "numerical": "float32",
    "categorical": "int64",
    "text": "string",
    "image": "float32",
}


class Node:
    """A tensor in the block graph, produced by `block` (None for inputs)."""

    def __init__(self, block=None):
        self.block = block


class Input(Node):
    """A model input described by a `FeatureSpec`.

    Args:
        feature: The feature this input receives.
    """

    def __init__(self, feature):
        super().__init__(block=None)
        if not isinstance(feature, FeatureSpec):
            raise TypeError(
                "Input expects a FeatureSpec. "
                f"Received: {feature!r} of type {type(feature)}"
            )
        self.feature = feature

    @property
    def name(self):
        return self.feature.name

    @property
    def kind(self):
        return self.feature.kind

    def build_keras_input(self):
        shape = self.feature.shape
        return keras.Input(
            shape=shape, name=self.feature.name, dtype=_DTYPES[self.kind]
        )


def NumericalInput(name, shape=(1,)):
    """Shortcut for `Input(FeatureSpec(name, "numerical", shape))`."""
    return Input(FeatureSpec(name, "numerical", shape))


def CategoricalInput(name, vocab_size):
    """Shortcut for a categorical `Input` of int ids in [0, vocab_size)."""
    return Input(FeatureSpec(name, "categorical", vocab_size=vocab_size))


def TextInput(name):
    """Shortcut for a raw-string text `Input` of shape (batch, 1)."""
    return Input(FeatureSpec(name, "text"))


def ImageInput(name, shape):
    """Shortcut for an image `Input` of shape (batch, H, W, C)."""
    return Input(FeatureSpec(name, "image", shape))
