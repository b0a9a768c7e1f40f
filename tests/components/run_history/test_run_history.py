"""The run history hands each run its own pipeline's earlier search and
pushed model, and nothing else.

Two pipelines (`alpha`, `beta`) share one history directory and run with
the real LocalDagRunner (SQLite ML Metadata, TFX's execution cache on, as
local runs have it), each holding the real `RunHistoryLookup` and
`RunHistoryRecorder`. Tiny stand-in components take the place of the
schema, the tuner and the Pusher, so a run takes seconds: they write a
curated schema with its column table, a `search_results.json`, and a
pushed model with the custom properties TFX's Pusher sets. A consumer, run
right after the lookup, reads what the lookup handed over.
"""

import json
import os

import ml_metadata as mlmd
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx import v1 as tfx
from tfx.dsl.component.experimental.annotations import InputArtifact
from tfx.dsl.component.experimental.annotations import OutputArtifact
from tfx.dsl.component.experimental.annotations import Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import standard_artifacts
from tfx.utils import io_utils

from components.autokeras_tuner import search
from components.evaluator import executor as evaluator_executor
from components.run_history import executor as history_executor
from components.run_history import records
from components.run_history.component import RunHistoryLookup
from components.run_history.component import RunHistoryRecorder
from components.util import feature_kinds
from pipelines import pipeline as pipeline_lib
from search_space import storage


@component
def FakeCuratedSchema(
    x_kind: Parameter[str],
    schema: OutputArtifact[standard_artifacts.Schema],
):
    proto = schema_pb2.Schema()
    proto.annotation.tag.append(
        feature_kinds.column_table_tag(
            [
                feature_kinds.ColumnDecision("x", "x", x_kind, "test"),
                feature_kinds.ColumnDecision("y", "y", "label", "the label"),
            ]
        )
    )
    io_utils.write_pbtxt_file(os.path.join(schema.uri, "schema.pbtxt"), proto)


@component
def FakeTuneAndPush(
    run_label: Parameter[str],
    push: Parameter[int],
    serving_dir: Parameter[str],
    tuner_results: OutputArtifact[standard_artifacts.TunerResults],
    pushed_model: OutputArtifact[standard_artifacts.PushedModel],
):
    os.makedirs(tuner_results.uri, exist_ok=True)
    with open(
        os.path.join(tuner_results.uri, "search_results.json"), "w"
    ) as f:
        json.dump({"target": {"label": "y"}, "run": run_label}, f)
    # What TFX's Pusher records on its output.
    pushed_model.set_int_custom_property("pushed", push)
    if push:
        destination = os.path.join(serving_dir, run_label)
        os.makedirs(destination)
        with open(os.path.join(destination, "saved_model.pb"), "w") as f:
            f.write(run_label)
        pushed_model.set_string_custom_property(
            "pushed_destination", destination
        )


@component
def ResolvedInputs(
    warmup: InputArtifact[standard_artifacts.TunerResults],
    baseline: InputArtifact[standard_artifacts.Model],
):
    del warmup, baseline  # read back from MLMD by the test


def make_pipeline(name, root, history_dir, run, x_kind="numerical", push=1):
    scope = pipeline_lib.pipeline_scope(
        name, feature_kinds.TransformConfig(label="y")
    )
    history = {
        "history_dir": history_dir,
        "scope": scope,
        "run_id": f"{name}-{run}",
    }
    schema = FakeCuratedSchema(x_kind=x_kind)
    lookup = RunHistoryLookup(schema=schema.outputs["schema"], **history)
    consumer = ResolvedInputs(
        warmup=lookup.outputs["tuner_results"],
        baseline=lookup.outputs["baseline_model"],
    )
    producer = FakeTuneAndPush(
        run_label=f"{name}-{run}",
        push=push,
        serving_dir=os.path.join(root, name, "serving"),
    )
    producer.add_upstream_node(consumer)
    recorder = RunHistoryRecorder(
        schema=schema.outputs["schema"],
        tuner_results=producer.outputs["tuner_results"],
        pushed_model=producer.outputs["pushed_model"],
        **history,
    )
    return tfx.dsl.Pipeline(
        pipeline_name=name,
        pipeline_root=os.path.join(root, name, "root"),
        components=[schema, lookup, consumer, producer, recorder],
        enable_cache=True,
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(
                os.path.join(root, name, "metadata.sqlite")
            )
        ),
    )


def _handed_over(root, name):
    """(warm start's run label or None, baseline's model text or None) of
    the pipeline's latest consumer run."""
    store = mlmd.MetadataStore(
        tfx.orchestration.metadata.sqlite_metadata_connection_config(
            os.path.join(root, name, "metadata.sqlite")
        )
    )
    node = store.get_context_by_type_and_name("node", f"{name}.ResolvedInputs")
    last = max(store.get_executions_by_context(node.id), key=lambda e: e.id)
    uris = {}
    for event in store.get_events_by_execution_ids([last.id]):
        if event.type == mlmd.proto.Event.INPUT:
            [artifact] = store.get_artifacts_by_id([event.artifact_id])
            uris[event.path.steps[0].key] = artifact.uri
    results = os.path.join(uris["warmup"], search.SEARCH_RESULTS_FILE)
    model = os.path.join(uris["baseline"], "Format-Serving", "saved_model.pb")
    return (
        json.load(open(results))["run"] if os.path.exists(results) else None,
        open(model).read() if os.path.exists(model) else None,
    )


def test_each_pipeline_gets_only_its_own_latest_search_and_push(tmp_path):
    root, history_dir = str(tmp_path), str(tmp_path / "shared-history")
    runner = tfx.orchestration.LocalDagRunner()

    def run(name, number, **kwargs):
        runner.run(make_pipeline(name, root, history_dir, number, **kwargs))
        return _handed_over(root, name)

    # First runs find nothing, although the other's records are there.
    assert run("alpha", 1) == (None, None)
    assert run("beta", 1) == (None, None)
    # Each then gets its own latest, never the other's; the cache (on)
    # does not hand a run an earlier run's lookup.
    assert run("alpha", 2) == ("alpha-1", "alpha-1")
    assert run("beta", 2) == ("beta-1", "beta-1")
    assert run("alpha", 3, push=0) == ("alpha-2", "alpha-2")
    # A run that pushed nothing leaves its search, and the last pushed
    # model stays the baseline.
    assert run("alpha", 4) == ("alpha-3", "alpha-2")
    # A model trained on `x` as a number cannot judge data where `x` is
    # categorical: no baseline, the warm start still applies.
    assert run("alpha", 5, x_kind="categorical") == ("alpha-4", None)


def test_a_pushed_model_gone_from_the_serving_directory_is_no_baseline(
    tmp_path,
):
    folder = records.scope_dir(str(tmp_path / "history"), "p/y/regression")
    columns = [{"name": "x", "kind": "numerical"}]
    records.write_push(
        folder, str(tmp_path / "serving" / "1"), columns, "model-uri", "run-1"
    )
    baseline = standard_artifacts.Model()
    baseline.uri = str(tmp_path / "baseline")
    found = history_executor.LookupExecutor._copy_baseline(
        folder, baseline, columns
    )
    assert found is False
    assert not history_executor.has_baseline(baseline)


def test_scopes_get_their_own_folders(tmp_path):
    history_dir = str(tmp_path)
    folders = {
        records.scope_dir(history_dir, scope)
        for scope in (
            "p/y/classification",
            "p/y/regression",
            "p-y/classification",
            "q/y/classification",
        )
    }
    assert len(folders) == 4
    assert records.incompatible_columns(
        [{"name": "x", "kind": "numerical"}, {"name": "z", "kind": "text"}],
        [{"name": "x", "kind": "numerical"}, {"name": "w", "kind": "text"}],
    ) == ["z (text, now absent)"]


def test_the_evaluator_runs_without_an_empty_baseline(tmp_path, monkeypatch):
    """TFX's Evaluator would load an empty baseline and fail: ours drops
    it, and keeps one that holds a model."""
    seen = {}

    def fake_do(self, input_dict, output_dict, exec_properties):
        seen["keys"] = sorted(input_dict)

    empty = standard_artifacts.Model()
    empty.uri = str(tmp_path / "empty")
    os.makedirs(empty.uri)
    full = standard_artifacts.Model()
    full.uri = str(tmp_path / "full")
    os.makedirs(os.path.join(full.uri, "Format-Serving"))
    monkeypatch.setattr(
        evaluator_executor.tfx_evaluator_executor.Executor, "Do", fake_do
    )
    executor = evaluator_executor.Executor()
    executor.Do({"model": [full], "baseline_model": [empty]}, {}, {})
    assert seen["keys"] == ["model"]
    executor.Do({"model": [full], "baseline_model": [full]}, {}, {})
    assert seen["keys"] == ["baseline_model", "model"]


def _write_record(uri, target, hyperparameters):
    os.makedirs(uri, exist_ok=True)
    record = {
        "objective": {"name": "val_loss", "direction": "min"},
        "trials": [
            {
                "status": "COMPLETED",
                "score": 0.5,
                "hyperparameters": hyperparameters,
            }
        ],
    }
    if target is not None:
        record["target"] = target
    storage.write_json_atomically(
        os.path.join(uri, search.SEARCH_RESULTS_FILE), record
    )


def test_warm_start_ignores_another_label_or_task(tmp_path):
    config = feature_kinds.TransformConfig(label="y")
    same = search.search_target(config)
    _write_record(str(tmp_path / "same"), same, {"units": 8})
    _write_record(
        str(tmp_path / "label"), {**same, "label": "z"}, {"units": 16}
    )
    _write_record(
        str(tmp_path / "task"), {**same, "task": "regression"}, {"units": 32}
    )
    _write_record(str(tmp_path / "unknown"), None, {"units": 64})

    def read(name):
        return search.read_warm_start(str(tmp_path / name), target=same)

    assert read("same") == [{"units": 8}]
    assert read("label") == []
    assert read("task") == []
    # Results that do not say what they were searched for are not trusted.
    assert read("unknown") == []
