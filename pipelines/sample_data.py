"""The sample data the demo runs on: Chicago taxi trips from the tfx wheel.

The demo predicts a trip's `payment_type` (Cash, Credit Card, ...; seven
classes) from the rest of the trip, tips included.
"""

import csv
import importlib.util
import itertools
import os

DEMO_LABEL = "payment_type"
DEMO_TASK = "classification"


def demo_data_dir():
    """The directory of the taxi CSV inside the installed tfx package."""
    spec = importlib.util.find_spec("tfx")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The tfx package is not installed; run through ./dev, which "
            "provides the runtime."
        )
    path = os.path.join(
        spec.submodule_search_locations[0],
        "examples",
        "chicago_taxi_pipeline",
        "data",
        "simple",
    )
    if not os.path.isfile(os.path.join(path, "data.csv")):
        raise RuntimeError(
            f"The Chicago taxi sample is missing from {path}; reinstall tfx."
        )
    return path


def write_sample(target_dir, rows, source_dir=None, skip=0):
    """Copies the header and `rows` rows of the taxi CSV, after skipping
    `skip` (a later slice stands in for new data in a scheduled retrain).

    Returns target_dir, a directory holding only `data.csv`.
    """
    source = os.path.join(source_dir or demo_data_dir(), "data.csv")
    os.makedirs(target_dir, exist_ok=True)
    with (
        open(source, newline="") as src,
        open(os.path.join(target_dir, "data.csv"), "w", newline="") as dst,
    ):
        reader = csv.reader(src)
        writer = csv.writer(dst)
        writer.writerow(next(reader))
        writer.writerows(itertools.islice(reader, skip, skip + rows))
    return target_dir
