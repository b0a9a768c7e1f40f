"""Benchmark: how the Trainer trains the final model, on the matrix's data.

    ./dev python tests/benchmarks/bench_final_fit.py [--trials 10]
        [--epochs N] [--datasets breast_cancer,diabetes]
        [--modes retrain,warm,refit] [--run-args '--ensemble 1']
        [--workdir DIR]

For each dataset: one search (`autokeras-tfx run`, the first mode), then
the same run again with each other `--final-fit` mode on the same output
directory, all with `--no-warm-start` (a search warm-started from the
previous run would change the tuner's inputs). TFX's cache reuses every
stage up to and including the AutoKerasTuner, so the modes train from the
same search and only the Trainer (and the stages after it) rerun. Each
mode's trained model (the Trainer's Format-Serving, pushed or not) is
scored on the dataset's 20% hold-out, through its serving signature, as in
the acceptance matrix.

Prints a table: held-out score and the Trainer stage's seconds (from ML
Metadata) per mode. Asserts nothing.
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
import scoring  # noqa: E402

MODES = ("retrain", "warm", "refit")


def latest_trained_model(summary):
    """The newest Model artifact's serving directory, the Trainer's
    seconds in the latest run."""
    from pipelines import run_summary

    store = run_summary.open_store(
        os.path.join(summary["pipeline_dir"], "metadata.sqlite")
    )
    model = run_summary.latest_artifact(store, "Model")
    seconds = run_summary.stage_seconds(store)
    return os.path.join(model.uri, "Format-Serving"), seconds.get("Trainer")


def score_model(dataset, model_dir, output_dir, holdout_path, summary):
    spec = scoring.raw_feature_spec(
        scoring.transform_graph_uri(
            summary, output_dir, matrix_run.PIPELINE_NAME
        )
    )
    header, rows = matrix_data.read_rows(holdout_path)
    serialized = [scoring.to_example(r, spec, dataset.label) for r in rows]
    predicted = scoring.serve(model_dir, serialized, dataset.task)
    truth = matrix_data.read_frame(holdout_path)[dataset.label]
    if dataset.task == "classification":
        truth = truth.astype(str)
    return scoring.score(dataset.task, truth, predicted)


def run_modes(dataset, workdir, modes, trials, epochs, run_args):
    """{mode: (held-out score, Trainer seconds)} from one search."""
    train_path, holdout_path = matrix_run.write_split(dataset, workdir)
    output_dir = os.path.join(workdir, "output")
    results = {}
    for mode in modes:
        summary = matrix_run.run_pipeline(
            dataset,
            os.path.dirname(train_path),
            output_dir,
            trials,
            epochs or dataset.epochs,
            # No warm start from the previous mode's search: the tuner's
            # inputs stay the same, so TFX's cache reuses its output.
            ("--final-fit", mode, "--no-warm-start", *run_args),
        )
        model_dir, trainer_seconds = latest_trained_model(summary)
        score = score_model(
            dataset, model_dir, output_dir, holdout_path, summary
        )
        results[mode] = (score, trainer_seconds)
        print(
            f"bench_final_fit {dataset.name} {mode}: held-out {score:.4f}"
            f"  Trainer {trainer_seconds:.0f} s",
            flush=True,
        )
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs per trial (default: each dataset's)",
    )
    parser.add_argument("--datasets", default=",".join(matrix_data.NAMES))
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument(
        "--run-args", default="", help="extra `autokeras-tfx run` arguments"
    )
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    names = [n for n in args.datasets.split(",") if n]
    modes = [m for m in args.modes.split(",") if m]
    unknown = sorted(set(names) - set(matrix_data.NAMES))
    unknown += sorted(set(modes) - set(MODES))
    if unknown:
        parser.error(f"unknown datasets or modes: {unknown}")
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_final_fit_")
    header = (
        "| dataset | metric | "
        + " | ".join(f"{m} | {m} Trainer s" for m in modes)
        + " |"
    )
    lines = [header, "|" + "---|" * (2 + 2 * len(modes))]
    for name in names:
        dataset = matrix_data.DATASETS[name]
        try:
            results = run_modes(
                dataset,
                os.path.join(workdir, name),
                modes,
                args.trials,
                args.epochs,
                tuple(args.run_args.split()),
            )
        except Exception as error:  # a failed dataset is a row
            lines.append(
                f"| {name} | error: {type(error).__name__}: "
                f"{str(error)[:300]} |"
            )
            continue
        metric = "accuracy" if dataset.task == "classification" else "r2"
        cells = []
        for mode in modes:
            score, seconds = results[mode]
            cells += [f"{score:.4f}", f"{seconds:.0f}"]
        lines.append(f"| {name} | {metric} | " + " | ".join(cells) + " |")
    print(
        f"\n{args.trials} trials; held-out scores of each mode's trained "
        f"model; runs under {workdir}\n"
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
