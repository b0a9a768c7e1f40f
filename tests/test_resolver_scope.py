"""The resolvers see only their own pipeline's artifacts, in one shared MLMD.

Two pipelines (`alpha`, `beta`) share one SQLite ML Metadata store and run
with the real LocalDagRunner, each holding the pipeline's own resolver
nodes (`resolvers.latest_tuner_results_resolver`,
`resolvers.latest_blessed_model_resolver`). Tiny stand-in components take the
place of the tuner, Trainer and Evaluator, so a run takes seconds: a
producer writes TunerResults and a Model (tagged as the real pipeline tags
them), an evaluator blesses the Model as the real Evaluator does (the
`blessed` and `current_model_id` custom properties), and a consumer, run
before the producers, takes what the resolvers hand over.
"""

import os

import ml_metadata as mlmd
from tfx import v1 as tfx
from tfx.dsl.component.experimental.annotations import InputArtifact
from tfx.dsl.component.experimental.annotations import OutputArtifact
from tfx.dsl.component.experimental.annotations import Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import standard_artifacts

from components import feature_kinds
from components import search
from pipelines import resolvers


@component
def FakeTuneAndTrain(
    run_label: Parameter[str],
    tuner_results: OutputArtifact[standard_artifacts.TunerResults],
    model: OutputArtifact[standard_artifacts.Model],
):
    for artifact in (tuner_results, model):
        os.makedirs(artifact.uri, exist_ok=True)
        with open(os.path.join(artifact.uri, "run.txt"), "w") as f:
            f.write(run_label)


@component
def FakeEvaluator(
    model: InputArtifact[standard_artifacts.Model],
    blessing: OutputArtifact[standard_artifacts.ModelBlessing],
):
    # What TFX's Evaluator records and LatestBlessedModelStrategy reads.
    blessing.set_int_custom_property("blessed", 1)
    blessing.set_int_custom_property("current_model_id", model.id)
    blessing.set_string_custom_property("current_model", model.uri)


@component
def ResolvedInputs(
    warmup: InputArtifact[standard_artifacts.TunerResults] = None,
    baseline: InputArtifact[standard_artifacts.Model] = None,
):
    del warmup, baseline  # read back from MLMD by the test


def make_pipeline(name, label, root, metadata_path):
    config = feature_kinds.TransformConfig(label=label)
    warmup = resolvers.latest_tuner_results_resolver()
    baseline = resolvers.latest_blessed_model_resolver()
    consumer = ResolvedInputs(
        warmup=warmup.outputs["tuner_results"],
        baseline=baseline.outputs["model"],
    )
    producer = FakeTuneAndTrain(run_label=label)
    # Resolution first, as in the real pipeline (the resolvers run before
    # this run's tuner and Evaluator publish).
    producer.add_upstream_node(consumer)
    evaluator = FakeEvaluator(model=producer.outputs["model"])
    resolvers.tag_scope(
        resolvers.pipeline_scope(name, config),
        producer.outputs["tuner_results"],
        producer.outputs["model"],
        evaluator.outputs["blessing"],
    )
    return tfx.dsl.Pipeline(
        pipeline_name=name,
        pipeline_root=os.path.join(root, name),
        components=[warmup, baseline, consumer, producer, evaluator],
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(
                metadata_path
            )
        ),
    )


def _store(metadata_path):
    return mlmd.MetadataStore(
        tfx.orchestration.metadata.sqlite_metadata_connection_config(
            metadata_path
        )
    )


def _last_consumer_inputs(store, pipeline_name):
    """{input key: [URI]} of the pipeline's latest ResolvedInputs run."""
    node = store.get_context_by_type_and_name(
        "node", f"{pipeline_name}.ResolvedInputs"
    )
    executions = store.get_executions_by_context(node.id)
    last = max(executions, key=lambda e: e.id)
    inputs = {}
    for event in store.get_events_by_execution_ids([last.id]):
        if event.type != mlmd.proto.Event.INPUT:
            continue
        key = event.path.steps[0].key
        [artifact] = store.get_artifacts_by_id([event.artifact_id])
        inputs.setdefault(key, []).append(artifact.uri)
    return inputs


def _produced(store, pipeline_name, type_name):
    context = store.get_context_by_type_and_name("pipeline", pipeline_name)
    return sorted(
        (a for a in store.get_artifacts_by_context(context.id)
         if store.get_artifact_types_by_id([a.type_id])[0].name == type_name
         and a.state == mlmd.proto.Artifact.LIVE),
        key=lambda a: a.id,
    )


def test_each_pipeline_resolves_only_its_own(tmp_path):
    root = str(tmp_path)
    metadata_path = os.path.join(root, "shared-metadata.sqlite")
    runner = tfx.orchestration.LocalDagRunner()

    def run(name, label):
        runner.run(make_pipeline(name, label, root, metadata_path))
        return _last_consumer_inputs(_store(metadata_path), name)

    # A first run of each finds nothing, although the other's artifacts
    # are already in the same store.
    assert run("alpha", "y") == {}
    assert run("beta", "y") == {}
    store = _store(metadata_path)
    [alpha_results] = _produced(store, "alpha", "TunerResults")
    [alpha_model] = _produced(store, "alpha", "Model")
    [beta_results] = _produced(store, "beta", "TunerResults")
    [beta_model] = _produced(store, "beta", "Model")

    # Second runs: each gets its own pipeline's latest, never the other's
    # (beta's are the newest in the store when alpha runs again).
    assert run("alpha", "y") == {
        "warmup": [alpha_results.uri], "baseline": [alpha_model.uri],
    }
    assert run("beta", "y") == {
        "warmup": [beta_results.uri], "baseline": [beta_model.uri],
    }

    # Every artifact the resolvers choose from carries its scope, the
    # property the compiled Kubeflow queries filter on.
    for name, artifact in (("alpha", alpha_results), ("beta", beta_model)):
        assert artifact.custom_properties[
            resolvers.SCOPE_PROPERTY
        ].string_value == f"{name}/y/classification"
    for blessing in _produced(store, "beta", "ModelBlessing"):
        assert blessing.custom_properties[
            resolvers.SCOPE_PROPERTY
        ].string_value == "beta/y/classification"


def _write_record(uri, target, hyperparameters):
    os.makedirs(uri, exist_ok=True)
    record = {
        "objective": {"name": "val_loss", "direction": "min"},
        "trials": [
            {"status": "COMPLETED", "score": 0.5,
             "hyperparameters": hyperparameters}
        ],
    }
    if target is not None:
        record["target"] = target
    search.oracle_lib.write_json_atomically(
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
