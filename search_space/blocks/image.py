"""Image blocks: augmentation, a plain conv net and the `ImageBlock`."""

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import choice
from search_space.block import conditional_on
from search_space.block import is_searched
from search_space.block import possible_values
from search_space.block import resolve
from search_space.blocks.applications import EfficientNetBlock
from search_space.blocks.applications import ResNetBlock
from search_space.blocks.applications import XceptionBlock
from search_space.blocks.applications import backbone_of_weights
from search_space.blocks.reduction import SpatialReduction
from search_space.blocks.residual import ResidualBlock


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
        # Every stack's filters are registered (conditionally) so the space
        # is complete, and a mutation of an unused stack's filters is a
        # duplicate rather than a wasted trial.
        block_choices = possible_values(self.num_blocks, [1, 2, 3])
        all_filters = [
            self._stack_filters(hp, b, block_choices)
            for b in range(max(block_choices))
        ]
        for b in range(num_blocks):
            filters = all_filters[b]
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

    def _stack_filters(self, hp, index, block_choices):
        # Only active while num_blocks > index.
        deeper = [n for n in block_choices if n > index]
        searched = is_searched(self.num_blocks)
        with conditional_on(hp, "num_blocks", deeper, searched):
            return choice(
                hp,
                f"filters_{index}",
                self.filters,
                [16, 32, 64, 128, 256],
                32,
            )

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
    """Optionally augments, scales pixels, runs one backbone and reduces.

    Pixels are scaled once, for the backbone chosen: the from-scratch nets
    ("conv", "residual") see [0, 1]; the `keras.applications` backbones get
    [0, 255] and apply their own input preprocessing (EfficientNet rescales
    inside its model, ResNet v1 subtracts the ImageNet means, ResNet v2 and
    Xception scale to [-1, 1]), which their pretrained weights expect.

    Args:
        block_type: "conv", "residual", "resnet", "xception" or
            "efficientnet"; searched if None.
        augment: Whether to add an `ImageAugmentation`; searched if None.
        pixel_scale: The inputs' maximum pixel value (255 for uint8
            pixels; 1.0 for inputs already in [0, 1]).
        weights: Optional local weights file of one large backbone; its
            name says which (`backbone_of_weights`). That backbone then
            joins the searched `block_type`s, with these weights.
        large_backbones: Whether a searched `block_type` includes all the
            large backbones (randomly initialised except the one `weights`
            is for). None: only the one of `weights`, if any (from scratch
            they need far more data and time than a small net).
        name: Block name.
    """

    BACKBONES = {
        "conv": ConvBlock,
        "residual": ResidualBlock,
        "resnet": ResNetBlock,
        "xception": XceptionBlock,
        "efficientnet": EfficientNetBlock,
    }
    FROM_SCRATCH = ("conv", "residual")

    def __init__(
        self,
        block_type=None,
        augment=None,
        pixel_scale=255.0,
        weights=None,
        large_backbones=None,
        name=None,
    ):
        super().__init__(name=name)
        self.block_type = block_type
        self.augment = augment
        self.pixel_scale = pixel_scale
        self.weights = weights
        self.large_backbones = large_backbones

    def searched_backbones(self):
        """The `block_type` values a search chooses among."""
        pretrained = self.pretrained_backbone()
        return [
            kind
            for kind in self.BACKBONES
            if kind in self.FROM_SCRATCH
            or self.large_backbones
            or (pretrained and kind == pretrained[0])
        ]

    def pretrained_backbone(self):
        """(block type, version) of `weights`, or None without weights."""
        if self.weights is None:
            return None
        return backbone_of_weights(self.weights)

    def build(self, hp, inputs):
        # Augmentation works on the raw pixels; scaling follows per backbone.
        output = keras.ops.cast(inputs[0], "float32")
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
                "block_type", self.searched_backbones(), default="conv"
            ),
        )
        searched = is_searched(self.block_type)
        kinds = self.searched_backbones() if searched else [block_type]
        for kind in kinds:
            with conditional_on(hp, "block_type", [kind], searched):
                if kind != block_type:
                    continue
                child = self.BACKBONES[kind](name=f"{kind}_block")
                # From scratch: [0, 1]; applications: [0, 255], then
                # their own preprocessing (`_Application.preprocess`).
                scale = 1.0 if kind in self.FROM_SCRATCH else 255.0
                if scale != self.pixel_scale:
                    output = keras.layers.Rescaling(
                        scale / self.pixel_scale,
                        name=self.layer_name("rescale"),
                    )(output)
                pretrained = self.pretrained_backbone()
                if pretrained and kind == pretrained[0]:
                    child.version, child.weights = pretrained[1], self.weights
                output = self.build_child(child, hp, [output])
        reduction = SpatialReduction(name="spatial_reduction")
        return self.build_child(reduction, hp, [output])

    def get_config(self):
        return self.serialized_args(
            block_type=self.block_type,
            augment=self.augment,
            pixel_scale=self.pixel_scale,
            weights=self.weights,
            large_backbones=self.large_backbones,
        )
