"""Block turning numerical and categorical inputs into one vector."""

import keras

from search_space.block import Block
from search_space.blocks.basic import CategoricalEncoding
from search_space.blocks.basic import merge_tensors


class StructuredDataBlock(Block):
    """Encodes categorical inputs and concatenates them with numerical ones.

    Numerical inputs arrive already normalised (by TFX Transform), so they
    are only flattened.

    Args:
        categorical_encoding: A `CategoricalEncoding` block used for every
            categorical input; a default one if None.
        name: Block name.
    """

    def __init__(self, categorical_encoding=None, name=None):
        super().__init__(name=name)
        self.categorical_encoding = (
            categorical_encoding
            or CategoricalEncoding(name="categorical_encoding")
        )

    def build(self, hp, inputs):
        numerical, categorical = [], []
        for node, tensor in zip(self.inputs, inputs):
            kind = getattr(node, "kind", "numerical")
            if kind == "categorical":
                categorical.append((node, tensor))
            elif kind == "numerical":
                numerical.append(
                    keras.layers.Flatten(
                        name=self.layer_name(f"flatten_{node.name}")
                    )(tensor)
                )
            else:
                raise ValueError(
                    "StructuredDataBlock takes numerical and categorical "
                    f"inputs. Received: {kind!r} input {node.name!r}"
                )
        parts = list(numerical)
        if categorical:
            encoding = self.categorical_encoding
            encoding.inputs = [node for node, _ in categorical]
            parts.append(
                self.build_child(
                    encoding, hp, [tensor for _, tensor in categorical]
                )
            )
        return merge_tensors(parts, self.layer_name("concat"))

    def get_config(self):
        config = super().get_config()
        config["categorical_encoding"] = self.categorical_encoding.get_config()
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["categorical_encoding"] = CategoricalEncoding.from_config(
            config["categorical_encoding"]
        )
        return cls(**config)
