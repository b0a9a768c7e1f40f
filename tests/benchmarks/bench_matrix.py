"""Benchmark: the acceptance matrix with a real search budget.

    ./dev python tests/benchmarks/bench_matrix.py [--trials 10] [--epochs N]
        [--datasets wine,diabetes] [--workdir DIR] [--no-random-search]
        [--run-args '--final-fit retrain']

Runs `autokeras-tfx run` on every dataset of tests/acceptance (same data,
same 20% hold-out, same scoring through the pushed model's serving
signature) and prints a table: our held-out score and wall seconds beside
sklearn's HistGradientBoosting, a KerasTuner RandomSearch MLP with the same
trials and epochs (held-out score and seconds), logistic regression / ridge
and the trivial predictor on the same split. Not a test: nothing is asserted; a dataset whose
run fails gets its error in the table and the others still run.
"""

import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests", "acceptance")]

import matrix_data  # noqa: E402
import matrix_run  # noqa: E402

COLUMNS = (
    "dataset",
    "task",
    "metric",
    "ours",
    "seconds",
    "hgb",
    "random search",
    "rs seconds",
    "linear",
    "trivial",
)


def _cell(value):
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _row(result):
    rs_seconds = (
        None
        if result.random_search_seconds is None
        else f"{result.random_search_seconds:.0f}"
    )
    return (
        result.dataset,
        result.task,
        result.metric,
        result.ours,
        f"{result.seconds:.0f}",
        result.boosting,
        result.random_search,
        rs_seconds,
        result.linear,
        result.trivial,
    )


def format_table(rows):
    """A Markdown table of benchmark rows (tuples in COLUMNS order)."""
    cells = [COLUMNS] + [tuple(_cell(v) for v in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs per trial (default: each dataset's)",
    )
    parser.add_argument(
        "--datasets",
        default=",".join(matrix_data.NAMES),
        help="comma-separated subset of " + ",".join(matrix_data.NAMES),
    )
    parser.add_argument(
        "--no-random-search",
        dest="random_search",
        action="store_false",
        help="skip the KerasTuner RandomSearch MLP baseline",
    )
    parser.add_argument(
        "--run-args",
        default="",
        help="extra `autokeras-tfx run` arguments, e.g. '--final-fit retrain'",
    )
    parser.add_argument(
        "--workdir", default=None, help="keep each run's data and output here"
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = sorted(set(names) - set(matrix_data.NAMES))
    if unknown:
        parser.error(
            f"unknown datasets {unknown}; choose from "
            f"{list(matrix_data.NAMES)}"
        )

    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_matrix_")
    rows, errors = [], []
    for name in names:
        dataset = matrix_data.DATASETS[name]
        try:
            result = matrix_run.run_dataset(
                dataset,
                os.path.join(workdir, name),
                max_trials=args.trials,
                epochs=args.epochs,
                boosting=True,
                random_search=args.random_search,
                extra_args=tuple(args.run_args.split()),
            )
        except Exception as error:  # a failed run is a row, not the end
            errors.append(f"{name}: {type(error).__name__}: {error}")
            rows.append(
                (
                    name,
                    dataset.task,
                    "-",
                    "error",
                    "-",
                    None,
                    None,
                    None,
                    None,
                    None,
                )
            )
            continue
        print(f"bench_matrix {result.line()}", flush=True)
        rows.append(_row(result))

    print(
        f"\n{args.trials} trials; held-out scores (higher is better: "
        "accuracy, or R^2 for regression); data and runs under "
        f"{workdir}\n"
    )
    print(format_table(rows))
    for error in errors:
        print(f"\nerror {error[:2000]}")


if __name__ == "__main__":
    main()
