"""The `autokeras-tfx` command.

  autokeras-tfx run --data DIR --label COLUMN [--task ...] [--max-trials N]
                    [--time-limit S] [--output DIR] ...
  autokeras-tfx demo [--output DIR] [--max-trials N]
  autokeras-tfx kfp compile|upload|run|schedule|runs ...  (see kfp_cli.py)

`run` checks the raw input first (seconds, before any stage), runs the local
pipeline with SQLite metadata, shows progress stage by stage and trial by
trial, and ends with a summary.
"""

import argparse
import os
import sys
import time

from components import feature_kinds
from components import input_checks
from pipelines import kfp_cli



def _comma_list(value):
    return [item.strip() for item in value.split(",") if item.strip()]


def _add_run_arguments(parser, data_required):
    parser.add_argument(
        "--data", required=data_required,
        help="directory with the raw CSV (or TFRecord) files",
    )
    parser.add_argument("--label", required=data_required,
                        help="the label column")
    parser.add_argument(
        "--task", choices=feature_kinds.TASKS,
        default=feature_kinds.CLASSIFICATION,
    )
    parser.add_argument("--input-format", choices=("csv", "tfrecord"),
                        default="csv")
    parser.add_argument("--max-trials", type=int, default=10)
    parser.add_argument(
        "--time-limit", type=int, default=0,
        help="wall-clock seconds for the whole search (0: no limit)",
    )
    parser.add_argument("--epochs", type=int, default=10,
                        help="epochs per trial and for the final model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--parallel-trials", type=int, default=1,
        help="trials at once (worker processes; one GPU each)",
    )
    parser.add_argument(
        "--no-warm-start", dest="warm_start", action="store_false",
        help="do not start from the previous run's best configurations",
    )
    parser.add_argument("--output", default="output",
                        help="directory for artifacts, metadata and models")
    parser.add_argument(
        "--pipeline-name", default=None,
        help="name of the pipeline (default: from the label, task and "
        "columns, so each dataset has its own models and search history)",
    )
    parser.add_argument(
        "--min-accuracy", type=float, default=None,
        help="bless classification models at or above this eval accuracy "
        "(default: they must beat predicting the majority class)",
    )
    parser.add_argument(
        "--max-mse", type=float, default=None,
        help="bless regression models at or below this eval MSE "
        "(default: they must beat predicting the mean)",
    )
    parser.add_argument(
        "--min-eval-rows", type=int, default=30,
        help="fewer evaluation rows than this bless nothing (0: no minimum)",
    )
    parser.add_argument("--categorical", type=_comma_list, default=[],
                        help="integer columns to treat as categories")
    parser.add_argument("--text", type=_comma_list, default=[],
                        help="string columns holding free text")
    parser.add_argument("--exclude", type=_comma_list, default=[],
                        help="columns the model must not see")
    parser.add_argument(
        "--tflite", action="store_true",
        help="the Trainer also writes a TFLite file of the model (tabular "
        "data: no text columns)",
    )


def transform_config(args):
    """The TransformConfig that the label/column arguments describe."""
    return feature_kinds.TransformConfig(
        label=args.label,
        task=args.task,
        categorical_features=args.categorical,
        text_features=args.text,
        exclude_features=args.exclude,
    )


def build_parser():
    parser = argparse.ArgumentParser(
        prog="autokeras-tfx",
        description="AutoML (architecture + hyperparameter search) as a "
        "TFX pipeline.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_run_arguments(
        commands.add_parser("run", help="run the local pipeline on your data"),
        data_required=True,
    )
    demo = commands.add_parser(
        "demo", help="run the local pipeline on the bundled taxi sample"
    )
    _add_run_arguments(demo, data_required=False)
    demo.set_defaults(max_trials=3, epochs=5)
    kfp_cli.add_parser(commands)
    return parser


def run(args):
    """Checks the input, runs the pipeline, prints and returns the summary."""
    input_checks.check_run_arguments(
        args.max_trials, args.epochs, args.time_limit
    )
    input_checks.check_output_dir(args.output)
    columns = None
    if args.input_format == "csv":
        report = input_checks.check_csv_input(
            args.data, args.label, args.task,
            categorical=args.categorical, text=args.text,
            exclude=args.exclude,
        )
        columns = report.header
        if report.missing_label_rows:
            print(
                f"autokeras-tfx: {report.missing_label_rows} of "
                f"{report.rows} rows have no {args.label!r} value; they are "
                "dropped (they can neither train nor score a model)."
            )
    else:
        input_checks.check_tfrecord_input(args.data)
    config = transform_config(args)
    # Heavy imports only once the input is known to be good.
    from pipelines import local_runner
    from pipelines import progress
    from pipelines import run_summary

    identity = local_runner.run_identity(args.label, args.task, columns)
    args.pipeline_name = (
        args.pipeline_name or local_runner.default_pipeline_name(identity)
    )
    has_earlier_runs = local_runner.claim_pipeline_dir(
        args.output, args.pipeline_name, identity
    )
    pipeline = local_runner.create_local_pipeline(
        data_root=args.data,
        transform_config=config,
        output_dir=args.output,
        pipeline_name=args.pipeline_name,
        input_format=args.input_format,
        max_trials=args.max_trials,
        time_limit_seconds=args.time_limit,
        tuner_epochs=args.epochs,
        trainer_epochs=args.epochs,
        seed=args.seed,
        min_accuracy=args.min_accuracy,
        max_regression_loss=args.max_mse,
        min_eval_rows=args.min_eval_rows,
        num_parallel_trials=args.parallel_trials,
        warm_start=args.warm_start,
        tflite=args.tflite,
    )
    paths = local_runner.local_paths(args.output, args.pipeline_name)
    print(f"autokeras-tfx: {args.data} -> {paths['pipeline_dir']}")
    print(
        "autokeras-tfx: earlier runs of this pipeline found: warm start and "
        "baseline model come from them"
        if has_earlier_runs
        else "autokeras-tfx: first run of this pipeline: the search starts "
        "cold and there is no baseline model"
    )
    handler = progress.install(len(pipeline.components))
    started = time.monotonic()
    try:
        local_runner.run(pipeline)
    finally:
        progress.uninstall(handler)
    summary = run_summary.summarize(paths["metadata_path"])
    summary["pipeline_dir"] = paths["pipeline_dir"]
    summary["metadata_path"] = paths["metadata_path"]
    # ML Metadata's record of each stage; the live lines may miss stages
    # whose libraries silence absl's INFO logging mid-run.
    summary["stage_seconds"] = {
        **handler.stage_seconds, **summary.get("stage_seconds", {})
    }
    summary["total_seconds"] = time.monotonic() - started
    print(run_summary.format_summary(summary))
    print(f"  wall time:    {summary['total_seconds']:.0f} s")
    return summary


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "kfp":
        return kfp_cli.run(args)
    if args.command == "demo":
        from pipelines import sample_data

        args.data = args.data or sample_data.demo_data_dir()
        args.label = args.label or sample_data.DEMO_LABEL
    try:
        run(args)
    except ValueError as error:  # InputError, RunIdentityError included
        print(f"autokeras-tfx: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
