"""Sequence blocks: token embedding, recurrent stacks and a Transformer."""

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import choice
from search_space.block import resolve


@keras.saving.register_keras_serializable(package="search_space")
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned embedding of each position to a (batch, T, D) input.

    Args:
        sequence_length: Maximum T.
        **kwargs: Passed to `keras.layers.Layer`.
    """

    def __init__(self, sequence_length, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = sequence_length

    def build(self, input_shape):
        self.positions = self.add_weight(
            shape=(self.sequence_length, input_shape[-1]),
            initializer="glorot_uniform",
            name="positions",
        )

    def call(self, inputs):
        length = keras.ops.shape(inputs)[1]
        return inputs + self.positions[None, :length, :]

    def get_config(self):
        config = super().get_config()
        config["sequence_length"] = self.sequence_length
        return config


class Embedding(Block):
    """Embeds int token ids, optionally adding position embeddings.

    Args:
        max_tokens: Vocabulary size; taken from an upstream
            `TextVectorizer` if None.
        embedding_dim: Searched in [32, 64, 128] if None.
        dropout: Searched in [0, 0.25] if None.
        positional: Add learned position embeddings (for Transformers).
        name: Block name.
    """

    def __init__(
        self,
        max_tokens=None,
        embedding_dim=None,
        dropout=None,
        positional=False,
        name=None,
    ):
        super().__init__(name=name)
        self.max_tokens = max_tokens
        self.embedding_dim = embedding_dim
        self.dropout = dropout
        self.positional = positional

    def build(self, hp, inputs):
        max_tokens = self.max_tokens
        if max_tokens is None and self.inputs:
            max_tokens = getattr(self.inputs[0].block, "vocabulary_size", None)
        if max_tokens is None:
            raise ValueError(
                "Embedding needs max_tokens, or a TextVectorizer input."
            )
        dim = resolve(
            hp,
            "embedding_dim",
            self.embedding_dim,
            hp_module.Choice("embedding_dim", [32, 64, 128], default=64),
        )
        dropout = resolve(
            hp,
            "dropout",
            self.dropout,
            hp_module.Choice("dropout", [0.0, 0.25], default=0.0),
        )
        output = keras.layers.Embedding(
            max_tokens, dim, name=self.layer_name("embedding")
        )(inputs[0])
        if self.positional:
            output = PositionEmbedding(
                inputs[0].shape[1], name=self.layer_name("positions")
            )(output)
        if dropout > 0:
            output = keras.layers.Dropout(
                dropout, name=self.layer_name("dropout")
            )(output)
        return output

    def get_config(self):
        return self.serialized_args(
            max_tokens=self.max_tokens,
            embedding_dim=self.embedding_dim,
            dropout=self.dropout,
            positional=self.positional,
        )


class RNNBlock(Block):
    """Stacked LSTM or GRU layers returning the full sequence.

    Args:
        layer_type: "lstm" or "gru"; searched if None.
        bidirectional: Searched if None (default True).
        num_layers: Searched in [1, 2].
        units: Searched in [32, 64, 128].
        name: Block name.
    """

    def __init__(
        self,
        layer_type=None,
        bidirectional=None,
        num_layers=None,
        units=None,
        name=None,
    ):
        super().__init__(name=name)
        self.layer_type = layer_type
        self.bidirectional = bidirectional
        self.num_layers = num_layers
        self.units = units

    def build(self, hp, inputs):
        layer_type = resolve(
            hp,
            "layer_type",
            self.layer_type,
            hp_module.Choice("layer_type", ["lstm", "gru"], default="lstm"),
        )
        bidirectional = resolve(
            hp,
            "bidirectional",
            self.bidirectional,
            hp_module.Boolean("bidirectional", default=True),
        )
        num_layers = resolve(
            hp,
            "num_layers",
            self.num_layers,
            hp_module.Choice("num_layers", [1, 2], default=1),
        )
        units = resolve(
            hp,
            "units",
            self.units,
            hp_module.Choice("units", [32, 64, 128], default=64),
        )
        recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
        output = inputs[0]
        for i in range(num_layers):
            name = self.layer_name(f"{layer_type}_{i}")
            if bidirectional:
                layer = keras.layers.Bidirectional(
                    recurrent[layer_type](units, return_sequences=True),
                    name=name,
                )
            else:
                layer = recurrent[layer_type](
                    units, return_sequences=True, name=name
                )
            output = layer(output)
        return output

    def get_config(self):
        return self.serialized_args(
            layer_type=self.layer_type,
            bidirectional=self.bidirectional,
            num_layers=self.num_layers,
            units=self.units,
        )


class TransformerBlock(Block):
    """One Transformer encoder layer (self-attention + feed-forward).

    Args:
        num_heads: Searched in [2, 4].
        dense_dim: Feed-forward width, searched in [32, 64, 128].
        dropout: Searched in [0, 0.1, 0.25].
        name: Block name.
    """

    def __init__(
        self, num_heads=None, dense_dim=None, dropout=None, name=None
    ):
        super().__init__(name=name)
        self.num_heads = num_heads
        self.dense_dim = dense_dim
        self.dropout = dropout

    def build(self, hp, inputs):
        num_heads = choice(hp, "num_heads", self.num_heads, [2, 4], 2)
        dense_dim = choice(hp, "dense_dim", self.dense_dim, [32, 64, 128], 64)
        dropout = choice(hp, "dropout", self.dropout, [0.0, 0.1, 0.25], 0.1)
        output = inputs[0]
        width = output.shape[-1]
        attention = keras.layers.MultiHeadAttention(
            num_heads,
            max(width // num_heads, 1),
            dropout=dropout,
            name=self.layer_name("attention"),
        )(output, output)
        output = keras.layers.LayerNormalization(
            name=self.layer_name("norm_0")
        )(keras.layers.Add(name=self.layer_name("add_0"))([output, attention]))
        hidden = keras.layers.Dense(
            dense_dim, activation="relu", name=self.layer_name("ffn_0")
        )(output)
        hidden = keras.layers.Dense(width, name=self.layer_name("ffn_1"))(
            hidden
        )
        hidden = keras.layers.Dropout(
            dropout, name=self.layer_name("dropout")
        )(hidden)
        return keras.layers.LayerNormalization(name=self.layer_name("norm_1"))(
            keras.layers.Add(name=self.layer_name("add_1"))([output, hidden])
        )

    def get_config(self):
        return self.serialized_args(
            num_heads=self.num_heads,
            dense_dim=self.dense_dim,
            dropout=self.dropout,
        )
