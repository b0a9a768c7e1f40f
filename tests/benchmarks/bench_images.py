"""Benchmark: digits as PNG folders, our pipeline beside KerasTuner.

    ./dev python tests/benchmarks/bench_images.py [--trials 10] [--epochs 15]
        [--workdir DIR] [--skip-pipeline] [--skip-keras-tuner]

Both sides get the same 80% of sklearn's digits and the same number of
trials, and are scored on the same 20% held-out images:

- ours: `autokeras-tfx run --input-format images` on the PNG class folders
  (the whole TFX pipeline), scored through the pushed model's
  `serving_default` on the raw PNG bytes;
- KerasTuner: `RandomSearch` over a small conv net (filters, depth,
  dropout, learning rate) on the decoded pixels, 20% of the training
  images for validation, the best model refit as KerasTuner leaves it.

Prints held-out accuracy and wall seconds of each. Not a test: nothing is
asserted. KERAS_BACKEND selects the backend of the KerasTuner side.
"""

import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "acceptance")]

import image_data  # noqa: E402
import matrix_run  # noqa: E402
import numpy as np  # noqa: E402


def run_ours(workdir, trials, epochs):
    """(held-out accuracy, seconds) of the whole pipeline."""
    import tensorflow as tf

    from pipelines import cli

    data_dir, holdout = image_data.write_digits(workdir)
    started = time.monotonic()
    summary = cli.run(
        cli.build_parser().parse_args(
            [
                "run",
                "--data",
                data_dir,
                "--input-format",
                "images",
                "--max-trials",
                str(trials),
                "--epochs",
                str(epochs),
                "--output",
                os.path.join(workdir, "output"),
                "--seed",
                "0",
                "--pipeline-name",
                matrix_run.PIPELINE_NAME,
                "--no-warm-start",
            ]
        )
    )
    seconds = time.monotonic() - started
    if not summary.get("pushed"):
        return None, seconds
    serve = tf.saved_model.load(summary["pushed_model"]).signatures[
        "serving_default"
    ]
    records = [image_data.to_example({"image": data}) for data, _ in holdout]
    classes = serve(examples=tf.constant(records))["classes"].numpy()
    truth = [label for _, label in holdout]
    return float(np.mean([c.decode() == t for c, t in zip(classes, truth)])), (
        seconds
    )


def _conv_net(hp, num_classes):
    import keras

    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    for i in range(hp.Int("blocks", 1, 2)):
        x = keras.layers.Conv2D(
            hp.Choice(f"filters_{i}", [16, 32, 64]),
            3,
            padding="same",
            activation="relu",
        )(x)
        x = keras.layers.MaxPooling2D(padding="same")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(hp.Choice("dropout", [0.0, 0.25, 0.5]))(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        keras.optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def run_keras_tuner(workdir, trials, epochs):
    """(held-out accuracy, seconds) of a KerasTuner random search."""
    import keras_tuner

    train, holdout = image_data.digits_split()
    classes = sorted({label for _, label in train})
    x = np.stack([image for image, _ in train])[..., None].astype("float32")
    y = np.array([classes.index(label) for _, label in train])
    x_test = np.stack([image for image, _ in holdout])[..., None].astype(
        "float32"
    )
    y_test = np.array([classes.index(label) for _, label in holdout])
    started = time.monotonic()
    tuner = keras_tuner.RandomSearch(
        lambda hp: _conv_net(hp, len(classes)),
        objective="val_accuracy",
        max_trials=trials,
        seed=0,
        directory=os.path.join(workdir, "keras_tuner"),
        overwrite=True,
    )
    tuner.search(x, y, validation_split=0.2, epochs=epochs, verbose=0)
    best = tuner.get_best_models(1)[0]
    accuracy = float(
        np.mean(np.argmax(best.predict(x_test, verbose=0), axis=-1) == y_test)
    )
    return accuracy, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--skip-keras-tuner", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_images_")
    rows = []
    if not args.skip_pipeline:
        rows.append(
            (
                "autokeras-tfx pipeline",
                *run_ours(workdir, args.trials, args.epochs),
            )
        )
    if not args.skip_keras_tuner:
        rows.append(
            (
                "KerasTuner RandomSearch (conv net)",
                *run_keras_tuner(workdir, args.trials, args.epochs),
            )
        )
    print(
        f"\ndigits, {args.trials} trials, {args.epochs} epochs, "
        f"{len(image_data.digits_split()[1])} held-out images"
    )
    for name, accuracy, seconds in rows:
        shown = "-" if accuracy is None else f"{accuracy:.4f}"
        print(f"  {name:<36} accuracy {shown}  {seconds:7.0f} s")


if __name__ == "__main__":
    main()
