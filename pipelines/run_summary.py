"""What a finished local run produced, read back from ML Metadata.

The summary a user sees at the end of `autokeras-tfx run`: the best trial and
its hyperparameters, the evaluation metrics, whether the model was blessed,
and where it was pushed.
"""

import json
import os

from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2

from components import spec as tuner_spec


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
    return value.int_value if value.HasField("int_value") else value.string_value


def overall_metrics(evaluation_uri):
    """Metric name -> value on the overall slice of a TFMA evaluation."""
    import tensorflow_model_analysis as tfma  # heavy; only when summarising

    for slice_metrics in tfma.load_metrics(evaluation_uri):
        if slice_metrics.slice_key.single_slice_keys:
            continue
        values = {}
        for item in slice_metrics.metric_keys_and_values:
            # With a baseline, TFMA adds the baseline's values and the diffs.
            if item.key.is_diff or item.key.model_name == "baseline":
                continue
            if item.value.HasField("double_value"):
                values[item.key.name] = item.value.double_value.value
        return values
    return {}


# How a failed threshold reads, by metric: (what the model scored, against).
_PAIRED_METRICS = {
    "accuracy_over_trivial": (
        "sparse_categorical_accuracy", "trivial_accuracy",
        "accuracy {model:.4f} does not beat the majority class's "
        "{trivial:.4f} on the same evaluation rows",
    ),
    "mse_over_trivial": (
        "mean_squared_error", "trivial_mse",
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
    reasons = []
    if result.missing_thresholds:
        reasons.append("no threshold could be checked (missing thresholds)")
    for per_slice in result.metric_validations_per_slice:
        for failure in per_slice.failures:
            name = failure.metric_key.name
            value = failure.metric_value.double_value.value
            if name in _PAIRED_METRICS:
                model_name, trivial_name, text = _PAIRED_METRICS[name]
                reasons.append(text.format(
                    model=metrics.get(model_name, float("nan")),
                    trivial=metrics.get(trivial_name, float("nan")),
                ))
            elif name == "example_count":
                bound = failure.metric_threshold.value_threshold.lower_bound
                reasons.append(
                    f"only {value:.0f} evaluation rows: at least "
                    f"{bound.value:.0f} are needed to judge a model (more "
                    "data, or --min-eval-rows to lower the bar)"
                )
            elif failure.metric_threshold.HasField("change_threshold"):
                reasons.append(
                    f"{name} {metrics.get(name, value):.4g} is worse than "
                    "the latest blessed model's (change "
                    f"{value:+.4g})"
                )
            else:
                reasons.append(
                    f"{name} {value:.4g} is not "
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
            c.name for c in store.get_contexts_by_execution(execution.id)
            if store.get_context_types_by_id([c.type_id])[0].name == "node"
        ]
        if node:
            node_id = node[0].split(".", 1)[-1]
            seconds[node_id] = (
                execution.last_update_time_since_epoch
                - execution.create_time_since_epoch
            ) / 1000.0
    return seconds


def summarize(metadata_path):
    store = open_store(metadata_path)
    summary = {"stage_seconds": stage_seconds(store)}
    results = latest_artifact(store, "TunerResults")
    if results is not None:
        with open(os.path.join(results.uri, tuner_spec.TUNER_RESULTS_FILE)) as f:
            trials = json.load(f)
        scored = [t for t in trials if t.get("score") is not None]
        summary["trials"] = len(trials)
        report = os.path.join(results.uri, "report.html")
        summary["report"] = report if os.path.exists(report) else None
        if scored:
            summary["best_trial"] = min(scored, key=lambda t: t["score"])
    evaluation = latest_artifact(store, "ModelEvaluation")
    if evaluation is not None:
        summary["metrics"] = overall_metrics(evaluation.uri)
        summary["blessing_failures"] = blessing_failures(
            evaluation.uri, summary["metrics"]
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
    return summary


def format_summary(summary):
    lines = ["", "Summary"]
    best = summary.get("best_trial")
    if best:
        hps = {
            k: v for k, v in best.items()
            if k not in ("trial_id", "status", "score")
        }
        lines.append(
            f"  best trial:   {best['trial_id']} of {summary['trials']}, "
            f"val_loss {best['score']:.4f}"
        )
        lines.append(f"  hyperparameters: {json.dumps(hps, sort_keys=True)}")
    for name, value in sorted(summary.get("metrics", {}).items()):
        lines.append(f"  eval {name}: {value:.4f}")
    if summary.get("report"):
        lines.append(f"  search report: {summary['report']}")
    lines.append(f"  blessed:      {'yes' if summary['blessed'] else 'no'}")
    if not summary["blessed"]:
        for reason in summary.get("blessing_failures") or []:
            lines.append(f"    not blessed: {reason}")
    if summary["pushed"]:
        lines.append(f"  pushed model: {summary['pushed_model']}")
    else:
        lines.append("  pushed model: none (the model was not blessed)")
    stages = summary.get("stage_seconds") or {}
    if stages:
        lines.append("  stage wall times (s): " + ", ".join(
            f"{name} {seconds:.1f}" for name, seconds in stages.items()
        ))
    return "\n".join(lines)
