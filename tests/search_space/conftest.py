"""Shared fixtures: tiny datasets and feature specs for fast searches."""

import os
import sys

import keras
import keras_tuner
import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from search_space import FeatureSpec  # noqa: E402
from search_space import LabelSpec  # noqa: E402

BACKEND = keras.backend.backend()


def requires_tensorflow():
    return pytest.mark.skipif(
        BACKEND != "tensorflow", reason="needs KERAS_BACKEND=tensorflow"
    )


@pytest.fixture
def structured_features():
    return [
        FeatureSpec("age", "numerical"),
        FeatureSpec("vitals", "numerical", shape=(3,)),
        FeatureSpec("city", "categorical", vocab_size=6),
    ]


@pytest.fixture
def class_label():
    return LabelSpec("species", "classification", num_classes=3)


def make_inputs(features, rows=32, seed=0):
    """Random model inputs following the input conventions."""
    rng = np.random.default_rng(seed)
    data = {}
    for feature in features:
        shape = (rows, *feature.shape)
        if feature.kind == "numerical":
            data[feature.name] = rng.normal(size=shape).astype("float32")
        elif feature.kind == "categorical":
            data[feature.name] = rng.integers(
                0, feature.vocab_size, (rows, 1)
            ).astype("int64")
        elif feature.kind == "image":
            data[feature.name] = rng.integers(0, 256, shape).astype("uint8")
        else:
            words = np.array(["red fox", "lazy dog", "blue sky", "big cat"])
            # Keras rejects numpy unicode arrays; strings go as objects.
            data[feature.name] = words[rng.integers(0, 4, (rows, 1))].astype(
                object
            )
    return data


def make_labels(label, rows=32, seed=1):
    rng = np.random.default_rng(seed)
    if label.task == "classification":
        return rng.integers(0, label.num_classes, (rows, 1)).astype("int64")
    return rng.normal(size=(rows, 1)).astype("float32")


def rebuild(hypermodel_factory, best_hp):
    """Rebuilds a model from a JSON round trip of `best_hp`, like TFX."""
    config = keras_tuner.HyperParameters.from_config(best_hp.get_config())
    return hypermodel_factory().build(config)


def architecture(model):
    """Layer names, classes and weight shapes: equal iff same architecture."""
    return [
        (
            layer.name,
            type(layer).__name__,
            [tuple(w.shape) for w in layer.weights],
        )
        for layer in model.layers
    ]


def full_space_names(hypermodel, tmp_path):
    """Every hyperparameter name, conditional branches included.

    keras-tuner discovers the conditional branches when a tuner starts.
    """
    from search_space import SearchTuner

    tuner = SearchTuner(
        hypermodel, directory=str(tmp_path), project_name="space"
    )
    return {p.name for p in tuner.oracle.hyperparameters.space}
