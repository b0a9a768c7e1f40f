"""One row of the matrix, end to end: write the CSVs, run `autokeras-tfx run`
in-process, score the pushed model and the baselines on the held-out rows.

Shared by the acceptance tests and tests/benchmarks/bench_matrix.py.
"""

import dataclasses
import os
import time

import matrix_data
import scoring

PIPELINE_NAME = "autokeras-tfx"


@dataclasses.dataclass
class Result:
    """Held-out scores (higher is better) of one dataset's run."""

    dataset: str
    task: str
    metric: str
    ours: object  # None when nothing was pushed
    trivial: float
    linear: float
    seconds: float
    summary: dict
    boosting: object = None
    holdout_rows: int = 0
    unknown_keys: tuple = ()  # serving keys that are no CSV column
    serialized: tuple = ()  # the held-out rows as raw tf.Examples
    tie_margin: float = 0.0  # scoring.tie_margin of ours vs linear
    random_search: object = None  # KerasTuner RandomSearch MLP (benchmark)
    random_search_seconds: object = None

    def line(self):
        ours = "-" if self.ours is None else f"{self.ours:.4f}"
        baselines = (
            "" if self.boosting is None else (f"  hgb {self.boosting:.4f}")
        )
        if self.random_search is not None:
            baselines += (
                f"  random search {self.random_search:.4f} "
                f"({self.random_search_seconds:.0f} s)"
            )
        return (
            f"{self.dataset}: {self.metric} ours {ours}  trivial "
            f"{self.trivial:.4f}  linear {self.linear:.4f} "
            f"(tie margin {self.tie_margin:.3f}){baselines}  "
            f"{self.seconds:.0f} s  pushed={self.summary.get('pushed')} "
            f"({self.holdout_rows} held-out rows)"
        )


def run_pipeline(
    dataset, data_dir, output_dir, max_trials, epochs, extra_args=()
):
    """Runs the real local pipeline on data_dir; returns its summary."""
    from pipelines import cli

    args = cli.build_parser().parse_args(
        [
            "run",
            "--data",
            data_dir,
            "--label",
            dataset.label,
            "--task",
            dataset.task,
            "--max-trials",
            str(max_trials),
            "--epochs",
            str(epochs),
            "--output",
            output_dir,
            "--seed",
            "0",
            "--pipeline-name",
            PIPELINE_NAME,
            *dataset.cli_args,
            *extra_args,
        ]
    )
    return cli.run(args)


def score_pushed_model(dataset, summary, output_dir, holdout_path):
    """(predictions on the held-out rows, serving keys that are no column,
    the serialized examples)."""
    spec = scoring.raw_feature_spec(
        scoring.transform_graph_uri(summary, output_dir, PIPELINE_NAME)
    )
    header, rows = matrix_data.read_rows(holdout_path)
    unknown = tuple(sorted(set(spec) - set(header)))
    serialized = [scoring.to_example(r, spec, dataset.label) for r in rows]
    predictions = scoring.serve(
        summary["pushed_model"], serialized, dataset.task
    )
    return predictions, unknown, tuple(serialized)


def write_split(dataset, workdir):
    """The dataset's training rows and 20% hold-out as CSVs under
    `workdir` (data/data.csv, holdout/holdout.csv); returns both paths."""
    train, holdout = matrix_data.split(dataset.load(), dataset)
    train_path = matrix_data.write_csv(
        train, os.path.join(workdir, "data", "data.csv"), dataset.bom
    )
    holdout_path = matrix_data.write_csv(
        holdout, os.path.join(workdir, "holdout", "holdout.csv"), dataset.bom
    )
    return train_path, holdout_path


def run_dataset(
    dataset,
    workdir,
    max_trials=None,
    epochs=None,
    boosting=False,
    random_search=False,
    extra_args=(),
):
    """The whole row in `workdir`; returns a Result.

    `boosting` and `random_search` add those baselines (the benchmark);
    `extra_args` go to `autokeras-tfx run` (e.g. `--final-fit retrain`).
    """
    train_path, holdout_path = write_split(dataset, workdir)
    output_dir = os.path.join(workdir, "output")
    started = time.monotonic()
    summary = run_pipeline(
        dataset,
        os.path.dirname(train_path),
        output_dir,
        max_trials or dataset.max_trials,
        epochs or dataset.epochs,
        extra_args,
    )
    seconds = time.monotonic() - started

    task, label = dataset.task, dataset.label
    train = matrix_data.read_frame(train_path)
    holdout = matrix_data.read_frame(holdout_path)
    truth = holdout[label]
    truth = truth.astype(str) if task == "classification" else truth
    linear = scoring.sklearn_predictions(
        task, train, holdout, label, dataset.text_columns
    )
    trivial = scoring.trivial_predictions(task, train[label], len(holdout))
    result = Result(
        dataset=dataset.name,
        task=task,
        metric="accuracy" if task == "classification" else "r2",
        ours=None,
        trivial=scoring.score(task, truth, trivial),
        linear=scoring.score(task, truth, linear),
        seconds=seconds,
        summary=summary,
        holdout_rows=len(holdout),
    )
    if summary.get("pushed") and summary.get("pushed_model"):
        predicted, unknown, serialized = score_pushed_model(
            dataset, summary, output_dir, holdout_path
        )
        result.unknown_keys, result.serialized = unknown, serialized
        result.ours = scoring.score(task, truth, predicted)
        result.tie_margin = scoring.tie_margin(task, truth, predicted, linear)
    if boosting:
        boosted = scoring.sklearn_predictions(
            task, train, holdout, label, dataset.text_columns, boosting=True
        )
        result.boosting = scoring.score(task, truth, boosted)
    if random_search:
        started = time.monotonic()
        searched = scoring.random_search_mlp_predictions(
            task,
            train,
            holdout,
            label,
            dataset.text_columns,
            trials=max_trials or dataset.max_trials,
            epochs=epochs or dataset.epochs,
            workdir=os.path.join(workdir, "random_search"),
        )
        result.random_search_seconds = time.monotonic() - started
        result.random_search = scoring.score(task, truth, searched)
    return result
