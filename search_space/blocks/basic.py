"""General blocks: dense stacks, merging, encodings and reductions."""

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import conditional_on
from search_space.block import is_searched
from search_space.block import possible_values
from search_space.block import resolve

# 0: no hidden layer, the head sits on the inputs (a linear model).
LAYER_CHOICES = [0, 1, 2, 3]


class DenseBlock(Block):
    """A stack of Dense layers with optional batch norm and dropout.

    Zero layers pass the (flattened) inputs straight to the head, which
    makes the model linear in them: logistic / linear regression on a
    table, or on TF-IDF n-grams.

    Args:
        num_layers: Number of Dense layers. Searched in [0, 1, 2, 3] if
            None (default 2).
        units: Units of every layer. If None, each layer `i` searches its own
            `units_{i}` in [16 .. 1024].
        use_batchnorm: Batch normalization after each Dense layer.
        dropout: Dropout rate after each layer, searched in [0, 0.25, 0.5].
        name: Block name.
    """

    def __init__(
        self,
        num_layers=None,
        units=None,
        use_batchnorm=None,
        dropout=None,
        name=None,
    ):
        super().__init__(name=name)
        self.num_layers = num_layers
        self.units = units
        self.use_batchnorm = use_batchnorm
        self.dropout = dropout

    def build(self, hp, inputs):
        num_layers = resolve(
            hp,
            "num_layers",
            self.num_layers,
            hp_module.Choice("num_layers", LAYER_CHOICES, default=2),
        )
        layer_choices = possible_values(self.num_layers, LAYER_CHOICES)
        # Only active with at least one layer, so a mutation of them on the
        # linear (0-layer) model is seen as a duplicate.
        with self._with_layers(hp, layer_choices, 0):
            use_batchnorm = resolve(
                hp,
                "use_batchnorm",
                self.use_batchnorm,
                hp_module.Boolean("use_batchnorm", default=False),
            )
            dropout = resolve(
                hp,
                "dropout",
                self.dropout,
                hp_module.Choice("dropout", [0.0, 0.25, 0.5], default=0.0),
            )
        output = keras.layers.Flatten(name=self.layer_name("flatten"))(
            merge_tensors(inputs, self.layer_name("concat"))
        )
        # Every layer's units are registered (conditionally) so the space
        # is complete whatever `num_layers` this build uses.
        all_units = [
            self._layer_units(hp, i, layer_choices)
            for i in range(max(layer_choices))
        ]
        for i in range(num_layers):
            output = keras.layers.Dense(
                all_units[i], name=self.layer_name(f"dense_{i}")
            )(output)
            if use_batchnorm:
                output = keras.layers.BatchNormalization(
                    name=self.layer_name(f"batch_norm_{i}")
                )(output)
            output = keras.layers.ReLU(name=self.layer_name(f"relu_{i}"))(
                output
            )
            if dropout > 0:
                output = keras.layers.Dropout(
                    dropout, name=self.layer_name(f"dropout_{i}")
                )(output)
        return output

    def _layer_units(self, hp, index, layer_choices):
        default = hp_module.Choice(
            "units", [16, 32, 64, 128, 256, 512, 1024], default=32
        )
        # Only active while num_layers > index, so a mutation of an unused
        # layer's units is seen as a duplicate.
        with self._with_layers(hp, layer_choices, index):
            return resolve(hp, f"units_{index}", self.units, default)

    def _with_layers(self, hp, layer_choices, index):
        """Scope of what only exists while num_layers > index."""
        deeper = [n for n in layer_choices if n > index]
        searched = (
            is_searched(self.num_layers)
            and bool(deeper)
            and deeper != layer_choices
        )
        return conditional_on(hp, "num_layers", deeper, searched)

    def get_config(self):
        return self.serialized_args(
            num_layers=self.num_layers,
            units=self.units,
            use_batchnorm=self.use_batchnorm,
            dropout=self.dropout,
        )


def merge_tensors(tensors, name):
    """Concatenates flattened tensors; one tensor passes through."""
    if len(tensors) == 1:
        return tensors[0]
    flat = [
        t if len(t.shape) == 2 else keras.layers.Flatten()(t) for t in tensors
    ]
    return keras.layers.Concatenate(name=name)(flat)


class Merge(Block):
    """Merges several branches into one tensor.

    Args:
        merge_type: "concatenate" or "add"; searched if None. "add" projects
            every flattened input to the widest one first.
        name: Block name.
    """

    def __init__(self, merge_type=None, name=None):
        super().__init__(name=name)
        self.merge_type = merge_type

    def build(self, hp, inputs):
        if len(inputs) == 1:
            return inputs[0]
        flat = [
            keras.layers.Flatten(name=self.layer_name(f"flatten_{i}"))(t)
            for i, t in enumerate(inputs)
        ]
        merge_type = resolve(
            hp,
            "merge_type",
            self.merge_type,
            hp_module.Choice("merge_type", ["concatenate", "add"]),
        )
        if merge_type == "concatenate":
            return keras.layers.Concatenate(name=self.layer_name("concat"))(
                flat
            )
        width = max(t.shape[-1] for t in flat)
        projected = [
            keras.layers.Dense(width, name=self.layer_name(f"project_{i}"))(t)
            for i, t in enumerate(flat)
        ]
        return keras.layers.Add(name=self.layer_name("add"))(projected)

    def get_config(self):
        return self.serialized_args(merge_type=self.merge_type)


class CategoricalEncoding(Block):
    """Encodes categorical int-id inputs as one-hot vectors or embeddings.

    Args:
        encoding: "one_hot" or "embedding"; searched if None. Vocabularies
            over `max_one_hot` ids always use embeddings.
        embedding_dim: Embedding width, searched in [4, 8, 16, 32].
        max_one_hot: Largest vocabulary that may be one-hot encoded.
        name: Block name.
    """

    def __init__(
        self, encoding=None, embedding_dim=None, max_one_hot=1000, name=None
    ):
        super().__init__(name=name)
        self.encoding = encoding
        self.embedding_dim = embedding_dim
        self.max_one_hot = max_one_hot

    def build(self, hp, inputs):
        # Wide vocabularies would make huge one-hot vectors.
        requested = "embedding" if self._too_wide() else self.encoding
        encoding = resolve(
            hp,
            "encoding",
            requested,
            hp_module.Choice("encoding", ["one_hot", "embedding"]),
        )
        # Registered even for one-hot (inactive, returns None) so the space
        # is complete after one build.
        with conditional_on(
            hp, "encoding", ["embedding"], is_searched(requested)
        ):
            dim = resolve(
                hp,
                "embedding_dim",
                self.embedding_dim,
                hp_module.Choice("embedding_dim", [4, 8, 16, 32], default=8),
            )
        if encoding != "embedding":
            dim = None
        encoded = [
            self._encode(node.feature, tensor, dim)
            for node, tensor in zip(self.inputs, inputs)
        ]
        return merge_tensors(encoded, self.layer_name("concat"))

    def _encode(self, feature, tensor, dim):
        if dim is None:
            return keras.layers.CategoryEncoding(
                feature.vocab_size,
                output_mode="one_hot",
                name=self.layer_name(f"one_hot_{feature.name}"),
            )(tensor)
        embedded = keras.layers.Embedding(
            feature.vocab_size,
            dim,
            name=self.layer_name(f"embedding_{feature.name}"),
        )(tensor)
        return keras.layers.Flatten(
            name=self.layer_name(f"flatten_{feature.name}")
        )(embedded)

    def _too_wide(self):
        return any(
            node.feature.vocab_size > self.max_one_hot for node in self.inputs
        )

    def get_config(self):
        return self.serialized_args(
            encoding=self.encoding,
            embedding_dim=self.embedding_dim,
            max_one_hot=self.max_one_hot,
        )
