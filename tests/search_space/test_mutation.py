"""Sub-module arithmetic of the oracle's mutations (pure functions)."""

import collections

import numpy as np

from search_space.mutation import WHOLE_MODEL
from search_space.mutation import pick_submodule
from search_space.mutation import selection_probabilities
from search_space.mutation import submodule_tree


def test_submodules_form_a_hierarchy():
    tree = submodule_tree(
        [
            "learning_rate",
            "optimizer",
            "block_1/num_layers",
            "block_1/units_0",
            "block_1/dropout_0",
            "block_1/units_1",
            "block_1/inner/kind",
        ]
    )
    # Every hyperparameter alone, a layer, nested and outer blocks, the
    # training settings and the whole model; `block_1/layer_1` and
    # `block_1/inner` have one member, so they are that hyperparameter.
    assert tree["block_1/layer_0"] == ("block_1/dropout_0", "block_1/units_0")
    assert len(tree["block_1"]) == 5
    assert tree["<training>"] == ("learning_rate", "optimizer")
    assert len(tree[WHOLE_MODEL]) == 7
    assert "block_1/layer_1" not in tree and "block_1/inner" not in tree
    assert len(tree) == 7 + 4


def test_selection_frequencies_follow_inverse_size():
    tree = {
        "x": ("x",),
        "layer": ("x", "y"),
        "block": ("x", "y", "z", "w"),
        WHOLE_MODEL: tuple("xyzwabcd"),
    }
    rng = np.random.default_rng(0)
    draws = 40000
    picks = collections.Counter(
        pick_submodule(tree, rng) for _ in range(draws)
    )
    names = sorted(tree)
    expected = selection_probabilities([len(tree[n]) for n in names])
    measured = np.array([picks[n] / draws for n in names])
    # The paper's softmax(logit(1/(n+1))) is proportional to 1/n: for
    # n = 1, 2, 4, 8 that is 0.533 / 0.267 / 0.133 / 0.067.
    paper = {
        "x": 8 / 15,
        "layer": 4 / 15,
        "block": 2 / 15,
        WHOLE_MODEL: 1 / 15,
    }
    np.testing.assert_allclose(expected, [paper[n] for n in names])
    hat = np.array([1 / (len(tree[n]) + 1) for n in names])
    logits = np.log(hat / (1 - hat))
    softmax = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(expected, softmax)
    # Binomial standard error is below 0.0025 here; allow 4 sigma.
    np.testing.assert_allclose(measured, expected, atol=0.01)
    print("measured", dict(zip(names, measured.round(4))))
    print("expected", dict(zip(names, expected.round(4))))


def test_widening_drops_the_smallest_submodules():
    tree = {"x": ("x",), "block": ("x", "y"), WHOLE_MODEL: ("x", "y", "z")}
    rng = np.random.default_rng(1)
    picks = {pick_submodule(tree, rng, min_size=2) for _ in range(200)}
    assert picks == {"block", WHOLE_MODEL}
