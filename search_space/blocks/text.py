"""Text blocks: vectorization of raw strings and the `TextBlock`.

Keras only vectorizes strings with TensorFlow ops, so these blocks need
KERAS_BACKEND=tensorflow; on other backends they raise
`BackendNotSupportedError`, which stops the search at once.
"""

import keras
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import Block
from search_space.block import conditional_on
from search_space.block import is_searched
from search_space.block import resolve
from search_space.blocks.reduction import TemporalReduction
from search_space.blocks.sequence import Embedding
from search_space.blocks.sequence import RNNBlock
from search_space.blocks.sequence import TransformerBlock
from search_space.errors import BackendNotSupportedError


def require_tensorflow_backend(block_name):
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise BackendNotSupportedError(
            f"{block_name} vectorizes raw strings, which Keras only supports "
            f"with KERAS_BACKEND=tensorflow. Received: backend={backend!r}"
        )


class TextVectorizer(Block):
    """Turns raw strings into TF-IDF n-gram vectors or int token sequences.

    The vocabulary is learnt from the training data by `AutoModel.fit`
    before each trial trains.

    Args:
        mode: "ngram" (TF-IDF of n-grams) or "sequence" (token ids);
            searched if None.
        max_tokens: Vocabulary size, searched in [5000, 10000, 20000].
        ngrams: "ngram" mode: largest n-gram, searched in [1, 2].
        sequence_length: "sequence" mode: searched in [64, 128, 256].
        name: Block name.
    """

    def __init__(
        self,
        mode=None,
        max_tokens=None,
        ngrams=None,
        sequence_length=None,
        name=None,
    ):
        super().__init__(name=name)
        self.mode = mode
        self.max_tokens = max_tokens
        self.ngrams = ngrams
        self.sequence_length = sequence_length
        self.vocabulary_size = None

    def build(self, hp, inputs):
        require_tensorflow_backend(type(self).__name__)
        mode = resolve(
            hp,
            "mode",
            self.mode,
            hp_module.Choice("mode", ["ngram", "sequence"]),
        )
        self.vocabulary_size = resolve(
            hp,
            "max_tokens",
            self.max_tokens,
            hp_module.Choice(
                "max_tokens", [5000, 10000, 20000], default=10000
            ),
        )
        # A fixed mode registers only its own knob; a searched one makes
        # both conditional, so no mutation is a no-op.
        searched = is_searched(self.mode)
        ngrams = length = None
        with conditional_on(hp, "mode", ["ngram"], searched):
            if searched or mode == "ngram":
                ngrams = resolve(
                    hp,
                    "ngrams",
                    self.ngrams,
                    hp_module.Choice("n", [1, 2], default=2),
                )
        with conditional_on(hp, "mode", ["sequence"], searched):
            if searched or mode == "sequence":
                length = resolve(
                    hp,
                    "sequence_length",
                    self.sequence_length,
                    hp_module.Choice("length", [64, 128, 256], default=128),
                )
        if mode == "ngram":
            # Padding fixes the output width before the vocabulary is known.
            options = {
                "output_mode": "tf_idf",
                "ngrams": ngrams,
                "pad_to_max_tokens": True,
            }
        else:
            options = {"output_mode": "int", "output_sequence_length": length}
        layer = keras.layers.TextVectorization(
            max_tokens=self.vocabulary_size,
            name=self.layer_name("vectorize"),
            **options,
        )
        # Read by AutoModel.fit, which adapts the vocabulary on this input.
        layer.adapt_feature = self.inputs[0].name
        return layer(inputs[0])

    def get_config(self):
        return self.serialized_args(
            mode=self.mode,
            max_tokens=self.max_tokens,
            ngrams=self.ngrams,
            sequence_length=self.sequence_length,
        )


class TextBlock(Block):
    """Raw text to a flat vector: n-gram TF-IDF, an RNN or a Transformer.

    Args:
        block_type: "ngram", "rnn" or "transformer"; searched if None.
        max_tokens: Vocabulary size; searched if None.
        name: Block name.
    """

    BLOCK_TYPES = ("ngram", "rnn", "transformer")

    def __init__(self, block_type=None, max_tokens=None, name=None):
        super().__init__(name=name)
        self.block_type = block_type
        self.max_tokens = max_tokens

    def build(self, hp, inputs):
        block_type = resolve(
            hp,
            "block_type",
            self.block_type,
            hp_module.Choice("block_type", list(self.BLOCK_TYPES)),
        )
        # Scopes are opened for every branch so keras-tuner discovers the
        # whole space; the sequence branches share one vectorizer and
        # embedding so their hyperparameters have one name each.
        searched = is_searched(self.block_type)
        output = None
        with conditional_on(hp, "block_type", ["ngram"], searched):
            if block_type == "ngram":
                output = self._vectorize(hp, "ngram", inputs)
        sequence_kinds = list(self.BLOCK_TYPES[1:])
        is_sequence = block_type in sequence_kinds
        with conditional_on(hp, "block_type", sequence_kinds, searched):
            if is_sequence:
                vectorizer, tokens = self._vectorize(hp, "sequence", inputs)
                embedding = Embedding(
                    max_tokens=vectorizer.vocabulary_size,
                    positional=block_type == "transformer",
                    name="embedding",
                )
                output = self.build_child(embedding, hp, [tokens])
        # keras-tuner cannot nest two conditions on one parent.
        bodies = {"rnn": RNNBlock, "transformer": TransformerBlock}
        for kind, body_class in bodies.items():
            with conditional_on(hp, "block_type", [kind], searched):
                if kind == block_type:
                    body = body_class(name=kind)
                    output = self.build_child(body, hp, [output])
        with conditional_on(hp, "block_type", sequence_kinds, searched):
            if is_sequence:
                reduction = TemporalReduction(name="temporal_reduction")
                output = self.build_child(reduction, hp, [output])
        return output

    def _vectorize(self, hp, mode, inputs):
        vectorizer = TextVectorizer(
            mode=mode, max_tokens=self.max_tokens, name=mode
        )
        vectorizer.inputs = self.inputs
        output = self.build_child(vectorizer, hp, inputs)
        return output if mode == "ngram" else (vectorizer, output)

    def get_config(self):
        return self.serialized_args(
            block_type=self.block_type, max_tokens=self.max_tokens
        )
