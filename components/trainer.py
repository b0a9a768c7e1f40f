"""The Trainer's `run_fn`: the best configuration, trained and exported.

Used by the standard TFX Trainer (`run_fn="components.trainer.run_fn"`) with
the AutoKerasTuner's `best_hyperparameters`: it rebuilds the searched model
from the same input description the tuner used, trains it on the train split
with early stopping on the eval split, and exports the serving model, a
`.keras` file and optionally a TFLite file (`components/model_export.py`).
"""

import glob

import keras
import keras_tuner
import tensorflow_transform as tft

from components import data
from components import feature_kinds
from components import model_export
from search_space import assemble

DEFAULT_EPOCHS = 10
EARLY_STOPPING_PATIENCE = 3


def _files(patterns):
    return sorted(f for pattern in patterns for f in glob.glob(pattern))


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
    # The train files give a regression label's scale, as in the tuner.
    features, labels = data.describe_inputs(tft_output, config, train_files)
    hypermodel = assemble.default_hypermodel(features, labels)
    hp = keras_tuner.HyperParameters.from_config(fn_args.hyperparameters)

    keras.utils.set_random_seed(int(custom_config.get("seed", 0)))
    model = hypermodel.build(hp)
    train = data.load_split(train_files, tft_output, config.label_key)
    evaluation = data.load_split(
        _files(fn_args.eval_files), tft_output, config.label_key
    )
    fit_kwargs = {
        "validation_data": evaluation,
        "epochs": int(custom_config.get("epochs", DEFAULT_EPOCHS)),
        "callbacks": [
            keras.callbacks.EarlyStopping(
                patience=EARLY_STOPPING_PATIENCE, restore_best_weights=True
            )
        ],
        "verbose": 2,
    }
    if isinstance(train, tuple):
        hypermodel.fit(hp, model, *train, **fit_kwargs)
    else:
        hypermodel.fit(hp, model, train, **fit_kwargs)

    class_names = (
        data.class_names(tft_output)
        if config.task == feature_kinds.CLASSIFICATION
        else None
    )
    model_export.export_serving_model(
        model, tft_output, config.label, class_names,
        fn_args.serving_model_dir,
    )
    # Siblings of Format-Serving in the model artifact; the Pusher copies
    # Format-Serving only.
    model_dir = model_export.model_artifact_dir(fn_args.serving_model_dir)
    model_export.export_keras_model(model, model_dir)
    if custom_config.get(model_export.TFLITE_OPTION):
        model_export.export_tflite_model(model, model_dir)
