"""The Trainer's ensemble (`components/trainer/ensemble.py`): the averaged model,
and the eval-split choice of its size. Real Keras models, no TFX."""

import keras
import numpy as np

from components.trainer import ensemble
from search_space import ClassificationHead
from search_space import LabelSpec
from search_space import RegressionHead


def _member(name, scale):
    """A model of two named inputs whose output is a fixed function."""
    a = keras.Input(shape=(1,), name="a")
    b = keras.Input(shape=(1,), name="b")
    out = keras.layers.Lambda(lambda t: scale * (t[0] + t[1]))([a, b])
    return keras.Model([a, b], out, name=name)


def test_the_ensemble_serves_the_members_average():
    members = [_member("m", 1.0), _member("m", 3.0)]
    model = ensemble.ensemble_model(members)
    x = {"a": np.array([[1.0], [2.0]]), "b": np.array([[1.0], [0.0]])}
    np.testing.assert_allclose(
        model.predict(x, verbose=0), [[4.0], [4.0]], rtol=1e-6
    )
    assert [t.name for t in model.inputs] == ["a", "b"]


def test_a_larger_ensemble_only_when_strictly_better_on_eval():
    head = RegressionHead(LabelSpec("y", "regression"))
    y = np.array([[1.0], [2.0], [3.0]])
    # Two members off in opposite directions: their average is exact.
    over, under = y + 0.5, y - 0.5
    size, scores = ensemble.choose_size([head], [over, under], y)
    assert size == 2 and scores[1] < scores[0]
    # A copy of the best adds nothing: the single best model is served.
    size, scores = ensemble.choose_size([head], [over, over], y)
    assert size == 1 and scores[0] == scores[1]


def test_several_heads_are_judged_by_the_searchs_weighted_sum():
    kind = ClassificationHead(
        LabelSpec("kind", "classification", num_classes=3)
    )
    weight = RegressionHead(
        LabelSpec("weight", "regression", mean=100.0, std=10.0)
    )
    y = {"kind": np.array([[0], [2]]), "weight": np.array([[90.0], [110.0]])}
    sure = {
        "kind": np.array([[0.98, 0.01, 0.01], [0.01, 0.01, 0.98]]),
        "weight": np.array([[90.0], [110.0]]),
    }
    unsure = {
        "kind": np.full((2, 3), 1 / 3),
        "weight": np.array([[100.0], [100.0]]),
    }
    # The weight's MSE (100) counts in standard deviations (1.0).
    expected = float(np.log(3.0)) + 100.0 / 100.0
    assert abs(ensemble.objective([kind, weight], unsure, y) - expected) < 1e-4
    size, _ = ensemble.choose_size([kind, weight], [sure, unsure], y)
    assert size == 1
