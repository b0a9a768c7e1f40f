"""Reductions of image feature maps and sequences to flat vectors."""

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import resolve

_POOLING = {
    2: (keras.layers.GlobalAveragePooling1D, keras.layers.GlobalMaxPooling1D),
    3: (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D),
}


class _Reduction(Block):
    """Reduces a (batch, *axes, channels) tensor to (batch, features).

    Args:
        reduction_type: "flatten", "global_max" or "global_avg"; searched
            if None.
        name: Block name.
    """

    RANK = 0

    def __init__(self, reduction_type=None, name=None):
        super().__init__(name=name)
        self.reduction_type = reduction_type

    def build(self, hp, inputs):
        output = inputs[0]
        if len(output.shape) == 2:
            return output
        if len(output.shape) != self.RANK + 1:
            raise ValueError(
                f"{type(self).__name__} expects rank {self.RANK + 1} inputs. "
                f"Received: shape={output.shape}"
            )
        reduction_type = resolve(
            hp,
            "reduction_type",
            self.reduction_type,
            hp_module.Choice(
                "reduction_type",
                ["global_avg", "global_max", "flatten"],
                default="global_avg",
            ),
        )
        name = self.layer_name(reduction_type)
        if reduction_type == "flatten":
            return keras.layers.Flatten(name=name)(output)
        average, maximum = _POOLING[self.RANK]
        layer = average if reduction_type == "global_avg" else maximum
        return layer(name=name)(output)

    def get_config(self):
        return self.serialized_args(reduction_type=self.reduction_type)


class SpatialReduction(_Reduction):
    __doc__ = _Reduction.__doc__
    RANK = 3


class TemporalReduction(_Reduction):
    __doc__ = _Reduction.__doc__
    RANK = 2
