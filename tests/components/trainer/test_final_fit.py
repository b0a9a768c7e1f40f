"""The warm-started final fit's early stopping
(`components/trainer/final_fit.py`):
the starting weights (the best trial's checkpoint) count as the best so far.
Real Keras training on a tiny regression; the run_fn paths are in
tests/components/trainer/test_trainer_data_accessor.py."""

import keras
import numpy as np

from components.trainer import final_fit


def _fit(start_loss, epochs):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.linspace(-1.0, 1.0, 64, dtype="float32")[:, None]
    y = 3.0 * x
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(
        x,
        y,
        validation_data=(x, y),
        epochs=epochs,
        verbose=0,
        callbacks=[final_fit.EarlyStoppingFrom(start_loss, patience=3)],
    )
    return before, model.get_weights(), history


def test_the_starting_weights_stay_unless_an_epoch_beats_them():
    # No MSE is below 0: every epoch is worse than the start.
    before, after, history = _fit(start_loss=0.0, epochs=10)
    for start, end in zip(before, after):
        np.testing.assert_array_equal(start, end)
    # And it stops after `patience` epochs without improvement.
    assert len(history.history["val_loss"]) == 3


def test_better_epochs_replace_the_starting_weights():
    before, after, history = _fit(start_loss=float("inf"), epochs=5)
    assert not all(np.array_equal(s, e) for s, e in zip(before, after))
    losses = history.history["val_loss"]
    assert len(losses) == 5 and losses[-1] < losses[0]
