"""`AutoModel`: the keras-tuner HyperModel over a block graph."""

import random

import keras
import keras_tuner
from keras_tuner.engine import hyperparameters as hp_module

from search_space.block import resolve
from search_space.graph import Graph
from search_space.heads import Head
from search_space.wiring import connect_default_blocks

TRAINING_SCOPE = "training"
BATCH_SIZE_HP = f"{TRAINING_SCOPE}/batch_size"
OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "sgd": keras.optimizers.SGD,
}


class AutoModel(keras_tuner.HyperModel):
    """A searchable model from inputs to heads.

    Two ways to describe it: the IO API passes uncalled heads as `outputs`
    and gets the default blocks of each input modality; the functional API
    passes the output nodes of a user graph of blocks.

    Args:
        inputs: `Input` node or list of them.
        outputs: Head output nodes (functional API) or uncalled `Head`s
            (IO API).
        presets: List of dicts, hyperparameter name to value, tried first
            and in order by the oracle. Missing names keep their defaults.
        optimizer: "adam", "adamw" or "sgd"; searched if None.
        learning_rate: Searched in [1e-2, 1e-3, 1e-4] if None.
        weight_decay: Decoupled weight decay; searched in [0, 1e-4, 1e-2].
        batch_size: Searched in [16, 32, 64, 128] if None.
        name: Model name.
    """

    def __init__(
        self,
        inputs,
        outputs,
        presets=None,
        optimizer=None,
        learning_rate=None,
        weight_decay=None,
        batch_size=None,
        name="auto_model",
    ):
        super().__init__(name=name)
        inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        if all(isinstance(o, Head) and o.output is None for o in outputs):
            outputs = connect_default_blocks(inputs, outputs)
        self.graph = Graph(inputs, outputs)
        self.presets = [dict(p) for p in presets or [{}]]
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size

    @property
    def heads(self):
        return self.graph.heads

    def build(self, hp):
        """Builds and compiles the model for `hp`.

        Args:
            hp: `keras_tuner.HyperParameters`.
        """
        model = self.graph.build(hp)
        model.name = self.name
        with hp.name_scope(TRAINING_SCOPE):
            optimizer = self._build_optimizer(hp)
            # Registered here so the batch size is part of the space; it is
            # used by `fit`.
            self._batch_size(hp)
        loss_weights = None
        if len(self.heads) == 1:
            loss, metrics = self.heads[0].loss(), self.heads[0].metrics()
        else:
            loss = {h.label.name: h.loss() for h in self.heads}
            metrics = {h.label.name: h.metrics() for h in self.heads}
            loss_weights = multi_task_loss_weights(self.heads)
        model.compile(
            optimizer=optimizer,
            loss=loss,
            metrics=metrics,
            loss_weights=loss_weights,
        )
        return model

    def _build_optimizer(self, hp):
        name = resolve(
            hp,
            "optimizer",
            self.optimizer,
            hp_module.Choice("optimizer", list(OPTIMIZERS), default="adam"),
        )
        learning_rate = resolve(
            hp,
            "learning_rate",
            self.learning_rate,
            hp_module.Choice(
                "learning_rate", [1e-2, 1e-3, 1e-4], default=1e-3
            ),
        )
        weight_decay = resolve(
            hp,
            "weight_decay",
            self.weight_decay,
            hp_module.Choice("weight_decay", [0.0, 1e-4, 1e-2], default=0.0),
        )
        if name not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {list(OPTIMIZERS)}. "
                f"Received: optimizer={name!r}"
            )
        # A float always: Keras's AdamW rejects weight_decay=None, and 0.0
        # is an exact no-op for every optimizer.
        return OPTIMIZERS[name](
            learning_rate=learning_rate, weight_decay=float(weight_decay)
        )

    def _batch_size(self, hp):
        return resolve(
            hp,
            "batch_size",
            self.batch_size,
            hp_module.Choice("batch_size", [16, 32, 64, 128], default=32),
        )

    def fit(
        self,
        hp,
        model,
        x=None,
        y=None,
        validation_data=None,
        input_pipeline=None,
        **kwargs,
    ):
        """Trains `model` with the searched batch size.

        Arrays get `batch_size`; a `tf.data.Dataset` of (features, label) is
        re-batched (it is duck-typed, so this module never imports
        TensorFlow).

        Args:
            hp: `keras_tuner.HyperParameters` the model was built with.
            model: The compiled model from `build`.
            x, y, validation_data: As for `keras.Model.fit`.
            input_pipeline: Optional; how in-memory arrays become batches
                on this backend, a callable `(x, y, validation_data,
                batch_size, seed) -> dict` of `keras.Model.fit` arguments
                (`x`, `validation_data`, `steps_per_epoch`, ...). The
                TensorFlow glue passes `components.util.transformed_data.in_memory_batches`:
                Keras's own array adapter builds a new tf.data iterator
                several times an epoch, and that cost grows with the number
                of inputs. The shuffle seed is drawn from Python's RNG,
                which the tuner and the Trainer seed per trial, so a refit
                sees the trial's batches. Datasets bypass it.
            **kwargs: Passed to `keras.Model.fit`; `batch_size` overrides
                the searched one.
        """
        with hp.name_scope(TRAINING_SCOPE):
            batch_size = self._batch_size(hp)
        # An explicit batch size wins: the tuner halves it after an
        # out-of-memory error.
        batch_size = kwargs.pop("batch_size", None) or batch_size
        if _is_dataset(x):
            x = self._rebatch(x, batch_size)
            if _is_dataset(validation_data):
                validation_data = self._rebatch(validation_data, batch_size)
        elif input_pipeline is not None:
            adapt_text_vocabularies(model, x)
            arguments = input_pipeline(
                x,
                y,
                validation_data,
                batch_size,
                seed=random.randrange(2**31),
            )
            return model.fit(**arguments, **kwargs)
        else:
            kwargs["batch_size"] = batch_size
        adapt_text_vocabularies(model, x)
        return model.fit(x, y, validation_data=validation_data, **kwargs)

    def _rebatch(self, dataset, batch_size):
        features = dataset.element_spec[0]
        node = self.graph.inputs[0]
        rank = len(features[node.name].shape)
        if rank > len(node.feature.shape):
            dataset = dataset.unbatch()
        return dataset.batch(batch_size)

    def predefined_configurations(self):
        """The oracle's initial configurations, in order.

        Returns:
            List of dicts mapping hyperparameter names to values.
        """
        return [dict(p) for p in self.presets]

    def get_config(self):
        return {
            "name": self.name,
            "graph": self.graph.get_config(),
            "presets": self.presets,
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "weight_decay": self.weight_decay,
            "batch_size": self.batch_size,
        }


def multi_task_loss_weights(heads):
    """Per-output loss weights of a model with several heads.

    The training loss, and so the search objective `val_loss`, is the sum
    of every head's loss: cross-entropy for a classification head, and for
    a regression head its mean squared error divided by the label's
    variance on the train split (1 when unknown), i.e. the MSE in standard
    deviations. Unweighted, a label in large units (a weight in pounds)
    would drown the others.
    """
    weights = {}
    for head in heads:
        std = getattr(head.label, "std", None)
        weights[head.label.name] = (
            1.0 / float(std) ** 2
            if head.label.task == "regression" and std
            else 1.0
        )
    return weights


def adapt_text_vocabularies(model, x):
    """Learns the vocabulary of every text vectorization layer from `x`.

    Args:
        model: A model built by `AutoModel.build`.
        x: Dict of arrays, or a batched dataset of (features, label).
    """
    for layer in model.layers:
        feature = getattr(layer, "adapt_feature", None)
        if feature is None:
            continue
        if _is_dataset(x):
            # tf.data traces the lambda here, while `feature` is this one.
            layer.adapt(x.map(lambda features, *_: features[feature]))  # noqa: B023
        else:
            layer.adapt(x[feature])


def _is_dataset(value):
    return hasattr(value, "element_spec") and hasattr(value, "unbatch")
