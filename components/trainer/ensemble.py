"""An ensemble of the best trials, served as one model when it helps.

The Trainer trains the best trial's configuration and, when the search
left more completed trials, the next best ones too (`DEFAULT_MAX_MEMBERS`
in all unless the `ENSEMBLE_OPTION` says otherwise; the tuner hands over
at most `spec.MAX_ENSEMBLE_SIZE`), each the way its trial trained. An
ensemble of the best k averages their outputs (class probabilities, or
predictions in the label's units). k is chosen on the eval split by the
search's own objective, `val_loss` (the heads' losses, summed with
`multi_task_loss_weights` when there are several): the smallest k with the
lowest loss, and k = 1 (the single best model) unless a larger k is
strictly better. The Evaluator still judges the result on the test split,
which neither the search nor this choice saw.

Keras only (no TFX): the members are Keras 3 models taking a dict of
transformed features.
"""

import keras
import numpy as np

from search_space.automodel import multi_task_loss_weights

# custom_config key of the Trainer: the most members (1: no ensemble).
ENSEMBLE_OPTION = "ensemble"
# The most members when the option is unset. Not the tuner's
# `spec.MAX_ENSEMBLE_SIZE`: that is the most trials it hands over, so the
# largest `ENSEMBLE_OPTION` that still takes effect.
DEFAULT_MAX_MEMBERS = 3


def ensemble_model(members, name="ensemble"):
    """One Keras model whose outputs are the members' averaged outputs.

    Args:
        members: trained Keras models with the same inputs and outputs.
    """
    inputs = {
        tensor.name: keras.Input(
            shape=tuple(tensor.shape[1:]),
            dtype=tensor.dtype,
            name=tensor.name,
        )
        for tensor in members[0].inputs
    }
    outputs = []
    for number, member in enumerate(members, start=1):
        member.name = f"member_{number}"  # layer names must be unique
        outputs.append(member(inputs))
    if isinstance(outputs[0], dict):
        averaged = {
            key: keras.layers.Average(name=key)([o[key] for o in outputs])
            for key in outputs[0]
        }
    else:
        averaged = keras.layers.Average(name="average")(outputs)
    return keras.Model(inputs, averaged, name=name)


def objective(heads, predictions, y):
    """The search's objective on these predictions: the heads' losses,
    summed with `multi_task_loss_weights` when there are several.

    Args:
        heads: the hypermodel's heads (`AutoModel.heads`).
        predictions: the model's outputs on the eval split (an array, or a
            dict keyed by label key for several heads).
        y: the eval labels, in the same structure.
    """
    if len(heads) == 1:
        return float(heads[0].loss()(y, predictions))
    weights = multi_task_loss_weights(heads)
    return float(
        sum(
            weights[h.label.name]
            * float(h.loss()(y[h.label.name], predictions[h.label.name]))
            for h in heads
        )
    )


def _average(predictions):
    if isinstance(predictions[0], dict):
        return {
            key: np.mean([p[key] for p in predictions], axis=0)
            for key in predictions[0]
        }
    return np.mean(predictions, axis=0)


def choose_size(heads, member_predictions, y):
    """(k, objective of each k = 1..n): the best k members' average, the
    members given best trial first; k = 1 unless a larger k is strictly
    better on the eval split."""
    scores = [
        objective(heads, _average(member_predictions[:k]), y)
        for k in range(1, len(member_predictions) + 1)
    ]
    best = min(range(len(scores)), key=lambda i: (scores[i], i))
    return best + 1, scores


def predict_with_labels(model, validation_data, batch_size=256):
    """(predictions, labels) on the eval split as `data.load_split` gives
    it: a tuple of arrays, or a batched `tf.data.Dataset` of (x, y)."""
    if isinstance(validation_data, tuple):
        x, y = validation_data
        return model.predict(x, batch_size=batch_size, verbose=0), y
    xs, ys = [], []
    for x, y in validation_data:
        xs.append(model.predict_on_batch(x))
        ys.append(y)
    return _concatenate(xs), _concatenate(ys)


def _concatenate(parts):
    if isinstance(parts[0], dict):
        return {
            key: np.concatenate([np.asarray(p[key]) for p in parts])
            for key in parts[0]
        }
    return np.concatenate([np.asarray(p) for p in parts])
