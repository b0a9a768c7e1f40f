"""Finding an interrupted search again when a rerun gets a new output URI.

A KFP pod retry runs the same execution (same `tuner_results` URI), so the
search state under that URI is enough. A local rerun of the same command is
a new execution with a new URI: the executor keeps, beside its outputs, an
index `.resume/<fingerprint>.json` naming the URI of the unfinished search
for that fingerprint, and a new execution with the same fingerprint copies
that search's state into its own URI and continues it.

The fingerprint covers everything a search depends on: every execution
property (budget, seed, epochs, label and feature kinds) and every input
artifact (URI, MLMD id, creation time, and the names and sizes of its
files; the warm start, a fresh copy each run, by its content). New data
makes new Transform outputs, another feature set another hyperparameter
space in another schema, another earlier search another warm start: each
gives another fingerprint, so an old search is never continued by
mistake. A finished search removes its entry.
"""

import hashlib
import json
import logging
import os
import posixpath

from tfx.dsl.io import fileio

LOGGER = logging.getLogger(__name__)
RESUME_DIR = ".resume"
# Inputs whose files are listed in the fingerprint (the warm start's
# results are identified by URI and id: listing every trial is slow).
LISTED_INPUTS = ("examples", "transform_graph", "schema")
# Inputs identified by their files' content, not by URI and id.
CONTENT_INPUTS = ("warmup",)


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
        directory = directory.decode() if isinstance(directory, bytes) else (
            directory
        )
        for name in files:
            name = name.decode() if isinstance(name, bytes) else name
            path = _join(directory, name)
            relative = path[len(uri.rstrip("/")) + 1:]
            listed.append((relative, fileio.stat(path).length))
    return sorted(listed)


def _content(uri):
    """A digest of every file under `uri` (small: the warm start's one
    record)."""
    digest = hashlib.sha256()
    for relative, _ in _files(uri):
        digest.update(relative.encode("utf-8"))
        with fileio.open(_join(uri, relative) if relative else uri, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def _describe(key, artifact):
    if key in CONTENT_INPUTS:
        # A new artifact every run (the run-history lookup's copy): the
        # same earlier search is the same warm start.
        return {"type": artifact.type_name, "content": _content(artifact.uri)}
    mlmd = artifact.mlmd_artifact
    return {
        "type": artifact.type_name,
        "uri": artifact.uri,
        "id": artifact.id,
        "created": mlmd.create_time_since_epoch,
        "files": _files(artifact.uri) if key in LISTED_INPUTS else None,
    }


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


def _index_path(results_uri, digest):
    parent = posixpath.dirname(results_uri.rstrip("/"))
    return _join(parent, RESUME_DIR, f"{digest}.json")


def continue_interrupted(results_uri, digest, state_dirs):
    """Copies an interrupted search with this fingerprint into
    `results_uri` (when there is one elsewhere and `results_uri` has no
    search of its own yet), then records `results_uri` as the search in
    progress.

    Args:
        results_uri: this execution's tuner_results URI.
        digest: `fingerprint(...)` of this execution.
        state_dirs: the sub-directories holding the search's state (e.g.
            the search and TensorBoard logs), relative to a results URI.

    Returns:
        The URI the state was copied from, or None.
    """
    index = _index_path(results_uri, digest)
    earlier = None
    if fileio.exists(index):
        with fileio.open(index, "r") as f:
            earlier = json.load(f).get("results_uri")
    copied_from = None
    has_own = any(fileio.exists(_join(results_uri, d)) for d in state_dirs)
    if earlier and earlier != results_uri and not has_own:
        for name in state_dirs:
            source = _join(earlier, name)
            if fileio.exists(source):
                _copy_tree(source, _join(results_uri, name))
        copied_from = earlier
        LOGGER.info(
            "Continuing the interrupted search of %s (same inputs and "
            "parameters).", earlier,
        )
    fileio.makedirs(posixpath.dirname(index))
    # Written before any trial runs: a kill from here on is found again.
    temporary = index + ".tmp"
    with fileio.open(temporary, "w") as f:
        json.dump({"results_uri": results_uri}, f)
    fileio.rename(temporary, index, overwrite=True)
    return copied_from


def finished(results_uri, digest):
    """The search is complete: nothing to continue for this fingerprint."""
    index = _index_path(results_uri, digest)
    if fileio.exists(index):
        fileio.remove(index)


def _copy_tree(source, destination):
    for directory, _, files in fileio.walk(source):
        directory = directory.decode() if isinstance(directory, bytes) else (
            directory
        )
        relative = directory[len(source.rstrip("/")):].lstrip("/")
        target = _join(destination, relative) if relative else destination
        fileio.makedirs(target)
        for name in files:
            name = name.decode() if isinstance(name, bytes) else name
            fileio.copy(
                _join(directory, name), _join(target, name), overwrite=True
            )
