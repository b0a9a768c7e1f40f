"""Benchmark: Transform's seconds on wide tables (many numeric columns).

    ./dev python tests/benchmarks/bench_wide.py
        [--columns 100,400,1000,2000,5000] [--rows 50]
        [--stages analyzers,component] [--missing-every 20]
        [--max-seconds 600]

For each column count, on generated float columns (`--missing-every`: every
Nth cell empty; 0: none) and a yes/no label:
- `analyzers`: our `preprocessing_fn` through tf.Transform's Beam analyzers
  in memory (tests/helpers/transform_harness.py): the graph and analyzer
  cost alone;
- `component`: the real TFX stages ExampleGen -> StatisticsGen -> SchemaGen
  -> FeatureKindsGen -> Transform on a CSV (LocalDagRunner, SQLite MLMD),
  Transform's own seconds from ML Metadata, as the pipeline builds it
  (`bench_transform.time_component`).

Each measurement runs in a child process so one that runs past
`--max-seconds` is stopped and reported as such instead of stalling the
table; the next column counts of that measurement are then skipped (they
would only take longer). Prints a table, with the seconds per 100 columns
so that a curve growing faster than linearly shows; asserts nothing.
"""

import argparse
import multiprocessing
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The helpers import as top-level modules, as bench_transform expects.
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "helpers"), HERE]

MEASUREMENTS = {
    "analyzers": "analyzers in memory (harness)",
    "component": "Transform component (LocalDagRunner)",
}


def _measure(stage, columns, rows, missing_every, results):
    """Child process: one measurement, its seconds put on `results`."""
    import bench_transform
    import transform_harness

    if stage == "analyzers":
        table, spec, config = transform_harness.numeric_table(
            columns, rows, missing_every=missing_every
        )
        started = time.monotonic()
        transform_harness.analyze_and_transform(table, spec, config)
        results.put(time.monotonic() - started)
    else:
        results.put(
            bench_transform.time_component(columns, rows, False, missing_every)
        )


def measure(stage, columns, rows, missing_every, max_seconds):
    """Seconds of one measurement, or None when it ran past
    `max_seconds` (the child is then stopped)."""
    results = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(
        target=_measure, args=(stage, columns, rows, missing_every, results)
    )
    child.start()
    child.join(max_seconds)
    if child.is_alive():
        child.terminate()
        child.join()
        return None
    if child.exitcode != 0:
        raise RuntimeError(
            f"{stage} at {columns} columns failed (exit {child.exitcode})"
        )
    return results.get()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", default="100,400,1000,2000,5000")
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--stages", default="analyzers,component")
    parser.add_argument("--missing-every", type=int, default=20)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600,
        help="stop a measurement that runs longer than this",
    )
    args = parser.parse_args()
    columns = [int(c) for c in args.columns.split(",")]
    stages = [s for s in args.stages.split(",") if s]
    unknown = sorted(set(stages) - set(MEASUREMENTS))
    if unknown:
        parser.error(
            f"unknown --stages {unknown}; known: {list(MEASUREMENTS)}"
        )
    print(
        "| numeric columns | rows | measurement | seconds | "
        "seconds per 100 columns |\n|---|---|---|---|---|",
        flush=True,
    )
    for stage in stages:
        stopped = False
        for n in columns:
            if stopped:
                seconds = "skipped (a narrower table ran past the limit)"
                per_100 = ""
            else:
                value = measure(
                    stage, n, args.rows, args.missing_every, args.max_seconds
                )
                stopped = value is None
                seconds = (
                    f"over {args.max_seconds:.0f} (stopped)"
                    if stopped
                    else f"{value:.1f}"
                )
                per_100 = "" if stopped else f"{100 * value / n:.2f}"
            print(
                f"| {n} | {args.rows} | {MEASUREMENTS[stage]} | {seconds} "
                f"| {per_100} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
