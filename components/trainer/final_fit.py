"""The Trainer's final fit: one configuration trained as its trial trained.

`run_fn` (`components/trainer/train.py`) hands each model it trains here:
built from the trial's hyperparameters with the trial's seed (the same
initial weights) and effective batch size, then fitted per `FINAL_FIT_MODES`
on splits loaded once for every model (`fit_data`).

How the final model is trained (custom_config `FINAL_FIT_OPTION`):
- "retrain": on train only, early-stopped on eval (best weights kept):
  with the best trial's seed and batch size, the trial itself, trained
  up to the Trainer's epoch budget.
- "warm": the best trial's best-epoch weights (its checkpoint in the
  tuner's results), trained on from there on train, early-stopped on
  eval; the checkpoint's own weights are kept unless an epoch beats their
  eval loss. A candidate without a checkpoint is retrained.
- "refit": on train + eval together for the best trial's best epoch count
  (AutoKeras refits on all data); nothing is held out, so no early
  stopping: the count comes from the search.
All use the best trial's seed and effective batch size. Compared with
tests/benchmarks/bench_final_fit.py (README, "Three splits, and how the
final model trains"): retrain scored highest or tied on 5 of 6 tables.
"""

import logging
import os
import tempfile

import keras
import keras_tuner
from tfx.dsl.io import fileio

from components.autokeras_tuner import spec
from components.trainer import epoch_log
from components.util import transformed_data as data
from search_space import automodel

# Its lines reach the console (pipelines/progress.py).
LOGGER = logging.getLogger(__name__)

# The Trainer's custom_config keys read here (beside the TransformConfig's
# fields): the epoch budget, the seed of a recipe without one, the mode.
EPOCHS_OPTION = "epochs"
SEED_OPTION = "seed"
FINAL_FIT_OPTION = "final_fit"
DEFAULT_EPOCHS = 10
EARLY_STOPPING_PATIENCE = 3
REFIT = "refit"
RETRAIN = "retrain"
WARM = "warm"
FINAL_FIT_MODES = (REFIT, RETRAIN, WARM)
DEFAULT_FINAL_FIT = RETRAIN


def mode_of(custom_config):
    """The final-fit mode custom_config asks for (`FINAL_FIT_MODES`)."""
    return custom_config.get(FINAL_FIT_OPTION, DEFAULT_FINAL_FIT)


def final_epochs(custom_config, hyperparameters):
    """The final model's epoch budget: the search's run-time epochs when
    the pipeline ties them (`spec.EPOCHS_FOLLOW_SEARCH_OPTION`, set by the
    Kubeflow compile), else custom_config's `epochs`."""
    searched = (hyperparameters.get(spec.RUN_PARAMETERS_KEY) or {}).get(
        spec.RUN_EPOCHS_KEY
    )
    if custom_config.get(spec.EPOCHS_FOLLOW_SEARCH_OPTION) and searched:
        return int(searched)
    return int(custom_config.get(EPOCHS_OPTION, DEFAULT_EPOCHS))


def train_member(
    hypermodel,
    hyperparameters,
    recipe,
    splits,
    mode,
    max_epochs,
    custom_config,
):
    """One configuration trained as its trial trained: its seed (the same
    initial weights), effective batch size and (refit) epoch count."""
    hp = keras_tuner.HyperParameters.from_config(hyperparameters)
    keras.utils.set_random_seed(
        int(recipe.get("seed", custom_config.get(SEED_OPTION, 0)))
    )
    model = hypermodel.build(hp)
    start_loss = warm_start(model, recipe, splits) if mode == WARM else None
    kwargs = {
        **splits,
        **recipe_arguments(mode, recipe, max_epochs, start_loss),
    }
    train = kwargs.pop("x")
    if isinstance(train, tuple):
        hypermodel.fit(hp, model, *train, **kwargs)
    else:
        hypermodel.fit(hp, model, train, **kwargs)
    return model


def warm_start(model, recipe, splits):
    """Loads the trial's checkpoint into `model`; returns its eval loss,
    or None (logged) when there is no checkpoint to start from."""
    checkpoint = recipe.get("checkpoint")
    trial = recipe.get("trial_number", "?")
    if not checkpoint or not fileio.exists(checkpoint):
        LOGGER.info(
            "warm start: trial %s kept no checkpoint; retraining it", trial
        )
        return None
    train, validation = splits["x"], splits["validation_data"]
    # Text vocabularies are no weights: learn them first, from the same
    # train split as the trial did, so the loaded embeddings line up.
    automodel.adapt_text_vocabularies(
        model, train[0] if isinstance(train, tuple) else train
    )
    # The checkpoint holds the optimizer's state too (Adam's moments):
    # built first, it is loaded, and training goes on where the trial was.
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    with tempfile.TemporaryDirectory() as local:
        # Keras reads local files; the artifact may be on object storage.
        path = os.path.join(local, os.path.basename(checkpoint))
        fileio.copy(checkpoint, path)
        model.load_weights(path)
    batch_size = recipe.get("batch_size") or 32
    if isinstance(validation, tuple):
        result = model.evaluate(
            *validation,
            batch_size=int(batch_size),
            verbose=0,
            return_dict=True,
        )
    else:
        result = model.evaluate(validation, verbose=0, return_dict=True)
    LOGGER.info(
        "warm start: trial %s's best epoch, eval loss %.4f",
        trial,
        result["loss"],
    )
    return float(result["loss"])


class EarlyStoppingFrom(keras.callbacks.EarlyStopping):
    """Early stopping on val_loss that counts the starting weights as the
    best so far: training keeps them unless an epoch beats `start_loss`."""

    def __init__(self, start_loss, patience):
        super().__init__(patience=patience, restore_best_weights=True)
        self.start_loss = start_loss

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.best = self.start_loss
        self.best_weights = self.model.get_weights()
        self.best_epoch = -1


def fit_arguments(
    mode,
    recipe,
    max_epochs,
    train_files,
    eval_files,
    tft_output,
    config,
    train_batches=None,
    eval_batches=None,
):
    """`fit` arguments (with `x`) for the final model, per `FINAL_FIT_MODES`.

    `train_batches` / `eval_batches`: the splits' batch sources (`data`;
    the Trainer's data accessor), or None to read the files directly.
    """
    splits = fit_data(
        mode,
        train_files,
        eval_files,
        tft_output,
        config,
        train_batches,
        eval_batches,
    )
    return {**splits, **recipe_arguments(mode, recipe, max_epochs)}


def _concatenated(first, second):
    if first is None or second is None:
        return None
    return lambda columns=None: first(columns).concatenate(second(columns))


def fit_data(
    mode,
    train_files,
    eval_files,
    tft_output,
    config,
    train_batches=None,
    eval_batches=None,
):
    """The splits `fit` takes, loaded once for every model trained: `x`
    (refit: train + eval), and `validation_data` (retrain, warm: eval)."""
    if mode not in FINAL_FIT_MODES:
        raise ValueError(
            f"custom_config[{FINAL_FIT_OPTION!r}] must be one of "
            f"{FINAL_FIT_MODES}; received {mode!r}."
        )
    if mode == REFIT:
        return {
            "x": data.load_split(
                list(train_files) + list(eval_files),
                tft_output,
                data.label_keys(config),
                batches=_concatenated(train_batches, eval_batches),
            )
        }
    return {
        "x": data.load_split(
            train_files,
            tft_output,
            data.label_keys(config),
            batches=train_batches,
        ),
        "validation_data": data.load_split(
            eval_files,
            tft_output,
            data.label_keys(config),
            batches=eval_batches,
        ),
    }


def recipe_arguments(mode, recipe, max_epochs, start_loss=None):
    """The `fit` arguments of one model trained as its trial trained:
    batch size, epochs and fresh callbacks (they hold state).

    `start_loss`: the eval loss of warm-started weights, which the early
    stopping then counts as the best so far (`EarlyStoppingFrom`).
    """
    kwargs = {
        "callbacks": [epoch_log.EpochLog()],
        # One logged line per epoch (EpochLog), not Keras' step counters.
        "verbose": 0,
        # Batched as the trials were (the same seeded shuffles).
        "input_pipeline": data.in_memory_batches,
    }
    if recipe.get("batch_size"):
        # The size the trial actually trained with (after an
        # out-of-memory retry, half the searched one).
        kwargs["batch_size"] = int(recipe["batch_size"])
    if mode == REFIT:
        kwargs["epochs"] = int(recipe.get("best_epoch") or max_epochs)
        return kwargs
    kwargs["epochs"] = max_epochs
    kwargs["callbacks"].insert(
        0,
        keras.callbacks.EarlyStopping(
            patience=EARLY_STOPPING_PATIENCE, restore_best_weights=True
        )
        if start_loss is None
        else EarlyStoppingFrom(start_loss, patience=EARLY_STOPPING_PATIENCE),
    )
    return kwargs
