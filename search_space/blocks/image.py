"""Image blocks: augmentation, a plain conv net and the `ImageBlock`."""

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import choice
from search_space.block import conditional_on
from search_space.block import is_searched
from search_space.block import resolve
from search_space.blocks.applications import EfficientNetBlock
from search_space.blocks.applications import ResNetBlock
from search_space.blocks.applications import XceptionBlock
from search_space.blocks.reduction import SpatialReduction


class ImageAugmentation(Block):
    """Random flips, translation, rotation, zoom and contrast (train only).

    Args:
        horizontal_flip: Boolean; searched if None.
        vertical_flip: Boolean; searched if None.
        translation_factor: Fraction of the size; searched in [0, 0.1].
        rotation_factor: Fraction of a full turn; searched in [0, 0.1].
        zoom_factor: Searched in [0, 0.1].
        contrast_factor: Searched in [0, 0.1].
        name: Block name.
    """

    FACTORS = ("translation", "rotation", "zoom", "contrast")

    def __init__(
        self,
        horizontal_flip=None,
        vertical_flip=None,
        translation_factor=None,
        rotation_factor=None,
        zoom_factor=None,
        contrast_factor=None,
        name=None,
    ):
        super().__init__(name=name)
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.translation_factor = translation_factor
        self.rotation_factor = rotation_factor
        self.zoom_factor = zoom_factor
        self.contrast_factor = contrast_factor

    def build(self, hp, inputs):
        output = inputs[0]
        flips = [
            mode
            for mode, value in (
                ("horizontal", self.horizontal_flip),
                ("vertical", self.vertical_flip),
            )
            if resolve(hp, f"{mode}_flip", value, hp_module.Boolean("flip"))
        ]
        if flips:
            mode = "horizontal_and_vertical" if len(flips) == 2 else flips[0]
            output = keras.layers.RandomFlip(
                mode, name=self.layer_name("flip")
            )(output)
        layers = {
            "translation": lambda f, name: keras.layers.RandomTranslation(
                f, f, name=name
            ),
            "rotation": keras.layers.RandomRotation,
            "zoom": keras.layers.RandomZoom,
            "contrast": keras.layers.RandomContrast,
        }
        for kind in self.FACTORS:
            factor = resolve(
                hp,
                f"{kind}_factor",
                getattr(self, f"{kind}_factor"),
                hp_module.Choice("factor", [0.0, 0.1], default=0.0),
            )
            if factor > 0:
                layer = layers[kind](factor, name=self.layer_name(kind))
                output = layer(output)
        return output

    def get_config(self):
        return self.serialized_args(
            horizontal_flip=self.horizontal_flip,
            vertical_flip=self.vertical_flip,
            **{
                f"{kind}_factor": getattr(self, f"{kind}_factor")
                for kind in self.FACTORS
            },
        )


class ConvBlock(Block):
    """Stacks of Conv2D layers, each stack followed by pooling.

    Args:
        kernel_size: Searched in [3, 5, 7].
        num_blocks: Number of stacks, searched in [1, 2, 3].
        num_layers: Conv layers per stack, searched in [1, 2].
        filters: Filters of every layer; searched per stack in [16 .. 256].
        max_pooling: Max pooling (True) or stride-2 conv (False) between
            stacks; searched if None.
        separable: SeparableConv2D instead of Conv2D; searched if None.
        dropout: Dropout after each stack, searched in [0, 0.25, 0.5].
        name: Block name.
    """

    def __init__(
        self,
        kernel_size=None,
        num_blocks=None,
        num_layers=None,
        filters=None,
        max_pooling=None,
        separable=None,
        dropout=None,
        name=None,
    ):
        super().__init__(name=name)
        self.kernel_size = kernel_size
        self.num_blocks = num_blocks
        self.num_layers = num_layers
        self.filters = filters
        self.max_pooling = max_pooling
        self.separable = separable
        self.dropout = dropout

    def build(self, hp, inputs):
        kernel_size = choice(hp, "kernel_size", self.kernel_size, [3, 5, 7], 3)
        num_blocks = choice(hp, "num_blocks", self.num_blocks, [1, 2, 3], 2)
        num_layers = choice(hp, "num_layers", self.num_layers, [1, 2], 2)
        dropout = choice(hp, "dropout", self.dropout, [0.0, 0.25, 0.5], 0.0)
        max_pooling = resolve(
            hp,
            "max_pooling",
            self.max_pooling,
            hp_module.Boolean("max_pooling"),
        )
        separable = resolve(
            hp, "separable", self.separable, hp_module.Boolean("separable")
        )
        conv = (
            keras.layers.SeparableConv2D if separable else keras.layers.Conv2D
        )
        output = inputs[0]
        for b in range(num_blocks):
            filters = choice(
                hp, f"filters_{b}", self.filters, [16, 32, 64, 128, 256], 32
            )
            for i in range(num_layers):
                output = conv(
                    filters,
                    kernel_size,
                    padding="same",
                    activation="relu",
                    name=self.layer_name(f"conv_{b}_{i}"),
                )(output)
            if max_pooling:
                output = keras.layers.MaxPooling2D(
                    padding="same", name=self.layer_name(f"pool_{b}")
                )(output)
            else:
                output = conv(
                    filters,
                    kernel_size,
                    strides=2,
                    padding="same",
                    name=self.layer_name(f"downsample_{b}"),
                )(output)
            if dropout > 0:
                output = keras.layers.Dropout(
                    dropout, name=self.layer_name(f"dropout_{b}")
                )(output)
        return output

    def get_config(self):
        return self.serialized_args(
            kernel_size=self.kernel_size,
            num_blocks=self.num_blocks,
            num_layers=self.num_layers,
            filters=self.filters,
            max_pooling=self.max_pooling,
            separable=self.separable,
            dropout=self.dropout,
        )


class ImageBlock(Block):
    """Scales pixels, optionally augments, runs one backbone and reduces.

    Args:
        block_type: "conv", "resnet", "xception" or "efficientnet";
            searched if None.
        augment: Whether to add an `ImageAugmentation`; searched if None.
        pixel_scale: Inputs are divided by it (255 for uint8 pixels); use
            1.0 for inputs already in [0, 1].
        weights: Optional local weights file for the pretrained backbones.
        name: Block name.
    """

    BACKBONES = {
        "conv": ConvBlock,
        "resnet": ResNetBlock,
        "xception": XceptionBlock,
        "efficientnet": EfficientNetBlock,
    }

    def __init__(
        self,
        block_type=None,
        augment=None,
        pixel_scale=255.0,
        weights=None,
        name=None,
    ):
        super().__init__(name=name)
        self.block_type = block_type
        self.augment = augment
        self.pixel_scale = pixel_scale
        self.weights = weights

    def build(self, hp, inputs):
        output = keras.layers.Rescaling(
            1.0 / self.pixel_scale, name=self.layer_name("rescale")
        )(keras.ops.cast(inputs[0], "float32"))
        augment = resolve(
            hp, "augment", self.augment, hp_module.Boolean("augment")
        )
        # Opened for every branch so keras-tuner discovers the whole space.
        with conditional_on(hp, "augment", [True], is_searched(self.augment)):
            if augment:
                child = ImageAugmentation(name="image_augmentation")
                output = self.build_child(child, hp, [output])
        block_type = resolve(
            hp,
            "block_type",
            self.block_type,
            hp_module.Choice(
                "block_type", list(self.BACKBONES), default="conv"
            ),
        )
        for kind, block_class in self.BACKBONES.items():
            searched = is_searched(self.block_type)
            with conditional_on(hp, "block_type", [kind], searched):
                if kind != block_type:
                    continue
                child = block_class(name=f"{kind}_block")
                if kind != "conv":
                    child.weights = self.weights
                output = self.build_child(child, hp, [output])
        reduction = SpatialReduction(name="spatial_reduction")
        return self.build_child(reduction, hp, [output])

    def get_config(self):
        return self.serialized_args(
            block_type=self.block_type,
            augment=self.augment,
            pixel_scale=self.pixel_scale,
            weights=self.weights,
        )
