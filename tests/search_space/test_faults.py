"""Production faults inside one search: out of memory, divergence, disk.

Real (tiny) Keras training; the out-of-memory error is injected by a
callback, because no test machine should have to run out of memory.
"""

import os

import keras
import keras_tuner
import numpy as np
import pytest
from conftest import make_inputs
from conftest import make_labels

from search_space import AutoModel
from search_space import ClassificationHead
from search_space import DenseBlock
from search_space import NumericalInput
from search_space import SearchTuner
from search_space import default_hypermodel


class ResourceExhaustedError(Exception):
    """Named like TensorFlow's device out-of-memory error."""


class InjectOutOfMemory(keras.callbacks.Callback):
    """Raises an out-of-memory error when training starts, `times` times
    in all (callbacks are copied per trial, so the count is per class)."""

    remaining = 0

    def on_train_begin(self, logs=None):
        if type(self).remaining > 0:
            type(self).remaining -= 1
            raise ResourceExhaustedError(
                "OOM when allocating tensor with shape[64,512]"
            )


def search(features, label, tmp_path, callbacks=(), name="s", **kwargs):
    kwargs.setdefault("max_trials", 2)
    tuner = SearchTuner(
        default_hypermodel(features, [label]),
        directory=str(tmp_path),
        project_name=name,
        overwrite=True,
        **kwargs,
    )
    x, y = make_inputs(features), make_labels(label)
    tuner.search(
        x,
        y,
        validation_data=(x, y),
        epochs=1,
        verbose=0,
        callbacks=list(callbacks),
    )
    return tuner


def test_out_of_memory_is_retried_once_with_half_the_batch(
    structured_features, class_label, tmp_path
):
    InjectOutOfMemory.remaining = 1
    tuner = search(
        structured_features,
        class_label,
        tmp_path,
        callbacks=[InjectOutOfMemory()],
    )
    first = tuner.oracle.trials["0"]
    assert first.status == "COMPLETED"
    info = tuner.trial_info("0")
    searched = first.hyperparameters.values["training/batch_size"]
    assert info["retried_with_batch_size"] == searched // 2
    assert info["batch_size"] == searched // 2
    assert info["message"].startswith(
        f"out of memory at batch size {searched}"
    )
    # The search went on with the next trial as usual.
    assert tuner.oracle.trials["1"].status == "COMPLETED"
    assert tuner.trial_attempts() == {"0": 1, "1": 1}


def test_repeated_out_of_memory_fails_the_trial_and_the_search_continues(
    structured_features, class_label, tmp_path
):
    InjectOutOfMemory.remaining = 2  # the first try and its retry
    tuner = search(
        structured_features,
        class_label,
        tmp_path,
        callbacks=[InjectOutOfMemory()],
        max_trials=3,
    )
    statuses = [tuner.oracle.trials[i].status for i in ("0", "1", "2")]
    assert statuses == ["FAILED", "COMPLETED", "COMPLETED"]
    assert "again at" in tuner.trial_info("0")["message"]


def test_consecutive_failures_stop_the_search_naming_the_last_one(
    structured_features, class_label, tmp_path
):
    InjectOutOfMemory.remaining = 100
    oracle_kwargs = {"max_trials": 5}
    with pytest.raises(RuntimeError, match="consecutive failures") as caught:
        tuner = SearchTuner(
            default_hypermodel(structured_features, [class_label]),
            oracle=None,
            directory=str(tmp_path),
            project_name="f",
            **oracle_kwargs,
        )
        tuner.oracle.max_consecutive_failed_trials = 2
        x, y = make_inputs(structured_features), make_labels(class_label)
        tuner.search(
            x,
            y,
            validation_data=(x, y),
            epochs=1,
            verbose=0,
            callbacks=[InjectOutOfMemory()],
        )
    assert "out of memory" in str(caught.value)
    InjectOutOfMemory.remaining = 0


class DivergeAtSecondEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1 and logs is not None:
            logs["loss"] = float("nan")


def test_a_diverging_trial_is_stopped_and_recorded(
    structured_features, class_label, tmp_path
):
    tuner = SearchTuner(
        default_hypermodel(structured_features, [class_label]),
        max_trials=1,
        directory=str(tmp_path),
        project_name="nan",
    )
    x, y = make_inputs(structured_features), make_labels(class_label)
    tuner.search(
        x,
        y,
        validation_data=(x, y),
        epochs=5,
        verbose=0,
        callbacks=[DivergeAtSecondEpoch()],
    )
    assert tuner.oracle.trials["0"].status == "FAILED"
    info = tuner.trial_info("0")
    assert info["message"] == "diverged: NaN loss at epoch 2"
    assert info["epochs"] == 2


def _weights_bytes(directory):
    """Bytes on disk besides the JSON records and logs."""
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            if not name.endswith((".json", ".log")):
                total += os.path.getsize(os.path.join(root, name))
    return total


def fixed_architecture(label):
    """Only training settings are searched: every trial's weights have the
    same size, so disk use after 2 and after 8 trials compare directly."""
    features = NumericalInput("x", (4,))
    hidden = DenseBlock(
        num_layers=2, units=64, use_batchnorm=False, dropout=0.0
    )(features)
    head = ClassificationHead(label, dropout=0.0)(hidden)
    return AutoModel(features, head), [features.feature]


def test_disk_stays_flat_as_trials_accumulate(class_label, tmp_path):
    hypermodel, features = fixed_architecture(class_label)
    x, y = make_inputs(features), make_labels(class_label)
    sizes = {}
    for trials in (2, 8):
        # The same search, continued from 2 to 8 trials.
        tuner = SearchTuner(
            hypermodel,
            max_trials=trials,
            directory=str(tmp_path),
            project_name="flat",
        )
        tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
        sizes[trials] = _weights_bytes(tuner.project_dir)
    assert len(tuner.oracle.trials) == 8
    print(
        f"weights on disk: {sizes[2]} B after 2 trials, {sizes[8]} B after 8"
    )
    checkpoints = [
        os.path.join(root, f)
        for root, _, files in os.walk(tuner.project_dir)
        for f in files
        if f.startswith("checkpoint")
    ]
    best = tuner.oracle.get_best_trials(1)[0].trial_id
    assert len(checkpoints) == 1 and f"trial_{best}" in checkpoints[0]
    assert sizes[8] <= sizes[2]


def test_keep_all_checkpoints_when_asked(
    structured_features, class_label, tmp_path
):
    tuner = search(
        structured_features,
        class_label,
        tmp_path,
        max_trials=3,
        keep_best_checkpoints=None,
    )
    checkpoints = [
        f
        for _, _, files in os.walk(tuner.project_dir)
        for f in files
        if f.startswith("checkpoint")
    ]
    assert len(checkpoints) == 3


def test_the_checkpoint_holds_the_best_epoch_not_the_last(
    class_label, tmp_path
):
    """The best epoch's weights and optimizer state wait in memory and are
    written once, when training ends; later, worse epochs do not replace
    them."""
    from search_space.tuner import _BestEpochWeights

    hypermodel, features = fixed_architecture(class_label)
    x, y = make_inputs(features), make_labels(class_label)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    model.fit(x, y, epochs=1, verbose=0)  # builds the optimizer's state
    objective = keras_tuner.Objective("val_loss", "min")
    best = _BestEpochWeights(objective)
    best.set_model(model)
    snapshots = []
    for epoch, val_loss in enumerate([0.9, 0.4, 0.7, float("nan")]):
        # Each "epoch" leaves other weights and another optimizer step.
        model.set_weights([w + epoch + 1 for w in model.get_weights()])
        model.optimizer.iterations.assign(10 * (epoch + 1))
        snapshots.append(model.get_weights())
        best.on_epoch_end(epoch, {"val_loss": val_loss})
    path = str(tmp_path / "checkpoint.weights.h5")
    best.write(path)

    restored = hypermodel.build(hp)
    restored.optimizer.build(restored.trainable_variables)
    restored.load_weights(path)
    for got, want in zip(restored.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, want)
    assert int(restored.optimizer.iterations.numpy()) == 20


def test_a_trial_that_never_improves_writes_no_checkpoint(
    class_label, tmp_path
):
    from search_space.tuner import _BestEpochWeights

    hypermodel, _ = fixed_architecture(class_label)
    model = hypermodel.build(keras_tuner.HyperParameters())
    best = _BestEpochWeights(keras_tuner.Objective("val_loss", "min"))
    best.set_model(model)
    best.on_epoch_end(0, {"val_loss": float("nan")})
    path = tmp_path / "checkpoint.weights.h5"
    best.write(str(path))
    assert not path.exists()
