"""The `autokeras-tfx` command.

  autokeras-tfx run --data DIR --label COLUMN [--task ...] [--max-trials N]
                    [--time-limit S] [--output DIR] ...
  autokeras-tfx demo [--output DIR] [--max-trials N]
  autokeras-tfx kfp compile|upload|run|schedule|runs ...  (see kfp_cli.py)

`run` checks the raw input first (seconds, before any stage), runs the local
pipeline with SQLite metadata, shows progress stage by stage and trial by
trial, and ends with a summary. Library output (TensorFlow, absl, Beam, TFMA,
also from child processes) goes to a log file in the pipeline's directory,
not the console; `--verbose` shows it on the console too.
"""

import argparse
import os
import sys
import time
import traceback

from components.util import feature_kinds
from pipelines import cli_args
from pipelines import kfp_cli
from pipelines import run_lock
from pipelines.preflight import input_checks
from pipelines.preflight import run_checks
from pipelines.preflight import split_checks


def _add_run_arguments(parser, data_required):
    parser.add_argument(
        "--data",
        required=data_required,
        help="directory with the raw CSV (or TFRecord) files",
    )
    # Not required by argparse: image folders have their label built in.
    cli_args.add_model_arguments(
        parser,
        label_required=False,
        label_help="the label column (required except with --input-format "
        "images, whose label is the class folder's name)",
    )
    parser.add_argument(
        "--input-format",
        choices=("csv", "tfrecord", "images"),
        default="csv",
        help="images: one sub-directory of PNG/JPEG files per class",
    )
    parser.add_argument(
        "--output",
        default="output",
        help="directory for artifacts, metadata and models",
    )
    parser.add_argument(
        "--pipeline-name",
        default=None,
        help="name of the pipeline (default: from the label, task and "
        "columns, so each dataset has its own models and search history)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show every library's log on the console too (it always goes "
        "to the log file in the pipeline's directory)",
    )


# kfp_cli's `compile` shares these; kept under its old name for callers.
transform_config = cli_args.transform_config


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


def _check_image_input(args):
    """Checks the class folders; returns the run identity's columns."""
    from components.example_gen import image_files

    if args.label not in (None, image_files.LABEL_FEATURE):
        raise ValueError(
            f"--label {args.label!r} with --input-format images: the label "
            f"is the class folder's name, in the column "
            f"{image_files.LABEL_FEATURE!r}; leave --label out."
        )
    args.label = image_files.LABEL_FEATURE
    listing = image_files.list_images(args.data)
    counts = listing.class_counts()
    args.rows = len(listing.images)
    per_class = ", ".join(f"{c}: {n}" for c, n in sorted(counts.items()))
    print(
        f"autokeras-tfx: {len(listing.images)} images in {len(counts)} "
        f"classes ({per_class})"
    )
    if listing.skipped:
        print(f"autokeras-tfx: skipped {listing.skipped_summary()}")
    # The classes identify the dataset (a CSV's header does for tables).
    return [image_files.IMAGE_FEATURE, *sorted(counts)]


def _checked_image_weights(path):
    """The absolute path of a readable weights file a backbone matches."""
    if not os.path.isfile(path):
        raise ValueError(
            f"--image-weights {path!r} is not a file; give the local path "
            "of a Keras application's weights (nothing is downloaded)."
        )
    from search_space.blocks.applications import backbone_of_weights

    backbone_of_weights(path)  # a name no backbone matches stops here
    return os.path.abspath(path)


def run(args):
    """Checks the input, runs the pipeline, prints and returns the summary."""
    if not args.label and args.input_format != "images":
        raise ValueError("--label COLUMN is required (the column to predict).")
    input_checks.check_run_arguments(
        args.max_trials, args.epochs, args.time_limit
    )
    if args.image_weights:
        args.image_weights = _checked_image_weights(args.image_weights)
    input_checks.check_output_dir(args.output)
    if args.pipeline_name is not None:
        # Before anything is written: the name must stay inside --output.
        run_checks.check_pipeline_name(args.pipeline_name)
    columns = None
    if args.input_format == "csv":
        header = input_checks.csv_header(args.data)
        labels = cli_args.label_columns(args.label, header)
        # Unnamed tasks: classification for one label; inferred from the
        # values (None) for each label of a multi-task run.
        label_tasks = feature_kinds.label_tasks_for(
            labels,
            args.task,
            default=feature_kinds.CLASSIFICATION if len(labels) == 1 else None,
        )
        (label, task), *others = label_tasks
        report = input_checks.check_csv_input(
            args.data,
            label,
            task,
            categorical=args.categorical,
            text=args.text,
            exclude=args.exclude,
            other_labels=others,
        )
        args.label_tasks = [(name, report.tasks[name]) for name in labels]
        if len(labels) > 1:
            heads = ", ".join(
                f"{name} ({task})" for name, task in args.label_tasks
            )
            print(f"autokeras-tfx: multi-task, one head per label: {heads}")
        columns = report.header
        args.rows = report.rows - report.missing_label_rows
        if report.missing_label_rows:
            named = " or ".join(repr(name) for name in labels)
            print(
                f"autokeras-tfx: {report.missing_label_rows} of "
                f"{report.rows} rows have no {named} value; they are "
                "dropped (they can neither train nor score a model)."
            )
    elif args.input_format == "images":
        columns = _check_image_input(args)
    else:
        input_checks.check_tfrecord_input(args.data)
    if getattr(args, "rows", None) is not None:
        # Every split a few rows, or a clear word now instead of a late,
        # misleading one (pipelines/preflight/split_checks.py).
        split_checks.check_split_rows(args.rows, cli_args.resolved_split(args))
    config = cli_args.transform_config(args)
    from pipelines import console as console_lib

    # From here on TensorFlow, absl, Beam and TFMA write to the log file;
    # only the lines written to `console.stream` reach the person.
    console = console_lib.Console(verbose=args.verbose)
    args.log_path = console.log_path
    try:
        return _run_pipeline(args, config, columns, console)
    except Exception:
        traceback.print_exc()  # into the log file
        raise
    finally:
        console.close()


def _run_pipeline(args, config, columns, console):
    """Runs the local pipeline with live progress; prints and returns its
    summary."""

    def say(line):
        print(line, file=console.stream, flush=True)

    # _local_pipeline takes the pipeline directory's lease (one writer per
    # pipeline); it is held until the run ends, however it ends.
    args.run_lease = None
    try:
        # The helpers import TFX (heavy) only now: the input is known good.
        pipeline, paths = _local_pipeline(args, config, columns, console, say)
        started = time.monotonic()
        stage_seconds = _run_with_progress(pipeline, args, console)
        return _summarize(
            paths, stage_seconds, time.monotonic() - started, console, say
        )
    finally:
        if args.run_lease is not None:
            args.run_lease.release()


def _local_pipeline(args, config, columns, console, say):
    """Takes the pipeline directory's lease (`args.run_lease`), claims the
    directory, moves the log into it and builds the local pipeline;
    returns it and its `local_runner.local_paths`."""
    from pipelines import console as console_lib
    from pipelines import interrupted_runs
    from pipelines import local_runner

    identity = local_runner.run_identity(
        config.label_text, config.task_text, columns
    )
    args.pipeline_name = (
        args.pipeline_name or local_runner.default_pipeline_name(identity)
    )
    paths = local_runner.local_paths(args.output, args.pipeline_name)
    log_path = os.path.join(
        paths["pipeline_dir"],
        "logs",
        time.strftime("run-%Y%m%dT%H%M%SZ.log", time.gmtime()),
    )
    # Before anything is written there: a second run into this pipeline
    # stops here, naming the running one (issue 26).
    args.run_lease = run_lock.acquire(paths["pipeline_dir"], log_path)
    has_earlier_runs = local_runner.claim_pipeline_dir(
        args.output, args.pipeline_name, identity
    )
    console.move_log(log_path)
    args.log_path = console.log_path
    # Under the lease no other run of the pipeline is alive: whatever ML
    # Metadata still calls RUNNING was killed (pipelines/interrupted_runs).
    for node, execution_id, removed in interrupted_runs.cancel_interrupted(
        paths["metadata_path"], args.pipeline_name, paths["pipeline_root"]
    ):
        say(
            f"autokeras-tfx: an earlier run was killed in {node}: its "
            f"execution {execution_id} is marked cancelled"
            + (
                f", {len(removed)} partial output(s) removed"
                if removed
                else ""
            )
        )
    pipeline = local_runner.create_local_pipeline(
        data_root=args.data,
        output_dir=args.output,
        pipeline_name=args.pipeline_name,
        input_format=args.input_format,
        transform_config=config,
        **cli_args.pipeline_arguments(args),
    )
    say(
        f"autokeras-tfx: {console_lib.shell_quote(args.data)} -> "
        f"{console_lib.shell_quote(paths['pipeline_dir'])}"
    )
    say(
        "autokeras-tfx: earlier runs of this pipeline found: warm start and "
        "baseline model come from them"
        if has_earlier_runs
        else "autokeras-tfx: first run of this pipeline: the search starts "
        "cold and there is no baseline model"
    )
    return pipeline, paths


def _run_with_progress(pipeline, args, console):
    """Runs `pipeline` with a live line per stage and per trial; returns
    the seconds each stage took, as the live lines saw them."""
    from components.autokeras_tuner import component as tuner_component
    from pipelines import local_runner
    from pipelines import progress

    stages = [c.id for c in pipeline.components]
    search_stage = next(
        (
            c.id
            for c in pipeline.components
            if isinstance(c, tuner_component.AutoKerasTuner)
        ),
        None,
    )
    handler = progress.install(
        stages,
        stream=console.stream,
        verbose=args.verbose,
        search_stage=search_stage,
        max_trials=args.max_trials,
    )
    try:
        local_runner.run(pipeline)
    except Exception as error:
        progress.uninstall(handler)
        if handler.stopped_stage in _pusher_ids(pipeline):
            serving = local_runner.local_paths(
                args.output, args.pipeline_name
            )["serving_model_dir"]
            raise PushFailedError(serving, error) from error
        raise
    progress.uninstall(handler)
    return handler.stage_seconds


class PushFailedError(RuntimeError):
    """The Pusher stopped: no model was served by this run."""

    def __init__(self, serving_dir, error):
        from pipelines import console as console_lib

        super().__init__(
            "the push to the serving directory "
            f"{console_lib.shell_quote(serving_dir)} failed: "
            f"{type(error).__name__}: {error}. Nothing was served by this "
            "run and it is not recorded as pushed (the next run's baseline "
            "stays the last model really pushed); make it a directory you "
            "can write to and run again."
        )


def _pusher_ids(pipeline):
    from tfx import v1 as tfx

    return {
        c.id
        for c in pipeline.components
        if isinstance(c, tfx.components.Pusher)
    }


def _summarize(paths, stage_seconds, total_seconds, console, say):
    """The finished run's summary from ML Metadata, printed and returned."""
    from pipelines import env_config
    from pipelines import run_summary

    summary = run_summary.summarize(paths["metadata_path"])
    summary["pipeline_dir"] = paths["pipeline_dir"]
    summary["metadata_path"] = paths["metadata_path"]
    # ML Metadata's record of each node completes the live lines' record.
    summary["stage_seconds"] = {
        **stage_seconds,
        **summary.get("stage_seconds", {}),
    }
    summary["total_seconds"] = total_seconds
    summary["log_path"] = console.log_path
    say(
        run_summary.format_summary(
            summary,
            command_prefix="./dev " if env_config.in_dev_runtime() else "",
        )
    )
    say(f"  wall time:      {summary['total_seconds']:.0f} s")
    return summary


def main(argv=None):
    args = build_parser().parse_args(argv)
    from pipelines import console as console_lib

    if args.command == "kfp":
        return kfp_cli.run(args)
    if args.command == "demo":
        from pipelines import sample_data

        args.data = args.data or sample_data.demo_data_dir()
        args.label = args.label or sample_data.DEMO_LABEL
    try:
        run(args)
    except ValueError as error:  # InputError, RunIdentityError included
        print(
            "autokeras-tfx: error: "
            + console_lib.printable(error, keep_newlines=True),
            file=sys.stderr,
        )
        return 2
    except Exception as error:  # a stage failed: its traceback is logged
        print(
            f"autokeras-tfx: error: the run failed: {type(error).__name__}: "
            + console_lib.printable(error, keep_newlines=True)
            + "\nThe full log: "
            + console_lib.shell_quote(getattr(args, "log_path", "-")),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
