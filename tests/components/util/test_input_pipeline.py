"""`data.in_memory_batches`: the tf.data pipeline the tuner and the Trainer
fit in-memory splits with (`AutoModel.fit`'s `input_pipeline`)."""

import keras
import keras_tuner
import numpy as np

from components.util import transformed_data as data
from search_space import FeatureSpec
from search_space import LabelSpec
from search_space import default_hypermodel


def _split(rows=10):
    x = {
        "a": np.arange(rows, dtype="float32").reshape(rows, 1),
        "b": np.arange(rows, dtype="int64").reshape(rows, 1) * 10,
    }
    return x, np.arange(rows, dtype="int64") * 100


def _epochs(arguments, count):
    """The batches of `count` epochs, as Keras takes them: steps_per_epoch
    batches from one iterator."""
    iterator = iter(arguments["x"])
    return [
        [next(iterator) for _ in range(arguments["steps_per_epoch"])]
        for _ in range(count)
    ]


def test_every_epoch_is_every_row_once_reshuffled_with_partial_last_batch():
    x, y = _split(10)
    arguments = data.in_memory_batches(x, y, None, batch_size=4, seed=7)
    assert arguments["steps_per_epoch"] == 3
    assert "validation_data" not in arguments
    orders = []
    for epoch in _epochs(arguments, 3):
        assert [len(labels) for _, labels in epoch] == [4, 4, 2]
        rows = np.concatenate([labels.numpy() for _, labels in epoch]) // 100
        # Features and label stay aligned row by row.
        for features, labels in epoch:
            np.testing.assert_array_equal(
                features["a"].numpy()[:, 0], labels.numpy() // 100
            )
            np.testing.assert_array_equal(
                features["b"].numpy()[:, 0], labels.numpy() // 10
            )
        assert sorted(rows) == list(range(10))
        orders.append(list(rows))
    assert orders[0] != orders[1] or orders[1] != orders[2]
    assert orders[0] != list(range(10))


def test_the_same_seed_gives_the_same_batches_and_another_seed_others():
    x, y = _split(32)

    def order(seed):
        arguments = data.in_memory_batches(x, y, None, 8, seed)
        return [
            labels.numpy().tolist()
            for epoch in _epochs(arguments, 2)
            for _, labels in epoch
        ]

    assert order(3) == order(3)
    assert order(3) != order(4)


def test_validation_rows_come_in_order_in_batches_of_the_batch_size():
    x, y = _split(10)
    vx, vy = _split(5)
    arguments = data.in_memory_batches(x, y, (vx, vy), 2, seed=0)
    batches = list(arguments["validation_data"])
    assert [len(labels) for _, labels in batches] == [2, 2, 1]
    np.testing.assert_array_equal(
        np.concatenate([labels.numpy() for _, labels in batches]), vy
    )


def test_automodel_fit_draws_the_shuffle_seed_from_the_seeded_rng():
    """The tuner and the Trainer seed Python's RNG per trial before `fit`:
    the same trial seed gives the same shuffles (a refit reproduces the
    trial), and the model trains on what the pipeline built."""
    rng = np.random.default_rng(0)
    x = {"n": rng.normal(size=(64, 3)).astype("float32")}
    y = (x["n"][:, 0] > 0).astype("int64")
    hypermodel = default_hypermodel(
        [FeatureSpec("n", "numerical", shape=(3,))],
        [LabelSpec("y", "classification", num_classes=2)],
    )
    seeds = []

    def recording(*args, seed):
        seeds.append(seed)
        return data.in_memory_batches(*args, seed=seed)

    losses = []
    for trial_seed in (5, 5, 6):
        keras.utils.set_random_seed(trial_seed)
        hp = keras_tuner.HyperParameters()
        model = hypermodel.build(hp)
        history = hypermodel.fit(
            hp,
            model,
            x,
            y,
            validation_data=(x, y),
            epochs=2,
            verbose=0,
            input_pipeline=recording,
        )
        losses.append(history.history["val_loss"])
    assert seeds[0] == seeds[1] != seeds[2]
    assert losses[0] == losses[1]
    assert len(losses[0]) == 2 and np.isfinite(losses[0]).all()
