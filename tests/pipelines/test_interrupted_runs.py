"""`pipelines/interrupted_runs.py` on a real SQLite ML Metadata store laid out
as TFX's LocalDagRunner writes it (context types `pipeline` and `node`,
nodes named `<pipeline>.<node id>`, outputs under
`pipeline_root/<node>/<output>/<execution id>/`)."""

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2
from tfx.orchestration import metadata

from pipelines import interrupted_runs

PIPELINE = "payment-type-classification-a4d1b46c"
State = metadata_store_pb2.Execution


def _store(path):
    return metadata_store.MetadataStore(
        metadata.sqlite_metadata_connection_config(str(path))
    )


def _context_type(store, name):
    return store.put_context_type(metadata_store_pb2.ContextType(name=name))


def _record(store, pipeline_root, runs):
    """Executions of PIPELINE, each `(node, state)`, with an output folder
    holding a file; returns their ids."""
    pipeline_type = _context_type(store, "pipeline")
    node_type = _context_type(store, "node")
    execution_type = store.put_execution_type(
        metadata_store_pb2.ExecutionType(name="tfx.Component")
    )
    [pipeline] = store.put_contexts(
        [metadata_store_pb2.Context(type_id=pipeline_type, name=PIPELINE)]
    )
    ids = []
    for node, state in runs:
        [context] = store.put_contexts(
            [
                metadata_store_pb2.Context(
                    type_id=node_type, name=f"{PIPELINE}.{node}"
                )
            ]
        )
        [execution] = store.put_executions(
            [
                metadata_store_pb2.Execution(
                    type_id=execution_type, last_known_state=state
                )
            ]
        )
        store.put_attributions_and_associations(
            [],
            [
                metadata_store_pb2.Association(
                    execution_id=execution, context_id=c
                )
                for c in (pipeline, context)
            ],
        )
        output = pipeline_root / node / "model" / str(execution)
        output.mkdir(parents=True)
        (output / "saved_model.pb").write_bytes(b"half")
        ids.append(execution)
    return ids


def test_a_killed_runs_stage_is_cancelled_and_its_outputs_removed(
    tmp_path,
):
    path, root = tmp_path / "metadata.sqlite", tmp_path / "pipeline_root"
    store = _store(path)
    done, killed = _record(
        store,
        root,
        [("Transform", State.COMPLETE), ("Trainer", State.RUNNING)],
    )

    cancelled = interrupted_runs.cancel_interrupted(str(path), PIPELINE, root)

    assert cancelled == [
        ("Trainer", killed, [str(root / "Trainer" / "model" / str(killed))])
    ]
    states = {e.id: e.last_known_state for e in _store(path).get_executions()}
    assert states == {done: State.COMPLETE, killed: State.CANCELED}
    assert not (root / "Trainer" / "model" / str(killed)).exists()
    # What the cache reuses is left as it is.
    assert (
        root / "Transform" / "model" / str(done) / "saved_model.pb"
    ).exists()
    # Nothing is left to cancel the next time.
    assert interrupted_runs.cancel_interrupted(str(path), PIPELINE, root) == []


def test_a_first_run_and_another_pipeline_find_nothing(tmp_path):
    path, root = tmp_path / "metadata.sqlite", tmp_path / "pipeline_root"
    assert interrupted_runs.cancel_interrupted(str(path), PIPELINE, root) == []
    [killed] = _record(_store(path), root, [("Trainer", State.RUNNING)])
    assert (
        interrupted_runs.cancel_interrupted(str(path), "another", root) == []
    )
    [execution] = _store(path).get_executions_by_id([killed])
    assert execution.last_known_state == State.RUNNING
