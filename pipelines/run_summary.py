"""What a finished local run produced, read back from ML Metadata.

The summary a user sees at the end of `autokeras-tfx run`: the best trial and
its hyperparameters (as the search recorded them in search_results.json), the
evaluation metrics, whether the model was blessed and why, where it was
pushed and how to call it, and the commands that open the search report and
TensorBoard.
"""

import json
import os
import pathlib

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components.autokeras_tuner import search as tuner_search
from components.trainer import model_export
from pipelines import console


def open_store(metadata_path):
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = metadata_path
    config.sqlite.connection_mode = (
        metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    )
    return metadata_store.MetadataStore(config)


def latest_artifact(store, type_name):
    """The most recently created artifact of a type, or None."""
    artifacts = store.get_artifacts_by_type(type_name)
    return max(artifacts, key=lambda a: a.id) if artifacts else None


def _custom(artifact, name):
    if artifact is None or name not in artifact.custom_properties:
        return None
    value = artifact.custom_properties[name]
    if value.HasField("int_value"):
        return value.int_value
    return value.string_value


def overall_metrics(evaluation_uri, model_name=None):
    """Metric name -> value on the overall slice of a TFMA evaluation: the
    candidate's, or with `model_name="baseline"` the baseline model's. A
    multi-task model's metrics are named `<label key>/<metric>`."""
    import tensorflow_model_analysis as tfma  # heavy; only when summarising

    for slice_metrics in tfma.load_metrics(evaluation_uri):
        if slice_metrics.slice_key.single_slice_keys:
            continue
        values = {}
        for item in slice_metrics.metric_keys_and_values:
            # With a baseline, TFMA adds the baseline's values and the diffs.
            if item.key.is_diff:
                continue
            if (item.key.model_name == "baseline") != (
                model_name == "baseline"
            ):
                continue
            if item.value.HasField("double_value"):
                values[_metric_name(item.key.output_name, item.key.name)] = (
                    item.value.double_value.value
                )
        return values
    return {}


def _metric_name(output_name, name):
    # A multi-task output is named as its served tensor; show the label.
    return (
        f"{model_export.label_of_output(output_name)}/{name}"
        if output_name
        else name
    )


def _by_output(metrics):
    """{label key or "": {metric: value}} of `overall_metrics`' names."""
    groups = {}
    for name, value in metrics.items():
        output, _, metric = name.rpartition("/")
        groups.setdefault(output, {})[metric] = value
    return groups


def blessing_reasons(metrics, baseline_metrics):
    """Why TFMA blessed: the bars the model cleared, with both values (per
    label, named, in a multi-task run)."""
    groups, baselines = _by_output(metrics), _by_output(baseline_metrics)
    rows = next(
        (g["example_count"] for g in groups.values() if "example_count" in g),
        None,
    )
    reasons = []
    for output, group in sorted(groups.items()):
        prefix = f"{output}: " if output else ""
        reasons.extend(
            prefix + reason
            for reason in _output_blessing_reasons(
                group, baselines.get(output, {}), rows
            )
        )
    return reasons


def _output_blessing_reasons(metrics, baseline_metrics, rows):
    reasons = []
    rows = (
        f" on the same {rows:.0f} evaluation rows" if rows is not None else ""
    )
    for model_name, trivial_name, label, trivial_text in (
        (
            "sparse_categorical_accuracy",
            "trivial_accuracy",
            "accuracy",
            "the majority class's",
        ),
        ("mean_squared_error", "trivial_mse", "MSE", "predicting the mean's"),
    ):
        if model_name in metrics and trivial_name in metrics:
            reasons.append(
                f"{label} {metrics[model_name]:.4f} beats {trivial_text} "
                f"{metrics[trivial_name]:.4f}{rows}"
            )
            break
    else:
        if rows:
            reasons.append(f"it passed the absolute bar{rows}")
    for name in ("sparse_categorical_accuracy", "mean_squared_error"):
        if name in baseline_metrics and name in metrics:
            reasons.append(
                f"not worse than the latest blessed model ({name} "
                f"{metrics[name]:.4f} vs {baseline_metrics[name]:.4f})"
            )
    return reasons


# How a failed threshold reads, by metric: (what the model scored, against).
_PAIRED_METRICS = {
    "accuracy_over_trivial": (
        "sparse_categorical_accuracy",
        "trivial_accuracy",
        "accuracy {model:.4f} does not beat the majority class's "
        "{trivial:.4f} on the same evaluation rows",
    ),
    "mse_over_trivial": (
        "mean_squared_error",
        "trivial_mse",
        "MSE {model:.4g} does not beat predicting the mean (MSE "
        "{trivial:.4g}) on the same evaluation rows",
    ),
}


def _bound_text(threshold):
    bound = threshold.value_threshold
    if bound.HasField("lower_bound"):
        return f"at least {bound.lower_bound.value:g}"
    return f"at most {bound.upper_bound.value:g}"


def blessing_failures(evaluation_uri, metrics):
    """Why TFMA did not bless: one sentence per failed threshold, with the
    model's value and the bar it missed."""
    import tensorflow_model_analysis as tfma  # heavy; only when summarising

    result = tfma.load_validation_result(evaluation_uri)
    groups = _by_output(metrics)
    reasons = []
    if result.missing_thresholds:
        reasons.append("no threshold could be checked (missing thresholds)")
    for per_slice in result.metric_validations_per_slice:
        for failure in per_slice.failures:
            name = failure.metric_key.name
            value = failure.metric_value.double_value.value
            output = failure.metric_key.output_name
            output = model_export.label_of_output(output)
            # A multi-task run names the label each failure is about.
            prefix = f"{output}: " if output else ""
            metrics = groups.get(output, {})
            if name in _PAIRED_METRICS:
                model_name, trivial_name, text = _PAIRED_METRICS[name]
                reasons.append(
                    prefix
                    + text.format(
                        model=metrics.get(model_name, float("nan")),
                        trivial=metrics.get(trivial_name, float("nan")),
                    )
                )
            elif name == "example_count":
                bound = failure.metric_threshold.value_threshold.lower_bound
                reasons.append(
                    f"only {value:.0f} evaluation rows: at least "
                    f"{bound.value:.0f} are needed to judge a model (more "
                    "data, or --min-eval-rows to lower the bar)"
                )
            elif failure.metric_threshold.HasField("change_threshold"):
                reasons.append(
                    f"{prefix}{name} {metrics.get(name, value):.4g} is worse "
                    "than "
                    "the latest blessed model's (change "
                    f"{value:+.4g})"
                )
            else:
                reasons.append(
                    f"{prefix}{name} {value:.4g} is not "
                    f"{_bound_text(failure.metric_threshold)}"
                )
    return reasons


def stage_seconds(store):
    """Node id -> wall seconds of each execution of the latest run, as ML
    Metadata recorded them (start and last update of the execution)."""
    runs = store.get_contexts_by_type("pipeline_run")
    if not runs:
        return {}
    latest = max(runs, key=lambda c: c.create_time_since_epoch)
    seconds = {}
    executions = sorted(
        store.get_executions_by_context(latest.id),
        key=lambda e: e.create_time_since_epoch,
    )
    for execution in executions:
        node = [
            c.name
            for c in store.get_contexts_by_execution(execution.id)
            if store.get_context_types_by_id([c.type_id])[0].name == "node"
        ]
        if node:
            node_id = node[0].split(".", 1)[-1]
            seconds[node_id] = (
                execution.last_update_time_since_epoch
                - execution.create_time_since_epoch
            ) / 1000.0
    return seconds


def best_trial(results):
    """The best trial as the search recorded it (`best_trial_id`), or None."""
    best_id = results.get("best_trial_id")
    for trial in results.get("trials", []):
        if best_id is not None and trial.get("trial_id") == best_id:
            return trial
    return None


def example_request(examples_uri, columns, limit=4):
    """`saved_model_cli`'s --input_examples value: the first evaluation row
    of the raw Examples, up to `limit` of its model's columns (the Transform
    graph in the model fills the others), e.g.
    `examples=[{"trip_miles":[3.5],"company":["Taxi Co"]}]`."""
    import glob

    import tensorflow as tf  # heavy; only when summarising

    files = sorted(glob.glob(os.path.join(examples_uri, "Split-eval", "*")))
    if not files:
        return None
    wanted = [
        c["name"]
        for c in columns
        if c.get("kind") in ("numerical", "categorical")
    ]
    for record in tf.data.TFRecordDataset(files[:1], compression_type="GZIP"):
        example = tf.train.Example.FromString(record.numpy())
        features = {}
        for name in wanted:
            feature = example.features.feature.get(name)
            kind = feature.WhichOneof("kind") if feature is not None else None
            values = list(getattr(feature, kind).value) if kind else []
            if not values:
                continue
            if kind == "bytes_list":
                values = [v.decode("utf-8", "replace") for v in values]
            elif kind == "float_list":
                values = [float(f"{v:.6g}") for v in values]
            features[name] = values[:1]
            if len(features) == limit:
                break
        if features:
            return "examples=" + json.dumps([features], separators=(",", ":"))
    return None


def summarize(metadata_path):
    store = open_store(metadata_path)
    summary = {"stage_seconds": stage_seconds(store)}
    results_artifact = latest_artifact(store, "TunerResults")
    results = {}
    if results_artifact is not None:
        uri = results_artifact.uri
        path = os.path.join(uri, tuner_search.SEARCH_RESULTS_FILE)
        if os.path.exists(path):
            with open(path) as f:
                results = json.load(f)
        summary["trials"] = len(results.get("trials", []))
        report = os.path.join(uri, "report.html")
        summary["report"] = report if os.path.exists(report) else None
        logs = tuner_search.logs_dir(uri)
        summary["tensorboard_logdir"] = logs if os.path.isdir(logs) else None
        summary["best_trial"] = best_trial(results)
    evaluation = latest_artifact(store, "ModelEvaluation")
    if evaluation is not None:
        summary["metrics"] = overall_metrics(evaluation.uri)
        summary["baseline_metrics"] = overall_metrics(
            evaluation.uri, model_name="baseline"
        )
        summary["blessing_failures"] = blessing_failures(
            evaluation.uri, summary["metrics"]
        )
        summary["blessing_reasons"] = blessing_reasons(
            summary["metrics"], summary["baseline_metrics"]
        )
    transform_graph = latest_artifact(store, "TransformGraph")
    summary["transform_graph"] = (
        transform_graph.uri if transform_graph is not None else None
    )
    blessing = latest_artifact(store, "ModelBlessing")
    summary["blessed"] = bool(_custom(blessing, "blessed"))
    pushed = latest_artifact(store, "PushedModel")
    summary["pushed"] = bool(_custom(pushed, "pushed"))
    summary["pushed_model"] = _custom(pushed, "pushed_destination")
    summary["example_request"] = None
    examples = [
        a
        for a in store.get_artifacts_by_type("Examples")
        if os.path.isdir(os.path.join(a.uri, "Split-eval"))
    ]
    if summary["pushed"] and examples:
        raw = min(examples, key=lambda a: a.id)  # ExampleGen's come first
        summary["example_request"] = example_request(
            raw.uri, results.get("columns", [])
        )
    return summary


def _metric_text(name, value):
    # Counts are whole numbers: `example_count 5091`, not 5091.0000.
    if name.endswith("count") or name.startswith("num_"):
        return f"{value:.0f}"
    return f"{value:.4f}"


def format_summary(summary, command_prefix=""):
    """The summary as a person reads it.

    Args:
        summary: `summarize`'s dict (plus the CLI's `log_path`).
        command_prefix: put before the commands shown (`./dev ` when the
            run is inside the project's runtime).
    """
    lines = ["", "Summary"]
    best = summary.get("best_trial")
    if best:
        lines.append(
            f"  best trial:     {best.get('trial_number', '?')} of "
            f"{summary['trials']}, val_loss {best['score']:.4f}"
        )
        lines.append(
            "  hyperparameters: "
            + json.dumps(best.get("hyperparameters", {}), sort_keys=True)
        )
    # The Evaluator's metrics are on the test split (rows the search and
    # the Trainer never saw).
    for name, value in sorted(summary.get("metrics", {}).items()):
        lines.append(f"  test {name}: {_metric_text(name, value)}")
    if summary["blessed"]:
        why = "; ".join(summary.get("blessing_reasons") or [])
        lines.append("  blessed:        yes" + (f": {why}" if why else ""))
    else:
        lines.append("  blessed:        no")
        for reason in summary.get("blessing_failures") or []:
            lines.append(f"    not blessed: {reason}")
    # Every path and value below is one shell word (`console.shell_quote`):
    # a line pasted into a shell runs only the command shown, with spaces,
    # quotes, `$(...)` and unicode in names reaching it exactly.
    quote = console.shell_quote
    if summary["pushed"]:
        lines.append(f"  pushed model:   {quote(summary['pushed_model'])}")
        if summary.get("example_request"):
            lines.append(
                f"  call it:        {command_prefix}"
                + console.shell_command(
                    "saved_model_cli",
                    "run",
                    "--dir",
                    summary["pushed_model"],
                    "--tag_set",
                    "serve",
                    "--signature_def",
                    "serving_default",
                    "--input_examples",
                    summary["example_request"],
                )
            )
    elif summary["blessed"]:
        # Blessed but not pushed: the push failed; nothing is served.
        lines.append("  pushed model:   none (the push failed; see the log)")
    else:
        lines.append("  pushed model:   none (the model was not blessed)")
    if summary.get("report"):
        lines.append(
            "  search report:  "
            + console.shell_command(
                "python3",
                "-m",
                "webbrowser",
                pathlib.Path(summary["report"]).as_uri(),
            )
        )
    if summary.get("tensorboard_logdir"):
        lines.append(
            f"  TensorBoard:    {command_prefix}"
            + console.shell_command(
                "tensorboard",
                "--logdir",
                summary["tensorboard_logdir"],
                "--port",
                "6006",
            )
            + ", then open http://localhost:6006/#hparams"
        )
    # Each stage's seconds are on its own line above; the dict keeps them.
    if summary.get("log_path"):
        lines.append(f"  full log:       {quote(summary['log_path'])}")
    # Names and values (labels in the reasons, metric names) reach the
    # terminal with their control characters escaped, never raw.
    return "\n".join(console.printable(line) for line in lines)
