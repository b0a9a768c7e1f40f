"""Benchmark: how in-memory splits reach `model.fit`, against column count.

    ./dev python tests/benchmarks/bench_input.py [--columns 4,30,64]
        [--rows 300,12000] [--epochs 30]

Fits one small model (one input per column, as the search builds them) for
a fixed number of epochs, with validation, twice per setting: Keras's own
array adapter (numpy arrays into `fit`) and `components.util.transformed_data.
in_memory_batches` (what the tuner and the Trainer pass as
`AutoModel.fit`'s `input_pipeline`). Prints seconds per fit and the final
val_loss of each. Not a test: nothing is asserted.
"""

import argparse
import os
import sys
import time

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
sys.path.insert(0, ROOT)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from components.util import transformed_data as data  # noqa: E402


def _model(columns):
    inputs = [keras.Input((1,), name=f"c{i}") for i in range(columns)]
    hidden = keras.layers.Concatenate()(inputs)
    hidden = keras.layers.Dense(64, activation="relu")(hidden)
    outputs = keras.layers.Dense(2, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _split(rows, columns, rng):
    x = {
        f"c{i}": rng.normal(size=(rows, 1)).astype("float32")
        for i in range(columns)
    }
    return x, (x["c0"][:, 0] > 0).astype("int64")


def _fit(columns, train, validation, epochs, batch_size, pipeline):
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = _model(columns)
    started = time.perf_counter()
    if pipeline:
        arguments = data.in_memory_batches(
            *train, validation, batch_size, seed=0
        )
        history = model.fit(**arguments, epochs=epochs, verbose=0)
    else:
        history = model.fit(
            *train,
            validation_data=validation,
            batch_size=batch_size,
            epochs=epochs,
            verbose=0,
        )
    return time.perf_counter() - started, history.history["val_loss"][-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", default="4,30,64")
    parser.add_argument("--rows", default="300,12000")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(
        f"backend {keras.backend.backend()}, {args.epochs} epochs, batch "
        f"{args.batch_size}, validation = 20% of the rows again"
    )
    print(
        "| rows | columns | keras arrays s | in_memory_batches s | speed-up "
        "| val_loss arrays | val_loss pipeline |"
    )
    print("|---|---|---|---|---|---|---|")
    for rows in (int(r) for r in args.rows.split(",")):
        for columns in (int(c) for c in args.columns.split(",")):
            train = _split(rows, columns, rng)
            validation = _split(max(1, rows // 5), columns, rng)
            arrays = _fit(
                columns,
                train,
                validation,
                args.epochs,
                args.batch_size,
                pipeline=False,
            )
            pipeline = _fit(
                columns,
                train,
                validation,
                args.epochs,
                args.batch_size,
                pipeline=True,
            )
            print(
                f"| {rows} | {columns} | {arrays[0]:.2f} | "
                f"{pipeline[0]:.2f} | {arrays[0] / pipeline[0]:.1f}x | "
                f"{arrays[1]:.4f} | {pipeline[1]:.4f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
