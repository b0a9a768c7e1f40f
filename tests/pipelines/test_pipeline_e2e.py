"""The whole local pipeline, for real: LocalDagRunner, SQLite MLMD, Keras.

400 taxi rows, 2 trials of 8 epochs. Asserts that a blessed model was pushed,
that it answers raw tf.Example strings, and that MLMD holds the lineage from
ExampleGen's examples to the pushed model.
"""

import glob
import os

import pytest

from pipelines import run_summary

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_run(pipeline_run):
    return pipeline_run


def test_a_blessed_model_is_pushed(finished_run):
    output, summary = finished_run
    assert summary["trials"] == 2
    assert summary["blessed"] is True
    assert summary["pushed"] is True
    assert summary["pushed_model"].startswith(str(output / "serving_model"))
    assert os.path.isfile(
        os.path.join(summary["pushed_model"], "saved_model.pb")
    )
    assert summary["metrics"]["sparse_categorical_accuracy"] >= 0.5
    # It beat the majority class on the same rows (the blessing's bar).
    assert summary["metrics"]["accuracy_over_trivial"] > 0
    assert not summary["blessing_failures"]
    # Every stage reported its wall time: CsvExampleGen, StatisticsGen,
    # SchemaGen, ExampleValidator, FeatureKindsGen, RunHistoryLookup,
    # Transform, AutoKerasTuner, Trainer, Evaluator, Pusher,
    # RunHistoryRecorder.
    assert len(summary["stage_seconds"]) == 12, summary["stage_seconds"]


def test_pushed_model_predicts_on_raw_examples(finished_run):
    import tensorflow as tf

    output, summary = finished_run
    model = tf.saved_model.load(summary["pushed_model"])
    serve = model.signatures["serving_default"]
    raw_files = glob.glob(
        str(
            output
            / "pipeline_root"
            / "CsvExampleGen"
            / "examples"
            / "*"
            / "Split-eval"
            / "*"
        )
    )
    records = list(
        tf.data.TFRecordDataset(raw_files, compression_type="GZIP").take(8)
    )
    result = serve(examples=tf.stack(records))
    assert result["probabilities"].shape[0] == 8
    totals = tf.reduce_sum(result["probabilities"], axis=-1).numpy()
    assert all(abs(t - 1.0) < 1e-4 for t in totals)
    classes = {c.decode() for c in result["classes"].numpy()}
    assert classes <= {
        "Cash",
        "Credit Card",
        "No Charge",
        "Unknown",
        "Dispute",
        "Pcard",
        "Prcard",
    }

    # A hand-written example with only some columns still gets an answer:
    # missing values are filled by the Transform graph inside the model.
    example = tf.train.Example()
    example.features.feature["trip_miles"].float_list.value.append(3.5)
    example.features.feature["fare"].float_list.value.append(12.0)
    example.features.feature["tips"].float_list.value.append(3.0)
    example.features.feature["company"].bytes_list.value.append(b"Taxi Co")
    result = serve(examples=tf.constant([example.SerializeToString()]))
    assert result["classes"].shape == (1,)


def _upstream_types(store, artifact_id):
    """Artifact type names and executions' types upstream of an artifact."""
    types = {t.id: t.name for t in store.get_artifact_types()}
    execution_types = {t.id: t.name for t in store.get_execution_types()}
    seen_artifacts, seen_types, components = set(), set(), set()
    frontier = [artifact_id]
    while frontier:
        current = frontier.pop()
        if current in seen_artifacts:
            continue
        seen_artifacts.add(current)
        [artifact] = store.get_artifacts_by_id([current])
        seen_types.add(types[artifact.type_id])
        producers = [
            e.execution_id
            for e in store.get_events_by_artifact_ids([current])
            if e.type == e.OUTPUT
        ]
        for execution in store.get_executions_by_id(producers):
            components.add(execution_types[execution.type_id])
            frontier.extend(
                e.artifact_id
                for e in store.get_events_by_execution_ids([execution.id])
                if e.type == e.INPUT
            )
    return seen_types, components


def test_mlmd_holds_lineage_from_examples_to_pushed_model(finished_run):
    output, _ = finished_run
    store = run_summary.open_store(str(output / "metadata.sqlite"))
    pushed = run_summary.latest_artifact(store, "PushedModel")
    artifact_types, components = _upstream_types(store, pushed.id)
    assert {
        "Examples",
        "ExampleStatistics",
        "Schema",
        "TransformGraph",
        "HyperParameters",
        "Model",
        "ModelBlessing",
        "PushedModel",
    } <= artifact_types
    component_names = " ".join(sorted(components))
    # ExampleGen is TFX's FileBasedExampleGen with our CSV executor.
    for name in (
        "FileBasedExampleGen",
        "FeatureKindsGen",
        "Transform",
        "AutoKerasTuner",
        "Trainer",
        "Evaluator",
        "Pusher",
    ):
        assert name in component_names, (name, component_names)
