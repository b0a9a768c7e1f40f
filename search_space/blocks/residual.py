"""A small residual net that trains from scratch on small images.

The `keras.applications` ResNets need 32x32 inputs or more, tens of millions
of weights and, to be good, ImageNet weights nobody can download here. This
one is a few stages of basic residual units (two 3x3 convs with batch norm
and an identity or 1x1-projection shortcut), narrow enough for CPU trials.
"""

import keras

from search_space.block import Block
from search_space.block import choice


class ResidualBlock(Block):
    """A stem conv, then `num_stages` stages of residual units.

    Each stage after the first halves the resolution (stride 2) and doubles
    the filters.

    Args:
        num_stages: Searched in [1, 2, 3].
        units_per_stage: Residual units per stage, searched in [1, 2].
        filters: Filters of the stem and first stage, searched in
            [16, 32, 64].
        dropout: Dropout after the last stage, searched in [0, 0.25].
        name: Block name.
    """

    def __init__(
        self,
        num_stages=None,
        units_per_stage=None,
        filters=None,
        dropout=None,
        name=None,
    ):
        super().__init__(name=name)
        self.num_stages = num_stages
        self.units_per_stage = units_per_stage
        self.filters = filters
        self.dropout = dropout

    def build(self, hp, inputs):
        num_stages = choice(hp, "num_stages", self.num_stages, [1, 2, 3], 2)
        units = choice(hp, "units_per_stage", self.units_per_stage, [1, 2], 1)
        filters = choice(hp, "filters", self.filters, [16, 32, 64], 32)
        dropout = choice(hp, "dropout", self.dropout, [0.0, 0.25], 0.0)
        output = self._conv_bn(inputs[0], filters, 1, "stem", relu=True)
        for stage in range(num_stages):
            for unit in range(units):
                strides = 2 if stage > 0 and unit == 0 else 1
                output = self._unit(
                    output, filters * 2**stage, strides, f"{stage}_{unit}"
                )
        if dropout > 0:
            output = keras.layers.Dropout(
                dropout, name=self.layer_name("dropout")
            )(output)
        return output

    def _conv_bn(self, tensor, filters, strides, tag, relu):
        tensor = keras.layers.Conv2D(
            filters,
            3,
            strides=strides,
            padding="same",
            use_bias=False,
            name=self.layer_name(f"conv_{tag}"),
        )(tensor)
        # Momentum 0.9, not Keras's 0.99: trials are a few hundred steps,
        # too few for 0.99's moving statistics to settle for inference.
        tensor = keras.layers.BatchNormalization(
            momentum=0.9, name=self.layer_name(f"bn_{tag}")
        )(tensor)
        if relu:
            tensor = keras.layers.ReLU(name=self.layer_name(f"relu_{tag}"))(
                tensor
            )
        return tensor

    def _unit(self, tensor, filters, strides, tag):
        shortcut = tensor
        if strides != 1 or tensor.shape[-1] != filters:
            # The shortcut must match the residual's shape to be added.
            shortcut = keras.layers.Conv2D(
                filters,
                1,
                strides=strides,
                use_bias=False,
                name=self.layer_name(f"project_{tag}"),
            )(tensor)
        residual = self._conv_bn(tensor, filters, strides, f"{tag}a", True)
        residual = self._conv_bn(residual, filters, 1, f"{tag}b", False)
        output = keras.layers.Add(name=self.layer_name(f"add_{tag}"))(
            [shortcut, residual]
        )
        return keras.layers.ReLU(name=self.layer_name(f"out_{tag}"))(output)

    def get_config(self):
        return self.serialized_args(
            num_stages=self.num_stages,
            units_per_stage=self.units_per_stage,
            filters=self.filters,
            dropout=self.dropout,
        )
