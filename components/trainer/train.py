"""The Trainer's `run_fn`: the best configuration, trained and exported.

Used by the standard TFX Trainer (`run_fn="components.trainer.train.run_fn"`) with
the AutoKerasTuner's `best_hyperparameters`: it rebuilds the searched model
from the same input description the tuner used, trains it the way the best
trial trained (its seed and batch size; `FINAL_FIT_MODES`: retrain on train
early-stopped on eval, warm-start from the trial's checkpoint, or refit on
train + eval for the trial's best epoch count), optionally beside the next
best trials as an ensemble (`components/trainer/ensemble.py`, not with refit), and
exports the serving model, a
`.keras` file and optionally a TFLite file (`components/trainer/model_export.py`).

The examples are read through the Trainer's `fn_args.data_accessor`: its
TFXIO `tf_dataset_factory` on `fn_args.train_files` / `eval_files` with the
Transform output's schema, one unshuffled pass per dataset, feeding
`data.load_split` (loaded into memory or streamed, as in the tuner). TFXIO
gives the same dense tensors as the tuner's direct reader (`[batch, 1]`
float32/int64/string columns, `[batch, H, W, C]` images); a column that
would arrive sparse or ragged is an `InputDataError`. A hand-built `FnArgs`
without a data accessor falls back to that direct reader.
"""

import logging
import os
import tempfile

import keras
import keras_tuner
import tensorflow as tf
import tensorflow_transform as tft
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.dsl.io import fileio
from tfx_bsl.public import tfxio

from components.util import transformed_data as data
from components.trainer import ensemble
from components.trainer import epoch_log
from components.util import feature_kinds
from components.trainer import model_export
from components.autokeras_tuner import spec
from search_space import assemble
from search_space import automodel

# Its lines reach the console (pipelines/progress.py).
LOGGER = logging.getLogger(__name__)
DEFAULT_EPOCHS = 10
EARLY_STOPPING_PATIENCE = 3
# How the final model is trained (custom_config key and values):
# - "retrain": on train only, early-stopped on eval (best weights kept):
#   with the best trial's seed and batch size, the trial itself, trained
#   up to the Trainer's epoch budget.
# - "warm": the best trial's best-epoch weights (its checkpoint in the
#   tuner's results), trained on from there on train, early-stopped on
#   eval; the checkpoint's own weights are kept unless an epoch beats their
#   eval loss. A candidate without a checkpoint is retrained.
# - "refit": on train + eval together for the best trial's best epoch count
#   (AutoKeras refits on all data); nothing is held out, so no early
#   stopping: the count comes from the search.
# All use the best trial's seed and effective batch size. Measured with
# tests/benchmarks/bench_final_fit.py (README, "Three splits, and how the
# final model trains"): retrain scored highest or tied on 5 of 6 tables.
FINAL_FIT_OPTION = "final_fit"
REFIT = "refit"
RETRAIN = "retrain"
WARM = "warm"
FINAL_FIT_MODES = (REFIT, RETRAIN, WARM)
DEFAULT_FINAL_FIT = RETRAIN


def _files(patterns):
    # fileio: the Examples artifact may be on object storage (gs://).
    return sorted(f for pattern in patterns for f in fileio.glob(pattern))


def _accessor_batches(data_accessor, patterns, tft_output):
    """A `data` batch source over `patterns` through the Trainer's data
    accessor (TFXIO), or None (the direct reader) without one."""
    if data_accessor is None:
        return None
    schema = tft_output.transformed_metadata.schema

    def batches(columns=None):
        dataset = data_accessor.tf_dataset_factory(
            list(patterns),
            tfxio.TensorFlowDatasetOptions(
                batch_size=data.PARSE_BATCH_SIZE,
                # The default (None) repeats forever; Keras makes the epochs.
                num_epochs=1,
                shuffle=False,
            ),
            _project(schema, columns),
        )
        not_dense = sorted(
            name for name, spec in dataset.element_spec.items()
            if not isinstance(spec, tf.TensorSpec)
        )
        if not_dense:
            raise data.InputDataError(
                f"The transformed columns {not_dense} are not dense tensors "
                "of a fixed shape; the model takes only those."
            )
        return dataset

    return batches


def _project(schema, columns):
    if columns is None:
        return schema
    projected = schema_pb2.Schema()
    projected.CopyFrom(schema)
    del projected.feature[:]
    projected.feature.extend(f for f in schema.feature if f.name in columns)
    return projected


def _concatenated(first, second):
    if first is None or second is None:
        return None
    return lambda columns=None: first(columns).concatenate(second(columns))


def run_fn(fn_args):
    """TFX Trainer entry point.

    `fn_args.custom_config` carries the TransformConfig fields plus `epochs`,
    `seed` and `tflite` (also write a TFLite file); `fn_args.hyperparameters`
    is the tuner's best configuration.
    """
    custom_config = fn_args.custom_config or {}
    config = feature_kinds.TransformConfig.from_dict(custom_config)
    if not fn_args.hyperparameters:
        raise ValueError(
            "The Trainer needs the AutoKerasTuner's best_hyperparameters; "
            "wire tuner.outputs['best_hyperparameters'] into it."
        )
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    train_files = _files(fn_args.train_files)
    # None in a hand-built FnArgs: the files are then read directly.
    accessor = getattr(fn_args, "data_accessor", None)
    train_batches = _accessor_batches(
        accessor, fn_args.train_files, tft_output
    )
    eval_batches = _accessor_batches(accessor, fn_args.eval_files, tft_output)
    # The train files give a regression label's scale, as in the tuner.
    features, labels = data.describe_inputs(
        tft_output, config, train_files, batches=train_batches
    )
    hypermodel = assemble.default_hypermodel(features, labels)
    mode = custom_config.get(FINAL_FIT_OPTION, DEFAULT_FINAL_FIT)
    max_members = int(custom_config.get(
        ensemble.ENSEMBLE_OPTION, ensemble.DEFAULT_MAX_MEMBERS
    ))
    # The best trial first, then the next best (the ensemble's candidates).
    trials = [(fn_args.hyperparameters,
               fn_args.hyperparameters.get(spec.FINAL_FIT_KEY))]
    if mode != REFIT and max_members > 1:
        trials += [
            (c["hyperparameters"], c.get(spec.FINAL_FIT_KEY))
            for c in fn_args.hyperparameters.get(
                spec.ENSEMBLE_CANDIDATES_KEY) or ()
        ][:max_members - 1]
    splits = _final_fit_data(
        mode, train_files, _files(fn_args.eval_files), tft_output, config,
        train_batches, eval_batches,
    )
    max_epochs = final_epochs(custom_config, fn_args.hyperparameters)
    members = []
    for number, (hyperparameters, recipe) in enumerate(trials, start=1):
        if len(trials) > 1:
            LOGGER.info(
                "ensemble candidate %d of %d: trial %s", number, len(trials),
                (recipe or {}).get("trial_number", "?"),
            )
        members.append(_train_member(
            hypermodel, hyperparameters, dict(recipe or {}), splits, mode,
            max_epochs, custom_config,
        ))
    model = _chosen_model(hypermodel, members, splits)

    model_export.export_serving_model(
        model, tft_output,
        list(config.label_names) if config.is_multi_task else config.label,
        _served_class_names(tft_output, config),
        fn_args.serving_model_dir,
    )
    # Siblings of Format-Serving in the model artifact; the Pusher copies
    # Format-Serving only.
    model_dir = model_export.model_artifact_dir(fn_args.serving_model_dir)
    model_export.export_keras_model(model, model_dir)
    if custom_config.get(model_export.TFLITE_OPTION):
        model_export.export_tflite_model(model, model_dir)


def final_epochs(custom_config, hyperparameters):
    """The final model's epoch budget: the search's run-time epochs when
    the pipeline ties them (`spec.EPOCHS_FOLLOW_SEARCH_OPTION`, set by the
    Kubeflow compile), else custom_config's `epochs`."""
    searched = (hyperparameters.get(spec.RUN_PARAMETERS_KEY) or {}).get(
        "epochs"
    )
    if custom_config.get(spec.EPOCHS_FOLLOW_SEARCH_OPTION) and searched:
        return int(searched)
    return int(custom_config.get("epochs", DEFAULT_EPOCHS))


def _train_member(hypermodel, hyperparameters, recipe, splits, mode,
                  max_epochs, custom_config):
    """One configuration trained as its trial trained: its seed (the same
    initial weights), effective batch size and (refit) epoch count."""
    hp = keras_tuner.HyperParameters.from_config(hyperparameters)
    keras.utils.set_random_seed(
        int(recipe.get("seed", custom_config.get("seed", 0)))
    )
    model = hypermodel.build(hp)
    start_loss = _warm_start(model, recipe, splits) if mode == WARM else None
    kwargs = {
        **splits,
        **_recipe_arguments(mode, recipe, max_epochs, start_loss),
    }
    train = kwargs.pop("x")
    if isinstance(train, tuple):
        hypermodel.fit(hp, model, *train, **kwargs)
    else:
        hypermodel.fit(hp, model, train, **kwargs)
    return model


def _warm_start(model, recipe, splits):
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
            *validation, batch_size=int(batch_size), verbose=0,
            return_dict=True,
        )
    else:
        result = model.evaluate(validation, verbose=0, return_dict=True)
    LOGGER.info(
        "warm start: trial %s's best epoch, eval loss %.4f", trial,
        result["loss"],
    )
    return float(result["loss"])


class _EarlyStoppingFrom(keras.callbacks.EarlyStopping):
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


def _chosen_model(hypermodel, members, splits):
    """The single best model, or the ensemble of the best k when it beats
    it on the eval split (`components/trainer/ensemble.py`)."""
    if len(members) == 1:
        return members[0]
    outputs = [
        ensemble.predict_with_labels(m, splits["validation_data"])
        for m in members
    ]
    y = outputs[0][1]
    size, scores = ensemble.choose_size(
        hypermodel.heads, [p for p, _ in outputs], y
    )
    LOGGER.info(
        "ensemble: eval val_loss of the best 1..%d averaged: %s; serving %s",
        len(scores), ", ".join(f"{s:.4f}" for s in scores),
        f"the best {size} averaged" if size > 1 else "the single best model",
    )
    if size == 1:
        return members[0]
    return ensemble.ensemble_model(members[:size])


def _served_class_names(tft_output, config):
    """Class names of a classification label, None for regression; in a
    multi-task run a dict of them keyed by label key."""
    def names(label):
        if config.task_of(label) != feature_kinds.CLASSIFICATION:
            return None
        return data.class_names(tft_output, config.label_vocabulary_of(label))

    if not config.is_multi_task:
        return names(config.label)
    return {
        feature_kinds.safe_key(label): names(label)
        for label in config.label_names
    }


def _final_fit_arguments(
    mode, recipe, max_epochs, train_files, eval_files, tft_output, config,
    train_batches=None, eval_batches=None,
):
    """`fit` arguments (with `x`) for the final model, per `FINAL_FIT_MODES`.

    `train_batches` / `eval_batches`: the splits' batch sources (`data`;
    `_accessor_batches`), or None to read the files directly.
    """
    splits = _final_fit_data(
        mode, train_files, eval_files, tft_output, config,
        train_batches, eval_batches,
    )
    return {**splits, **_recipe_arguments(mode, recipe, max_epochs)}


def _final_fit_data(
    mode, train_files, eval_files, tft_output, config,
    train_batches=None, eval_batches=None,
):
    """The splits `fit` takes, loaded once for every model trained: `x`
    (refit: train + eval), and `validation_data` (retrain: eval)."""
    if mode not in FINAL_FIT_MODES:
        raise ValueError(
            f"custom_config[{FINAL_FIT_OPTION!r}] must be one of "
            f"{FINAL_FIT_MODES}; received {mode!r}."
        )
    if mode == REFIT:
        return {"x": data.load_split(
            list(train_files) + list(eval_files), tft_output,
            data.label_keys(config),
            batches=_concatenated(train_batches, eval_batches),
        )}
    return {
        "x": data.load_split(
            train_files, tft_output, data.label_keys(config),
            batches=train_batches,
        ),
        "validation_data": data.load_split(
            eval_files, tft_output, data.label_keys(config),
            batches=eval_batches,
        ),
    }


def _recipe_arguments(mode, recipe, max_epochs, start_loss=None):
    """The `fit` arguments of one model trained as its trial trained:
    batch size, epochs and fresh callbacks (they hold state).

    `start_loss`: the eval loss of warm-started weights, which the early
    stopping then counts as the best so far (`_EarlyStoppingFrom`).
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
        ) if start_loss is None else _EarlyStoppingFrom(
            start_loss, patience=EARLY_STOPPING_PATIENCE
        ),
    )
    return kwargs
