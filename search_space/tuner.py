"""`SearchTuner`: seeded, fault-tolerant trials for a HillClimbingOracle.

What a production search needs beyond keras-tuner's `Tuner`, all per trial:
a cleared Keras session (memory stays flat over many trials), a seed, early
stopping on stalls and on NaN losses (recorded as such), one retry with half
the batch size when the device runs out of memory, a small `trial_info.json`
next to the trial's checkpoint, the best epoch's weights written once per
trial, and only the best trials' checkpoints kept on disk.
"""

import copy
import logging
import math
import os
import time

import keras
import keras_tuner

from search_space import keras_tuner_adapter as kt_adapter
from search_space import storage
from search_space import trial_info as trial_info_lib
from search_space.oracle import HillClimbingOracle

LOGGER = logging.getLogger(__name__)
ATTEMPTS_FILE = "trial_attempts.log"
# While a parallel worker waits for the trials its next mutation depends on.
IDLE_POLL_SECONDS = 0.5


def is_out_of_memory(error):
    """Whether `error` is a device or host out-of-memory error.

    Matched by name and message, so that no backend needs importing: TF's
    ResourceExhaustedError, JAX's RESOURCE_EXHAUSTED XlaRuntimeError, torch's
    OutOfMemoryError, Python's MemoryError.
    """
    for link in _error_chain(error):
        if isinstance(link, MemoryError):
            return True
        name = type(link).__name__
        text = str(link)
        if name in ("ResourceExhaustedError", "OutOfMemoryError"):
            return True
        if "RESOURCE_EXHAUSTED" in text or "out of memory" in text.lower():
            return True
    return False


def _error_chain(error):
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


class TrialDiverged(keras_tuner.errors.FailedTrialError):
    """The loss became NaN or infinite."""


class _TrialRecorder(keras.callbacks.Callback):
    """Counts epochs, finds the best one, takes the parameter count, watches
    for NaN losses.

    The best epoch (1-based, of `monitor`) is how long the final model
    trains when it is refit: the trial's own early-stopping point.
    """

    def __init__(self, monitor=None, direction="min"):
        super().__init__()
        self.epochs = 0
        self.parameter_count = None
        self.diverged_at = None
        self.monitor = monitor
        self.sign = 1.0 if direction == "min" else -1.0
        self.best_epoch = None
        self._best_value = math.inf

    def __deepcopy__(self, memo):
        # keras-tuner deep-copies a trial's callbacks; the tuner must read
        # this very instance afterwards.
        return self

    def on_train_begin(self, logs=None):
        self.parameter_count = int(self.model.count_params())

    def on_epoch_end(self, epoch, logs=None):
        self.epochs = epoch + 1
        value = (logs or {}).get(self.monitor)
        if value is not None and math.isfinite(float(value)):
            if self.sign * float(value) < self._best_value:
                self._best_value = self.sign * float(value)
                self.best_epoch = epoch + 1
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged_at = epoch + 1
            self.model.stop_training = True


class _BestEpochWeights(keras.callbacks.Callback):
    """Keeps the best epoch's weights and optimizer state in memory;
    `write` saves them once, when the trial's training ends.

    keras-tuner's own `SaveBestEpoch` writes the whole weights file at every
    improving epoch, slow next to a small model's epochs. The file is the
    same (weights and optimizer state, Keras's `.weights.h5`), so a
    warm-started final fit or `load_model` reads it as before. Like
    keras-tuner, a trial whose objective never improved (NaN throughout)
    writes no checkpoint.
    """

    def __init__(self, objective):
        super().__init__()
        self.objective = objective
        self.best_value = (
            -math.inf if objective.direction == "max" else math.inf
        )
        self._weights = None
        self._optimizer_state = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.objective.has_value(logs):
            value = self.objective.get_value(logs)
            if not self.objective.better_than(value, self.best_value):
                return
            self.best_value = value
        self._weights = self.model.get_weights()
        optimizer = self.model.optimizer
        self._optimizer_state = (
            [keras.ops.convert_to_numpy(v) for v in optimizer.variables]
            if optimizer is not None
            else []
        )

    def write(self, filepath):
        if self._weights is None:
            return
        self.model.set_weights(self._weights)
        if self.model.optimizer is not None:
            for variable, value in zip(
                self.model.optimizer.variables, self._optimizer_state
            ):
                variable.assign(value)
        self.model.save_weights(filepath)


class SearchTuner(keras_tuner.Tuner):
    """Tuner over an `AutoModel` with a `HillClimbingOracle`.

    Each trial seeds Keras (Python, NumPy and backend RNGs) with
    `(oracle.seed + trial_id) % 2**31`, the trial id being keras-tuner's
    0-based one (also on the retry after an out-of-memory error), and stops
    early when the objective stops improving. Configurations over
    `max_model_size` parameters are skipped by the oracle before they use a
    trial.

    Args:
        hypermodel: An `AutoModel` (any `HyperModel` works; its
            `predefined_configurations()` are used when it has them).
        oracle: A `keras_tuner.Oracle`; None builds a `HillClimbingOracle`
            from `objective`, `max_trials`, `time_limit`, `seed` and
            `max_model_size`.
        objective: Metric to optimise, e.g. "val_loss" or "val_accuracy".
        max_trials: Trial budget.
        time_limit: Seconds for the whole search; no trial starts that
            the longest finished one says cannot end in time.
        seed: Search seed.
        max_model_size: Largest parameter count to train.
        patience: Epochs without improvement before early stopping; None
            disables it.
        keep_best_checkpoints: How many trials keep their weights on disk
            (the best ones); the oracle deletes the rest as trials end.
        on_trial_saved: Optional callable(trial), called once the search's
            state on disk holds the trial: as it starts (the oracle saved
            it as running) and as it ends (scored). A caller copies the
            state somewhere durable from there.
        **kwargs: Passed to `keras_tuner.Tuner` (`directory`,
            `project_name`, `overwrite`, ...).
    """

    def __init__(
        self,
        hypermodel,
        oracle=None,
        objective="val_loss",
        max_trials=10,
        time_limit=None,
        seed=0,
        max_model_size=None,
        patience=3,
        keep_best_checkpoints=1,
        on_trial_saved=None,
        **kwargs,
    ):
        presets = getattr(hypermodel, "predefined_configurations", None)
        self.on_trial_saved = on_trial_saved
        if oracle is None:
            oracle = HillClimbingOracle(
                objective=objective,
                max_trials=max_trials,
                time_limit=time_limit,
                seed=seed,
                max_model_size=max_model_size,
            )
        if isinstance(oracle, HillClimbingOracle):
            if oracle.initial_hps is None and presets is not None:
                oracle.initial_hps = presets()
            oracle.model_size_fn = self.count_params
        if isinstance(oracle, HillClimbingOracle):
            oracle.keep_best_checkpoints = keep_best_checkpoints
        # In a parallel worker `self.oracle` becomes a gRPC client that
        # only proxies the oracle's API; the seed is read from this copy.
        self._local_oracle = oracle
        self.patience = patience
        self._waiting_for_trial = False
        super().__init__(oracle=oracle, hypermodel=hypermodel, **kwargs)

    def count_params(self, values):
        """Number of parameters of the model built from `values`."""
        hp = self.oracle.get_space()
        hp.values = dict(values)
        # Keras's state is reset, but without its full garbage collection:
        # the trial that follows runs one (`_fit_once`).
        keras.backend.clear_session(free_memory=False)
        return self.hypermodel.build(hp).count_params()

    def trial_seed(self, trial):
        return (self._local_oracle.seed + int(trial.trial_id)) % (2**31)

    def pre_create_trial(self):
        # A parallel worker asks again when the oracle answered IDLE (its
        # next mutation waits for an earlier trial); do not spin.
        if self._waiting_for_trial:
            time.sleep(IDLE_POLL_SECONDS)
        self._waiting_for_trial = True

    def on_trial_begin(self, trial):
        self._waiting_for_trial = False
        super().on_trial_begin(trial)
        if self.on_trial_saved is not None:
            self.on_trial_saved(trial)

    def on_trial_end(self, trial):
        super().on_trial_end(trial)  # the oracle's and tuner's state saved
        if self.on_trial_saved is not None:
            self.on_trial_saved(trial)

    def run_trial(self, trial, *args, **kwargs):
        started = time.monotonic()
        self._record_attempt(trial)
        info = {"trial_id": trial.trial_id, "message": ""}
        batch_size = self._searched_batch_size(trial)
        try:
            try:
                results = self._fit_once(trial, info, args, kwargs, None)
            except Exception as error:  # noqa: BLE001 (classified below)
                if not is_out_of_memory(error) or not batch_size:
                    raise
                smaller = max(1, batch_size // 2)
                LOGGER.warning(
                    "Trial %s ran out of memory at batch size %d; retrying "
                    "once with %d.",
                    trial.trial_id,
                    batch_size,
                    smaller,
                )
                info["message"] = (
                    f"out of memory at batch size {batch_size}; retried "
                    f"with {smaller}"
                )
                info["retried_with_batch_size"] = smaller
                try:
                    results = self._fit_once(
                        trial, info, args, kwargs, smaller
                    )
                except Exception as retry_error:  # noqa: BLE001
                    if is_out_of_memory(retry_error):
                        raise keras_tuner.errors.FailedTrialError(
                            f"out of memory at batch size {batch_size} and "
                            f"again at {smaller}: {retry_error}"
                        ) from retry_error
                    raise
        except keras_tuner.errors.FatalError:
            raise
        except Exception as error:
            if not isinstance(error, TrialDiverged):
                info["message"] = _short(error)
            if isinstance(error, keras_tuner.errors.FailedTrialError):
                raise
            # Every failure counts towards the oracle's limit of
            # consecutive failures (keras-tuner only counts these).
            raise keras_tuner.errors.FailedTrialError(
                info["message"]
            ) from error
        finally:
            info["seconds"] = round(time.monotonic() - started, 3)
            trial_info_lib.write(self.get_trial_dir(trial.trial_id), info)
        return results

    def _fit_once(self, trial, info, args, kwargs, batch_size):
        # A fresh graph and freed memory for every attempt (clear_session
        # runs gc.collect itself; a second full collection would only cost
        # time).
        keras.backend.clear_session()
        keras.utils.set_random_seed(self.trial_seed(trial))
        recorder = _TrialRecorder(
            self.oracle.objective.name, self.oracle.objective.direction
        )
        callbacks = list(kwargs.get("callbacks") or [])
        has_early_stopping = any(
            isinstance(c, keras.callbacks.EarlyStopping) for c in callbacks
        )
        if self.patience is not None and not has_early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=self.oracle.objective.name,
                    mode=self.oracle.objective.direction,
                    patience=self.patience,
                )
            )
        callbacks.append(recorder)
        fit_kwargs = dict(kwargs, callbacks=callbacks)
        if batch_size is not None:
            fit_kwargs["batch_size"] = batch_size
        results = self._train(trial, args, fit_kwargs)
        info["epochs"] = recorder.epochs
        info["best_epoch"] = recorder.best_epoch
        info["parameter_count"] = recorder.parameter_count
        info["batch_size"] = batch_size or self._searched_batch_size(trial)
        requested = kwargs.get("epochs")
        info["stopped_early"] = bool(requested and recorder.epochs < requested)
        if recorder.diverged_at is not None:
            info["message"] = (
                f"diverged: NaN loss at epoch {recorder.diverged_at}"
            )
            raise TrialDiverged(info["message"])
        if info["stopped_early"] and not info["message"]:
            info["message"] = (
                f"stopped at epoch {recorder.epochs}: no improvement in "
                f"{self.patience} epochs"
            )
        return results

    def _train(self, trial, args, kwargs):
        """Builds and fits `trial`'s model: keras-tuner's `run_trial` for
        one execution, with the best epoch's weights kept in memory and
        written once at the end (`_BestEpochWeights`), and no second
        `clear_session` (`_fit_once` cleared it; each costs a full garbage
        collection). keras-tuner's per-epoch and per-batch tuner hooks
        (`Tuner.on_epoch_end`, ...) are not called: they do nothing there
        and this class overrides none."""
        callbacks = copy.deepcopy(list(kwargs.pop("callbacks", None) or []))
        # keras-tuner's per-trial TensorBoard directory and HParams record
        # (the #hparams table of README's TensorBoard section).
        kt_adapter.configure_tensorboard(self, callbacks, trial)
        best_epoch = _BestEpochWeights(self.oracle.objective)
        callbacks.append(best_epoch)
        hp = trial.hyperparameters
        model = self.hypermodel.build(hp)
        results = self.hypermodel.fit(
            hp, model, *args, callbacks=callbacks, **kwargs
        )
        best_epoch.write(kt_adapter.checkpoint_path(self, trial.trial_id))
        return results

    def _searched_batch_size(self, trial):
        values = trial.hyperparameters.values
        for name, value in values.items():
            if name == "batch_size" or name.endswith("/batch_size"):
                return int(value)
        fixed = getattr(self.hypermodel, "batch_size", None)
        return int(fixed) if fixed else None

    def _record_attempt(self, trial):
        # One line per start: shows which trials a resumed search re-ran.
        # Appends are atomic on a local disk (parallel workers share the
        # file); TensorFlow's GCS filesystem emulates them by rewriting.
        path = os.path.join(self.project_dir, ATTEMPTS_FILE)
        with storage.open_file(path, "a") as f:
            f.write(f"{trial.trial_id} {self.tuner_id} {time.time():.3f}\n")

    def trial_attempts(self):
        """{trial_id: number of times a run of it started}."""
        path = os.path.join(self.project_dir, ATTEMPTS_FILE)
        counts = {}
        if storage.exists(path):
            with storage.open_file(path) as f:
                for line in f.read().splitlines():
                    trial_id = line.split()[0]
                    counts[trial_id] = counts.get(trial_id, 0) + 1
        return counts

    def checkpoint_path(self, trial_id):
        """Where the trial's best-epoch weights are (keras-tuner's file),
        or None once pruned (`keep_best_checkpoints`)."""
        path = kt_adapter.checkpoint_path(self, trial_id)
        return path if storage.exists(path) else None

    def trial_info(self, trial_id):
        """What `run_trial` recorded for a trial ({} if it never ran)."""
        return trial_info_lib.read(self.get_trial_dir(trial_id))


def _short(error):
    text = f"{type(error).__name__}: {error}".strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return first[:300]
