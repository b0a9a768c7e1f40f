"""Benchmark: Transform's seconds against the number of numeric columns.

    ./dev python tests/benchmarks/bench_transform.py [--columns 4,16,64]
        [--rows 2000,20000]
        [--stages analyzers,component,component-with-statistics]
        [--missing-every 20]

Measurements, each on generated float columns (5% missing; the components'
`--missing-every 0`: none):
- `analyzers`: our `preprocessing_fn` through tf.Transform's Beam
  analyzers in memory (tests/helpers/transform_harness.py), beside the former
  one-column-at-a-time version (a fill mean, then `scale_to_z_score`, per
  column), to show where the time per column went;
- `component`: the real TFX stages ExampleGen -> StatisticsGen -> SchemaGen
  -> FeatureKindsGen -> Transform on a CSV (LocalDagRunner, SQLite MLMD),
  Transform's own seconds from ML Metadata, built as the pipeline builds
  it (no built-in statistics, no analyzer cache);
- `component-with-statistics`: the same with Transform's built-in pre- and
  post-transform TFDV statistics, which StatisticsGen already computes
  upstream.

Prints a table; asserts nothing.
"""

import argparse
import csv
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "helpers")]

import numpy as np  # noqa: E402


def per_column_preprocessing_fn(inputs, custom_config):
    """The former numeric path, kept here only to compare against."""
    import tensorflow_transform as tft

    from components.transform import preprocessing

    outputs = {}
    for name, tensor in inputs.items():
        if name == custom_config["label"]:
            continue
        tensor = preprocessing._cast_float(tensor)
        mean = tft.mean(tensor)
        outputs[name] = tft.scale_to_z_score(
            preprocessing._to_dense(tensor, mean)
        )
    return outputs


def time_analyzers(columns, rows, per_column=False):
    import transform_harness

    from components.transform import preprocessing

    table, spec, config = transform_harness.numeric_table(
        columns, rows, missing_every=20
    )
    original = preprocessing.preprocessing_fn
    if per_column:
        preprocessing.preprocessing_fn = per_column_preprocessing_fn
    try:
        started = time.monotonic()
        transform_harness.analyze_and_transform(table, spec, config)
        return time.monotonic() - started
    finally:
        preprocessing.preprocessing_fn = original


def write_csv(path, columns, rows, seed=0, missing_every=20):
    """A float table whose cell (r, c) is empty when (r + c) is a multiple
    of `missing_every` (0: no cell empty, so SchemaGen makes every column a
    dense, required feature)."""
    rng = np.random.default_rng(seed)
    data = rng.normal(50.0, 10.0, size=(rows, columns))
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([f"x{i}" for i in range(columns)] + ["label"])
        for r in range(rows):
            cells = [
                ""
                if missing_every and (r + c) % missing_every == 0
                else f"{data[r, c]:.4f}"
                for c in range(columns)
            ]
            writer.writerow(cells + ["yes" if data[r, 0] > 50 else "no"])


def time_component(columns, rows, statistics, missing_every=20):
    """Transform's seconds in a real local run of the stages before it."""
    from tfx import v1 as tfx

    from components.util import feature_kinds
    from pipelines import pipeline as pipeline_lib
    from pipelines import run_summary

    work = tempfile.mkdtemp(prefix="bench-transform-")
    data = os.path.join(work, "data")
    os.makedirs(data)
    write_csv(
        os.path.join(data, "table.csv"),
        columns,
        rows,
        missing_every=missing_every,
    )
    metadata_path = os.path.join(work, "metadata.sqlite")
    full = pipeline_lib.create_pipeline(
        pipeline_name="bench-transform",
        pipeline_root=os.path.join(work, "root"),
        data_root=data,
        transform_config=feature_kinds.TransformConfig(label="label"),
        serving_model_dir=os.path.join(work, "serving"),
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(
                metadata_path
            )
        ),
        warm_start=False,
    )
    keep = (
        "CsvExampleGen",
        "StatisticsGen",
        "SchemaGen",
        "FeatureKindsGen",
        "Transform",
    )
    components = [c for c in full.components if c.id in keep]
    # The stages after Transform are not run: unlink them.
    for component in components:
        for downstream in list(component.downstream_nodes):
            if downstream.id not in keep:
                component.remove_downstream_node(downstream)
    transform = next(c for c in components if c.id == "Transform")
    # Benchmark-only switch of the built component's parameter.
    transform.exec_properties["disable_statistics"] = int(not statistics)
    tfx.orchestration.LocalDagRunner().run(
        tfx.dsl.Pipeline(
            pipeline_name="bench-transform",
            pipeline_root=os.path.join(work, "root"),
            components=components,
            metadata_connection_config=full.metadata_connection_config,
        )
    )
    seconds = run_summary.stage_seconds(run_summary.open_store(metadata_path))
    return seconds.get("Transform")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", default="4,16,64")
    parser.add_argument("--rows", default="2000,20000")
    parser.add_argument(
        "--stages", default="analyzers,component,component-with-statistics"
    )
    parser.add_argument(
        "--missing-every",
        type=int,
        default=20,
        help="components: every Nth cell of the CSV is empty (0: none, "
        "so the columns are dense rather than sparse inputs)",
    )
    args = parser.parse_args()
    columns = [int(c) for c in args.columns.split(",")]
    rows = [int(r) for r in args.rows.split(",")]
    stages = args.stages.split(",")
    lines = [
        "| rows | numeric columns | measurement | seconds |",
        "|---|---|---|---|",
    ]
    for n_rows in rows:
        for n_columns in columns:
            results = []
            if "analyzers" in stages:
                results.append(
                    (
                        "analyzers, one pass (ours)",
                        time_analyzers(n_columns, n_rows),
                    )
                )
                results.append(
                    (
                        "analyzers, per column (former)",
                        time_analyzers(n_columns, n_rows, True),
                    )
                )
            if "component" in stages:
                results.append(
                    (
                        "Transform component, no statistics (ours)",
                        time_component(
                            n_columns, n_rows, False, args.missing_every
                        ),
                    )
                )
            if "component-with-statistics" in stages:
                results.append(
                    (
                        "Transform component, with statistics",
                        time_component(
                            n_columns, n_rows, True, args.missing_every
                        ),
                    )
                )
            for name, seconds in results:
                cell = "-" if seconds is None else f"{seconds:.1f}"
                line = f"| {n_rows} | {n_columns} | {name} | {cell} |"
                lines.append(line)
                print(line, flush=True)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
