"""Benchmark: memory and disk of a search as trials accumulate.

    ./dev python tests/benchmarks/bench_search.py [--trials 10] [--rows 2000]

Runs a real search (search_space only, synthetic structured data) and prints,
after every trial, the process's resident memory (RSS) and the bytes the
search keeps on disk (all of it, and its weights alone). Not a test: it
prints figures; nothing is asserted. KERAS_BACKEND selects the backend (it
runs on jax or torch too, e.g. on a GPU machine).
"""

import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
sys.path.insert(0, ROOT)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from search_space import FeatureSpec  # noqa: E402
from search_space import LabelSpec  # noqa: E402
from search_space import SearchTuner  # noqa: E402
from search_space import default_hypermodel  # noqa: E402


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def disk_bytes(directory, weights_only=False):
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            if weights_only and not name.startswith("checkpoint"):
                continue
            total += os.path.getsize(os.path.join(root, name))
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    features = [
        FeatureSpec("numbers", "numerical", shape=(8,)),
        FeatureSpec("city", "categorical", vocab_size=50),
    ]
    label = LabelSpec("y", "classification", num_classes=3)
    x = {
        "numbers": rng.normal(size=(args.rows, 8)).astype("float32"),
        "city": rng.integers(0, 50, (args.rows, 1)).astype("int64"),
    }
    y = (x["numbers"][:, 0] > 0).astype("int64") + (x["city"][:, 0] > 25)
    directory = tempfile.mkdtemp(prefix="akt-bench-")
    print(
        f"backend {keras.backend.backend()}, {args.rows} rows, "
        f"{args.epochs} epochs per trial, search dir {directory}"
    )
    print(
        "figures at the end of each trial's training (the disk figure "
        "includes that trial's checkpoint, pruned when the trial ends)"
    )
    print("trial  seconds  rss_MiB  disk_KiB  weights_KiB")
    tuner = SearchTuner(
        default_hypermodel(features, [label]),
        max_trials=args.trials,
        directory=directory,
        project_name="bench",
    )
    tuner.search(
        x,
        y,
        validation_split=0.2,
        epochs=args.epochs,
        verbose=0,
        callbacks=[Report(tuner)],
    )


class Report(keras.callbacks.Callback):
    """Prints RSS and disk when each trial's training ends."""

    def __init__(self, tuner):
        super().__init__()
        self.tuner = tuner
        self.trials = 0
        self.started = time.monotonic()

    def __deepcopy__(self, memo):
        return self  # keras-tuner copies callbacks per trial; keep one

    def on_train_end(self, logs=None):
        self.trials += 1
        project = self.tuner.project_dir
        print(
            f"{self.trials:5d}  {time.monotonic() - self.started:7.1f}  "
            f"{rss_mib():7.0f}  {disk_bytes(project) / 1024:8.0f}  "
            f"{disk_bytes(project, True) / 1024:11.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
