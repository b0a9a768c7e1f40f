"""What a killed local run left behind, put in order by the next run.

A run killed mid-stage leaves that stage's execution RUNNING in ML
Metadata for ever, and its half-written outputs on disk under
`pipeline_root/<node>/<output>/<execution id>/`. TFX's LocalDagRunner
never revisits them: the next run starts new executions. So before a run
starts, and only while it holds the pipeline's run lock (no other run of
the pipeline can be alive then), every RUNNING execution of the pipeline
is marked CANCELED and its output directories are removed. Completed
executions are never touched: TFX's execution cache reuses them.
"""

import os
import shutil

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2
from tfx.orchestration import metadata

PIPELINE_CONTEXT = "pipeline"
NODE_CONTEXT = "node"
# Set on each execution this module cancels, for whoever reads MLMD later.
INTERRUPTED_PROPERTY = "autokeras_tfx_interrupted"


def _node_name(store, execution_id, node_type_id):
    """The TFX node id of an execution ('Trainer'), from its node context
    (named `<pipeline>.<node id>`)."""
    for context in store.get_contexts_by_execution(execution_id):
        if context.type_id == node_type_id:
            return context.name.rsplit(".", 1)[-1]
    return None


def _partial_outputs(pipeline_root, node, execution_id):
    """The output directories TFX gives an execution of `node`."""
    node_dir = os.path.join(pipeline_root, node)
    if not os.path.isdir(node_dir):
        return []
    return [
        os.path.join(node_dir, key, str(execution_id))
        for key in sorted(os.listdir(node_dir))
        if os.path.isdir(os.path.join(node_dir, key, str(execution_id)))
    ]


def cancel_interrupted(metadata_path, pipeline_name, pipeline_root):
    """Marks the pipeline's RUNNING executions CANCELED and removes their
    output directories.

    Call it only while holding the pipeline's run lock.

    Returns:
        [(node id, execution id, [removed directories])], in execution id
        order; [] on a first run or after a clean one.
    """
    if not os.path.exists(metadata_path):
        return []
    store = metadata_store.MetadataStore(
        metadata.sqlite_metadata_connection_config(metadata_path)
    )
    context = store.get_context_by_type_and_name(
        PIPELINE_CONTEXT, pipeline_name
    )
    if context is None:
        return []
    running = sorted(
        (
            execution
            for execution in store.get_executions_by_context(context.id)
            if execution.last_known_state
            == metadata_store_pb2.Execution.RUNNING
        ),
        key=lambda execution: execution.id,
    )
    if not running:
        return []
    node_type_id = store.get_context_type(NODE_CONTEXT).id
    cancelled = []
    for execution in running:
        node = _node_name(store, execution.id, node_type_id)
        removed = (
            _partial_outputs(pipeline_root, node, execution.id) if node else []
        )
        for directory in removed:
            shutil.rmtree(directory, ignore_errors=True)
        execution.last_known_state = metadata_store_pb2.Execution.CANCELED
        execution.custom_properties[
            INTERRUPTED_PROPERTY
        ].string_value = "killed before it ended; cancelled by the next run"
        cancelled.append((node or "?", execution.id, removed))
    store.put_executions(running)
    return cancelled
