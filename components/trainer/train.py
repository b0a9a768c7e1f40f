"""The Trainer's `run_fn`: the best configuration, trained and exported.

Used by the standard TFX Trainer (`run_fn="components.trainer.train.run_fn"`)
with the AutoKerasTuner's `best_hyperparameters`: `run_fn` reads `fn_args`,
rebuilds the searched model from the same input description the tuner used,
picks the trials to train (the best one, then the next best as ensemble
candidates: `components/trainer/ensemble.py`, not with refit), trains each
the way its trial trained (`components/trainer/final_fit.py`), serves the
best one or the ensemble that beats it on eval, and exports the serving
model, a `.keras` file and optionally a TFLite file
(`components/trainer/model_export.py`).

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

import tensorflow as tf
import tensorflow_transform as tft
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.dsl.io import fileio
from tfx_bsl.public import tfxio

from components.autokeras_tuner import spec
from components.trainer import ensemble
from components.trainer import final_fit
from components.trainer import model_export
from components.util import feature_kinds
from components.util import transformed_data as data
from search_space import assemble

# Its lines reach the console (pipelines/progress.py).
LOGGER = logging.getLogger(__name__)


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
            name
            for name, spec in dataset.element_spec.items()
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


def run_fn(fn_args):
    """TFX Trainer entry point.

    `fn_args.custom_config` carries the TransformConfig fields plus the
    Trainer's options: `final_fit.EPOCHS_OPTION`, `SEED_OPTION` and
    `FINAL_FIT_OPTION`, `ensemble.ENSEMBLE_OPTION`,
    `model_export.TFLITE_OPTION` (also write a TFLite file) and
    `spec.EPOCHS_FOLLOW_SEARCH_OPTION`; `fn_args.hyperparameters` is the
    tuner's best configuration.
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
    mode = final_fit.mode_of(custom_config)
    trials = _candidates(
        fn_args.hyperparameters, mode, _max_members(custom_config)
    )
    splits = final_fit.fit_data(
        mode,
        train_files,
        _files(fn_args.eval_files),
        tft_output,
        config,
        train_batches,
        eval_batches,
    )
    members = _train_candidates(
        hypermodel,
        trials,
        splits,
        mode,
        final_fit.final_epochs(custom_config, fn_args.hyperparameters),
        custom_config,
    )
    model = _chosen_model(hypermodel, members, splits)
    _export(
        model, tft_output, config, custom_config, fn_args.serving_model_dir
    )


def _max_members(custom_config):
    """The most trials to train for an ensemble (1: the best only)."""
    return int(
        custom_config.get(
            ensemble.ENSEMBLE_OPTION, ensemble.DEFAULT_MAX_MEMBERS
        )
    )


def _candidates(hyperparameters, mode, max_members):
    """[(hyperparameters, final_fit recipe or None)] to train: the best
    trial first, then the next best (the ensemble's candidates), none of
    those with refit."""
    trials = [(hyperparameters, hyperparameters.get(spec.FINAL_FIT_KEY))]
    if mode != final_fit.REFIT and max_members > 1:
        trials += [
            (c["hyperparameters"], c.get(spec.FINAL_FIT_KEY))
            for c in hyperparameters.get(spec.ENSEMBLE_CANDIDATES_KEY) or ()
        ][: max_members - 1]
    return trials


def _train_candidates(
    hypermodel, trials, splits, mode, max_epochs, custom_config
):
    """The trained model of each candidate, in the same order."""
    members = []
    for number, (hyperparameters, recipe) in enumerate(trials, start=1):
        if len(trials) > 1:
            LOGGER.info(
                "ensemble candidate %d of %d: trial %s",
                number,
                len(trials),
                (recipe or {}).get("trial_number", "?"),
            )
        members.append(
            final_fit.train_member(
                hypermodel,
                hyperparameters,
                dict(recipe or {}),
                splits,
                mode,
                max_epochs,
                custom_config,
            )
        )
    return members


def _export(model, tft_output, config, custom_config, serving_model_dir):
    """The serving model at `serving_model_dir`, with a `.keras` file (and
    a TFLite file when custom_config asks) beside it."""
    model_export.export_serving_model(
        model,
        tft_output,
        list(config.label_names) if config.is_multi_task else config.label,
        _served_class_names(tft_output, config),
        serving_model_dir,
    )
    # Siblings of Format-Serving in the model artifact; the Pusher copies
    # Format-Serving only.
    model_dir = model_export.model_artifact_dir(serving_model_dir)
    model_export.export_keras_model(model, model_dir)
    if custom_config.get(model_export.TFLITE_OPTION):
        model_export.export_tflite_model(model, model_dir)


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
        len(scores),
        ", ".join(f"{s:.4f}" for s in scores),
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
