"""The command-line flags that `run` (and `demo`) and `kfp compile` share.

Each flag is defined here once, so the two commands cannot drift apart: the
same names, types, defaults, choices (`--task` takes `feature_kinds.TASKS`)
and help. Only what differs stays with its command: where the data is
(`--data` DIR for a local run, `--data-root` URI for a cluster) and what
`--output` means (a directory of runs, or the YAML file to write).
"""

import argparse

from components.util import feature_kinds


def comma_list(value):
    """`a, b,,c` -> ['a', 'b', 'c'] (the type of the column-list flags)."""
    return [item.strip() for item in value.split(",") if item.strip()]


def task_argument(value):
    """`--task`: one task for every label, or `a=classification,b=...`
    per label (multi-task); returns the task, or a dict label -> task."""
    value = value.strip()
    if value in feature_kinds.TASKS:
        return value
    tasks = {}
    for item in comma_list(value) or [""]:
        name, _, task = item.rpartition("=")
        if not name.strip() or task.strip() not in feature_kinds.TASKS:
            raise argparse.ArgumentTypeError(
                f"{value!r}: give one of {', '.join(feature_kinds.TASKS)}, "
                "or a task per label as LABEL=TASK pairs joined by ',' "
                "(e.g. species=classification,weight=regression)"
            )
        tasks[name.strip()] = task.strip()
    return tasks


def label_columns(label, header=None):
    """The label columns `--label` names: one, or several joined by ","
    (multi-task). A header name that itself holds a comma is one label."""
    if header is not None and label in header:
        return [label]
    return comma_list(label or "")


def add_label_arguments(
    parser, label_required=True, label_help="the label column"
):
    parser.add_argument(
        "--label",
        required=label_required,
        default=None,
        help=label_help + "; several joined by ',' train one model with a "
        "head per label (multi-task)",
    )
    parser.add_argument(
        "--task",
        type=task_argument,
        default=None,
        metavar="{classification,regression} or LABEL=TASK,...",
        help="the task of every label, or of each (LABEL=TASK pairs joined "
        "by ','). Default: classification for a single label; in a "
        "multi-task run each label not named is inferred from its values "
        "(numbers with many distinct values: regression)",
    )


def add_column_arguments(parser):
    parser.add_argument(
        "--categorical",
        type=comma_list,
        default=[],
        help="integer columns to treat as categories",
    )
    parser.add_argument(
        "--text",
        type=comma_list,
        default=[],
        help="string columns holding free text",
    )
    parser.add_argument(
        "--exclude",
        type=comma_list,
        default=[],
        help="columns the model must not see",
    )
    parser.add_argument(
        "--image",
        type=comma_list,
        default=[],
        help="columns of encoded image bytes (found from the data from 100 "
        "images on; name them for fewer)",
    )


def add_image_arguments(parser):
    parser.add_argument(
        "--image-weights",
        default=None,
        metavar="PATH",
        help="local weights file of one large image backbone (named as "
        "Keras names them, e.g. efficientnetb0_notop.h5); it then joins "
        "the search. Without it, images train from scratch on small nets",
    )


def add_search_arguments(parser):
    parser.add_argument("--max-trials", type=int, default=10)
    parser.add_argument(
        "--time-limit",
        type=int,
        default=0,
        help="wall-clock seconds for the whole search (0: no limit)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=10,
        help="epochs per trial and for the final model",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--parallel-trials",
        type=int,
        default=1,
        help="trials at once (worker processes; one GPU each)",
    )
    parser.add_argument(
        "--no-warm-start",
        dest="warm_start",
        action="store_false",
        help="do not start from the previous run's best configurations",
    )
    parser.add_argument(
        "--split",
        type=split_buckets,
        default=AUTO_SPLIT,
        metavar="TRAIN,EVAL,TEST",
        help="hash buckets of the train, eval and test splits: the search "
        "scores on eval, only test blesses a model (default: 3,1,1 under "
        "5000 rows, else 8,1,1)",
    )
    parser.add_argument(
        "--final-fit",
        choices=FINAL_FIT_MODES,
        default=None,
        help="how the final model trains: retrain on train with early "
        "stopping on eval (default), warm (from the best trial's "
        "checkpoint, trained on while eval improves), or refit on "
        "train+eval for the best trial's best epoch count",
    )
    parser.add_argument(
        "--keep-checkpoints",
        type=positive_int,
        default=1,
        metavar="N",
        help="the best N trials keep their weights in the tuner's results "
        "(default 1; --final-fit warm starts each model it trains from its "
        "trial's, and retrains one whose weights were not kept)",
    )
    parser.add_argument(
        "--ensemble",
        type=positive_int,
        default=None,
        metavar="K",
        help="train the best K trials' configurations and serve the "
        "average of the best k <= K when it beats the single best model on "
        "eval (default 3; 1: the single best model only; not with "
        "--final-fit refit)",
    )


# Mirrors components.trainer.final_fit.FINAL_FIT_MODES (not imported: the CLI's
# help must not load TensorFlow).
FINAL_FIT_MODES = ("refit", "retrain", "warm")
AUTO_SPLIT = "auto"


def positive_int(value):
    """An integer of at least 1 (`--ensemble`)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r}: give a whole number of at least 1"
        )
    return number


def split_buckets(value):
    """`8,1,1` -> (8, 1, 1); `auto` stays itself (decided from the rows)."""
    if value == AUTO_SPLIT:
        return value
    try:
        buckets = tuple(int(v) for v in value.split(","))
    except ValueError:
        buckets = ()
    if len(buckets) != 3 or min(buckets) < 1:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not TRAIN,EVAL,TEST: three positive integers such "
            "as 8,1,1, or 'auto'"
        )
    return buckets


def resolved_split(args):
    """The --split buckets; `auto` from the row count the input check read
    (`args.rows`, None when unknown)."""
    from pipelines import pipeline

    if args.split != AUTO_SPLIT:
        return tuple(args.split)
    return pipeline.split_for_rows(getattr(args, "rows", None))


def add_blessing_arguments(parser):
    parser.add_argument(
        "--min-accuracy",
        type=float,
        default=None,
        help="bless classification models at or above this test-split "
        "accuracy (default: they must beat predicting the majority class)",
    )
    parser.add_argument(
        "--max-mse",
        type=float,
        default=None,
        help="bless regression models at or below this test-split MSE "
        "(default: they must beat predicting the mean)",
    )
    parser.add_argument(
        "--min-eval-rows",
        type=int,
        default=30,
        help="fewer test-split rows than this bless nothing (0: no minimum)",
    )


def add_export_arguments(parser):
    parser.add_argument(
        "--tflite",
        action="store_true",
        help="the Trainer also writes a TFLite file of the model (tabular "
        "data: no text columns)",
    )


def add_model_arguments(
    parser, label_required=True, label_help="the label column"
):
    """Everything that decides the model: label, columns, search, bar."""
    add_label_arguments(parser, label_required, label_help)
    add_column_arguments(parser)
    add_image_arguments(parser)
    add_search_arguments(parser)
    add_blessing_arguments(parser)
    add_export_arguments(parser)


def transform_config(args):
    """The TransformConfig that the label/column arguments describe.

    `args.label_tasks` (set by `run` once the data has given the tasks it
    infers) wins over `--label`/`--task`.
    """
    label_tasks = getattr(args, "label_tasks", None) or (
        feature_kinds.label_tasks_for(label_columns(args.label), args.task)
    )
    return feature_kinds.TransformConfig.for_labels(
        label_tasks,
        categorical_features=args.categorical,
        text_features=args.text,
        exclude_features=args.exclude,
        image_weights=args.image_weights,
        # An image folder's `image` column is images however few there are
        # (TFDV's image domain needs 100 values).
        image_features=tuple(args.image)
        + (
            ("image",)
            if getattr(args, "input_format", None) == "images"
            else ()
        ),
    )


def pipeline_arguments(args):
    """`create_pipeline` keyword arguments of the shared search, blessing
    and export flags (the label and columns: `transform_config`)."""
    return {
        "max_trials": args.max_trials,
        "time_limit_seconds": args.time_limit,
        "tuner_epochs": args.epochs,
        "trainer_epochs": args.epochs,
        "seed": args.seed,
        "min_accuracy": args.min_accuracy,
        "max_regression_loss": args.max_mse,
        "min_eval_rows": args.min_eval_rows,
        "num_parallel_trials": args.parallel_trials,
        "warm_start": args.warm_start,
        "tflite": args.tflite,
        "split": resolved_split(args),
        "final_fit": args.final_fit,
        "ensemble": args.ensemble,
        "keep_checkpoints": args.keep_checkpoints,
    }
