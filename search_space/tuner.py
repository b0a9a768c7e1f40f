"""`SearchTuner`: runs seeded, early-stopped trials for a HillClimbingOracle."""

import keras
import keras_tuner

from search_space.oracle import HillClimbingOracle


class SearchTuner(keras_tuner.Tuner):
    """Tuner over an `AutoModel` with a `HillClimbingOracle`.

    Each trial seeds Keras (Python, NumPy and backend RNGs) with
    `oracle.seed + trial number`, and stops early when the objective stops
    improving. Configurations over `max_model_size` parameters are skipped by
    the oracle before they use a trial.

    Args:
        hypermodel: An `AutoModel` (any `HyperModel` works; its
            `predefined_configurations()` are used when it has them).
        oracle: A `keras_tuner.Oracle`; None builds a `HillClimbingOracle`
            from `objective`, `max_trials`, `time_limit`, `seed` and
            `max_model_size`.
        objective: Metric to optimise, e.g. "val_loss" or "val_accuracy".
        max_trials: Trial budget.
        time_limit: Seconds; no trial starts after it.
        seed: Search seed.
        max_model_size: Largest parameter count to train.
        patience: Epochs without improvement before early stopping; None
            disables it.
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
        **kwargs,
    ):
        presets = getattr(hypermodel, "predefined_configurations", None)
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
        self.patience = patience
        super().__init__(oracle=oracle, hypermodel=hypermodel, **kwargs)

    def count_params(self, values):
        """Number of parameters of the model built from `values`."""
        hp = self.oracle.get_space()
        hp.values = dict(values)
        keras.backend.clear_session()
        return self.hypermodel.build(hp).count_params()

    def trial_seed(self, trial):
        return (self.oracle.seed + int(trial.trial_id)) % (2**31)

    def run_trial(self, trial, *args, **kwargs):
        keras.utils.set_random_seed(self.trial_seed(trial))
        callbacks = list(kwargs.pop("callbacks", None) or [])
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
        return super().run_trial(trial, *args, callbacks=callbacks, **kwargs)
