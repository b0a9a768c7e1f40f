"""Continuing an interrupted search, in a retried pod or a new run.

The search state (keras-tuner's trials and oracle, the TensorBoard logs)
lives under the tuner's `tuner_results` output while it runs. That is not
enough on its own: a new execution (a local rerun after a kill, a new
Kubeflow run after a failed one) gets a new output URI, and on a
`minio://` pipeline root the output is a folder of the pod that KFP
uploads only after success, so a retried pod starts without it. So each
execution (`run.run`) keeps a durable copy of the state, saved as each
trial starts and ends (`save_progress`), under a folder named by the search's fingerprint:
in the pipeline's run history (`<history_dir>/<scope>/searches/<digest>/`)
when the pipeline has one, else beside the outputs (`.resume/<digest>/`).
An execution whose own output holds no state yet copies that state in and
continues it (`continue_interrupted`). A finished search keeps its copy in
the run history until the run ends (`keep_until_recorded`; the
RunHistoryRecorder drops it, `drop_recorded_copy`), so a run killed after
the search but before the end reuses the finished search instead of
searching again; beside the outputs, a finished search removes it.

The fingerprint covers everything a search depends on, by content, so
that another run on the same data finds it: every execution property
(budget, seed, epochs, label and feature kinds) and every input artifact:
the curated schema by its features in name order (SchemaGen's order
follows the statistics', which changes run to run; the schema holds a
digest of the raw rows, `feature_kinds.DATA_DIGEST_TAG`), the transform
graph by its metadata (schemas likewise) and vocabularies (its protos
embed names that change run to run), the transformed examples by their
rows per split (their floats differ in the last bits from run to run: Beam
sums in its order), the warm start by its record.
New data makes new Transform outputs, another feature set another schema,
another earlier search another warm start: each gives another
fingerprint, so an old search is never continued by mistake.
"""

import hashlib
import json
import logging
import os
import posixpath

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2
from tfx.dsl.io import fileio
from tfx.utils import io_utils

from components.autokeras_tuner import spec
from components.util import feature_kinds
from search_space import storage

LOGGER = logging.getLogger(__name__)
RESUME_DIR = ".resume"
SEARCHES_DIR = "searches"
# In tuner_results: which durable copy the run's recorder drops at the end.
COPY_RECORD = "durable_copy.json"
# Inputs identified by their records, whatever the sharding.
RECORD_INPUTS = ("examples",)
# The warm start, by the one record the tuner reads of it.
WARM_START_INPUTS = ("warmup",)
# The TransformGraph, by its metadata and assets (vocabularies).
GRAPH_INPUTS = ("transform_graph",)
GRAPH_PROTOS = (
    "transform_fn/saved_model.pb",
    "transform_fn/fingerprint.pb",
    "transform_fn/variables",
)
# Rewritten in place as the search goes (same size, new bytes): always
# copied when the state is saved; other files when new or resized.
ALWAYS_COPIED_SUFFIXES = (".json",)
SCHEMA_FILE = "schema.pbtxt"


def _join(base, *parts):
    # URIs may be gs:// etc.; os.path.join is right for local paths only.
    join = os.path.join if "://" not in base else posixpath.join
    return join(base, *parts)


def _files(uri):
    """[(relative path, size)] of every file under `uri`, sorted."""
    if not fileio.exists(uri):
        return []
    if not fileio.isdir(uri):
        return [("", fileio.stat(uri).length)]
    listed = []
    for directory, _, files in fileio.walk(uri):
        directory = (
            directory.decode() if isinstance(directory, bytes) else (directory)
        )
        for name in files:
            name = name.decode() if isinstance(name, bytes) else name
            path = _join(directory, name)
            relative = path[len(uri.rstrip("/")) + 1 :]
            listed.append((relative, fileio.stat(path).length))
    return sorted(listed)


def _record_counts(uri):
    """Rows per split (Transform's records themselves differ in the last
    bits of their floats from run to run; the rows' identity is in the
    curated schema, `feature_kinds.DATA_DIGEST_TAG`)."""
    from components.util import (
        transformed_data as data,  # TensorFlow: only once a search starts
    )

    return {
        split: digest[0] for split, digest in data.records_digest(uri).items()
    }


def _content(uri, skip=()):
    """A digest of the files under `uri`, bar those whose relative path
    starts with one of `skip`; a JSON file by its content, whatever the
    order of its keys (TFT's `asset_map` varies)."""
    digest = hashlib.sha256()
    for relative, _ in _files(uri):
        if relative.startswith(skip):
            continue
        digest.update(relative.encode("utf-8"))
        with fileio.open(_join(uri, relative) if relative else uri, "rb") as f:
            data = f.read()
        if (relative or uri).endswith(SCHEMA_FILE):
            data = _canonical_schema(data)
        else:
            try:
                data = json.dumps(json.loads(data), sort_keys=True).encode()
            except ValueError:  # not JSON: its bytes
                pass
        digest.update(data)
    return digest.hexdigest()


# Column-table fields that describe the data rather than decide anything.
MOMENTS = ("mean", "std")


def _canonical_schema(data):
    """A Schema's bytes with its features (and the column table) in name
    order: SchemaGen lists them in the statistics' order, which changes
    from run to run. The label's moments are left out of the table: they
    are StatisticsGen's float sums, whose last bits may follow Beam's order,
    and the rows they come from are in the fingerprint already."""
    schema = text_format.Parse(data.decode("utf-8"), schema_pb2.Schema())
    for field in (schema.feature, schema.sparse_feature):
        ordered = sorted(field, key=lambda f: f.name)
        copies = [type(f)() for f in ordered]
        for copy, feature in zip(copies, ordered):
            copy.CopyFrom(feature)
        del field[:]
        field.extend(copies)
    tags = list(schema.annotation.tag)
    del schema.annotation.tag[:]
    for tag in tags:
        if tag.startswith(feature_kinds.COLUMN_TABLE_TAG):
            table = [
                {k: v for k, v in column.items() if k not in MOMENTS}
                for column in json.loads(
                    tag[len(feature_kinds.COLUMN_TABLE_TAG) :]
                )
            ]
            tag = feature_kinds.COLUMN_TABLE_TAG + json.dumps(
                sorted(table, key=lambda c: c["name"]), sort_keys=True
            )
        schema.annotation.tag.append(tag)
    return schema.SerializeToString(deterministic=True)


def _describe(key, artifact):
    """What an input is, by content: not its URI nor its MLMD id, so that
    another run's copy of the same data is the same input."""
    if key in RECORD_INPUTS:
        return {
            "type": artifact.type_name,
            "records": _record_counts(artifact.uri),
        }
    if key in GRAPH_INPUTS:
        # The graph's own protos embed names that change run to run; its
        # metadata and vocabularies, with the transformed records, are
        # what it does.
        return {
            "type": artifact.type_name,
            "content": _content(artifact.uri, skip=GRAPH_PROTOS),
        }
    if key in WARM_START_INPUTS:
        # All the tuner reads of it (`search.read_warm_start`).
        record = _join(artifact.uri, spec.SEARCH_RESULTS_FILE)
        return {
            "type": artifact.type_name,
            "content": _content(record) if fileio.exists(record) else None,
        }
    return {"type": artifact.type_name, "content": _content(artifact.uri)}


def fingerprint(input_dict, exec_properties):
    """A hex digest of the search's inputs and parameters."""
    described = {
        "exec_properties": {
            k: exec_properties[k] for k in sorted(exec_properties)
        },
        "inputs": {
            key: [_describe(key, a) for a in input_dict[key] or []]
            for key in sorted(input_dict)
        },
    }
    text = json.dumps(described, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def saved_state_dir(results_uri, digest, history_folder=None):
    """Where the durable copy of the search with fingerprint `digest` is
    kept (`history_folder`: the scope's folder in the run history)."""
    if history_folder:
        return _join(history_folder, SEARCHES_DIR, digest)
    parent = posixpath.dirname(results_uri.rstrip("/"))
    return _join(parent, RESUME_DIR, digest)


def _has_state(uri, state_dirs):
    return any(fileio.exists(_join(uri, d)) for d in state_dirs)


def continue_interrupted(results_uri, saved, state_dirs):
    """Copies the saved state of an interrupted search into `results_uri`
    when there is one and `results_uri` has no search of its own yet (a
    retried pod on a store it writes directly keeps its own).

    Args:
        results_uri: this execution's tuner_results URI.
        saved: `saved_state_dir(...)` of this search.
        state_dirs: the sub-directories holding the search's state (e.g.
            the search and TensorBoard logs), relative to a results URI.

    Returns:
        `saved` when its state was copied in, else None.
    """
    if _has_state(results_uri, state_dirs) or not _has_state(
        saved, state_dirs
    ):
        return None
    for name in state_dirs:
        source = _join(saved, name)
        if fileio.exists(source):
            # Into a directory that does not exist yet (`_has_state`).
            io_utils.copy_dir(source, _join(results_uri, name))
    LOGGER.info(
        "Continuing the interrupted search saved in %s (same inputs and "
        "parameters).",
        saved,
    )
    return saved


def save_progress(results_uri, saved, state_dirs):
    """Brings the durable copy `saved` up to the state under
    `results_uri`."""
    for name in state_dirs:
        source = _join(results_uri, name)
        if fileio.exists(source):
            _sync_tree(source, _join(saved, name))


def finished(saved):
    """The search is complete: nothing to continue for its fingerprint."""
    if fileio.exists(saved):
        fileio.rmtree(saved)


def keep_until_recorded(results_uri, saved):
    """The search is complete; its copy stays until the run is recorded:
    `results_uri` names it for `drop_recorded_copy`."""
    storage.write_json_atomically(
        _join(results_uri, COPY_RECORD), {"path": saved}
    )


def drop_recorded_copy(results_uri):
    """Removes the durable copy a finished search kept (the run is over:
    nothing is left to reuse); returns its path, or None."""
    record = storage.read_json(_join(results_uri, COPY_RECORD), {})
    saved = record.get("path")
    if not saved:
        return None
    finished(saved)
    return saved


def _sync_tree(source, destination):
    """Brings `destination` up to `source`, file by file: JSON files always
    (`ALWAYS_COPIED_SUFFIXES`, each written atomically, so the copy never
    holds half a record), other files when new or of another size.

    Not `io_utils.copy_dir`: it deletes `destination` first, so a kill
    while it copies would lose the durable copy, and it copies everything
    after every trial."""
    for directory, _, files in fileio.walk(source):
        directory = (
            directory.decode() if isinstance(directory, bytes) else (directory)
        )
        relative = directory[len(source.rstrip("/")) :].lstrip("/")
        target = _join(destination, relative) if relative else destination
        fileio.makedirs(target)
        for name in files:
            name = name.decode() if isinstance(name, bytes) else name
            source_file, target_file = (
                _join(directory, name),
                _join(target, name),
            )
            if name.endswith(ALWAYS_COPIED_SUFFIXES):
                with fileio.open(source_file) as f:
                    storage.write_text_atomically(target_file, f.read())
                continue
            if (
                fileio.exists(target_file)
                and fileio.stat(target_file).length
                == fileio.stat(source_file).length
            ):
                continue
            fileio.copy(source_file, target_file, overwrite=True)
