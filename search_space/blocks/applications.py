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

    Inputs arrive as pixels in [0, 255] (`ImageBlock` scales them) and
    get the backbone's own input preprocessing (`preprocess`), the one its
    pretrained weights were trained with. Inputs smaller than the
    backbone's minimum size are resized up.

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
        output = self.preprocess(output, version)
        backbone = self.VERSIONS[version](
            include_top=False,
            weights=_checked_weights(self.weights),
            input_shape=tuple(output.shape[1:]),
            name=self.layer_name(version),
        )
        return backbone(output)

    def preprocess(self, tensor, version):
        """[0, 255] pixels -> what the backbone expects (identity here)."""
        return tensor

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


def _to_minus_one_one(block, tensor):
    # keras.applications' "tf" mode: [0, 255] -> [-1, 1].
    return keras.layers.Rescaling(
        1.0 / 127.5, offset=-1.0, name=block.layer_name("to_unit_range")
    )(tensor)


def backbone_of_weights(path):
    """(block type, version) the weights file belongs to, from its name.

    Keras names its application weight files after the model
    ("efficientnetb0_notop.h5", "resnet50v2_weights_..._notop.h5",
    "xception_weights_..._notop.h5"); a file renamed beyond recognition
    is refused, since loading it into another backbone fails obscurely.
    """
    name = os.path.basename(str(path)).lower().replace("-", "_")
    compact = name.replace("_", "")
    for version in sorted(_EFFICIENTNETS, reverse=True):
        if f"efficientnet{version}" in compact:
            return "efficientnet", version
    for version in sorted(_RESNETS, key=len, reverse=True):
        if version.replace("_", "") in compact:
            return "resnet", version
    if "xception" in compact:
        return "xception", "xception"
    raise ValueError(
        "Cannot tell which backbone the weights file is for from its name. "
        "Name it as Keras does, e.g. efficientnetb0_notop.h5, "
        "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5 or "
        f"xception_weights_tf_dim_ordering_tf_kernels_notop.h5. "
        f"Received: weights={path!r}"
    )


class ResNetBlock(_Application):
    __doc__ = _Application.__doc__
    VERSIONS = _RESNETS
    DEFAULT = "resnet50"

    def preprocess(self, tensor, version):
        if version.endswith("_v2"):
            return _to_minus_one_one(self, tensor)
        # v1's "caffe" mode: RGB -> BGR, minus the ImageNet channel means
        # (a gray image, only from scratch, loses their mean).
        if tensor.shape[-1] != 3:
            return keras.layers.Rescaling(
                1.0, offset=-114.8, name=self.layer_name("imagenet_means")
            )(tensor)
        tensor = keras.ops.flip(tensor, axis=-1)
        return keras.layers.Normalization(
            mean=[103.939, 116.779, 123.68],
            variance=[1.0, 1.0, 1.0],
            name=self.layer_name("imagenet_means"),
        )(tensor)


class XceptionBlock(_Application):
    __doc__ = _Application.__doc__
    VERSIONS = {"xception": keras.applications.Xception}
    DEFAULT = "xception"
    MIN_SIZE = 71

    def preprocess(self, tensor, version):
        return _to_minus_one_one(self, tensor)


class EfficientNetBlock(_Application):
    # Keras's EfficientNet rescales and normalizes inside its own model:
    # it takes [0, 255] pixels as they are (no second rescaling here).
    __doc__ = _Application.__doc__
    VERSIONS = _EFFICIENTNETS
    DEFAULT = "b0"
