"""Backbones from `keras.applications`, never downloading weights."""

import os

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import resolve

_RESNETS = {
    "resnet50": keras.applications.ResNet50,
    "resnet101": keras.applications.ResNet101,
    "resnet152": keras.applications.ResNet152,
    "resnet50_v2": keras.applications.ResNet50V2,
    "resnet101_v2": keras.applications.ResNet101V2,
    "resnet152_v2": keras.applications.ResNet152V2,
}
_EFFICIENTNETS = {
    f"b{i}": getattr(keras.applications, f"EfficientNetB{i}") for i in range(8)
}


class _Application(Block):
    """A `keras.applications` backbone without its classification top.

    Inputs smaller than the backbone's minimum size are resized up.

    Args:
        version: Which variant; searched among `VERSIONS` if None.
        weights: None (random init) or the path of a local weights file.
            "imagenet" is refused: the search must never download.
        name: Block name.
    """

    VERSIONS = {}
    DEFAULT = ""
    MIN_SIZE = 32

    def __init__(self, version=None, weights=None, name=None):
        super().__init__(name=name)
        self.version = version
        self.weights = weights

    def build(self, hp, inputs):
        version = self._version(hp)
        output = inputs[0]
        height, width = output.shape[1], output.shape[2]
        if min(height, width) < self.MIN_SIZE:
            size = (max(height, self.MIN_SIZE), max(width, self.MIN_SIZE))
            output = keras.layers.Resizing(
                *size, name=self.layer_name("resize")
            )(output)
        if self.weights is not None and output.shape[-1] != 3:
            # Pretrained stems expect RGB: learn a 1x1 projection to it.
            output = keras.layers.Conv2D(3, 1, name=self.layer_name("to_rgb"))(
                output
            )
        backbone = self.VERSIONS[version](
            include_top=False,
            weights=_checked_weights(self.weights),
            input_shape=tuple(output.shape[1:]),
            name=self.layer_name(version),
        )
        return backbone(output)

    def _version(self, hp):
        if len(self.VERSIONS) == 1:
            return self.DEFAULT
        version = resolve(
            hp,
            "version",
            self.version,
            hp_module.Choice(
                "version", list(self.VERSIONS), default=self.DEFAULT
            ),
        )
        if version not in self.VERSIONS:
            raise ValueError(
                f"{type(self).__name__} version must be one of "
                f"{list(self.VERSIONS)}. Received: version={version!r}"
            )
        return version

    def get_config(self):
        return self.serialized_args(version=self.version, weights=self.weights)


def _checked_weights(weights):
    if weights is None:
        return None
    if not os.path.isfile(str(weights)):
        raise ValueError(
            "Backbone weights must be None or a local file path (no "
            f"downloads). Received: weights={weights!r}"
        )
    return weights


class ResNetBlock(_Application):
    __doc__ = _Application.__doc__
    VERSIONS = _RESNETS
    DEFAULT = "resnet50"


class XceptionBlock(_Application):
    __doc__ = _Application.__doc__
    VERSIONS = {"xception": keras.applications.Xception}
    DEFAULT = "xception"
    MIN_SIZE = 71


class EfficientNetBlock(_Application):
    __doc__ = _Application.__doc__
    VERSIONS = _EFFICIENTNETS
    DEFAULT = "b0"
