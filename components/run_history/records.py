"""The records under `history_dir`, one folder per scope.

`<history_dir>/<scope key>/`:
- `search_results.json`: a copy of the latest finished search's record
  (what the tuner's warm start reads);
- `search.json`: where that search came from and when;
- `pushed_model.json`: the latest pushed model's serving directory and the
  columns (name and kind) it was trained on.

A scope is `<pipeline>/<label>/<task>` (`pipeline.pipeline_scope`): a pipeline
recompiled for another label or task reads none of its old records, and two
pipelines sharing a directory never read each other's.
"""

import hashlib
import os
import posixpath
import re
import time

from components.autokeras_tuner import spec as tuner_spec
from search_space import storage

SEARCH_RESULTS_FILE = tuner_spec.SEARCH_RESULTS_FILE
SEARCH_RECORD = "search.json"
PUSH_RECORD = "pushed_model.json"


def scope_dir(history_dir, scope):
    """The folder of one scope: readable slug + hash (the slug alone could
    make two scopes one)."""
    if not history_dir:
        raise ValueError(
            "history_dir is empty: the run history needs a "
            "directory every run of the pipeline can open."
        )
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", scope).strip("-")[:80]
    digest = hashlib.sha256(scope.encode("utf-8")).hexdigest()[:10]
    return _join(history_dir, f"{slug}-{digest}")


def _join(base, *parts):
    # URIs (gs://...) join with "/"; os.path is right for local paths only.
    join = posixpath.join if "://" in base else os.path.join
    return join(base, *parts)


def write_search(folder, search_results, source_uri, run_id):
    """Records a finished search (its `search_results.json` content)."""
    storage.write_json_atomically(
        _join(folder, SEARCH_RESULTS_FILE), search_results
    )
    storage.write_json_atomically(
        _join(folder, SEARCH_RECORD),
        {
            "tuner_results_uri": source_uri,
            "run_id": run_id,
            "recorded_at": time.time(),
        },
    )


def read_search(folder):
    """(search_results dict, record dict), or (None, None) before any."""
    path = _join(folder, SEARCH_RESULTS_FILE)
    if not storage.exists(path):
        return None, None
    return storage.read_json(path), storage.read_json(
        _join(folder, SEARCH_RECORD)
    )


def write_push(folder, pushed_destination, columns, model_uri, run_id):
    storage.write_json_atomically(
        _join(folder, PUSH_RECORD),
        {
            "pushed_destination": pushed_destination,
            "columns": columns,
            "model_uri": model_uri,
            "run_id": run_id,
            "recorded_at": time.time(),
        },
    )


def read_push(folder):
    """The latest push record, or None."""
    record = storage.read_json(_join(folder, PUSH_RECORD))
    return record or None


def incompatible_columns(baseline_columns, current_columns):
    """Columns the baseline model reads that this run lacks or reads as
    another kind ([] when it can be evaluated on this run's data)."""
    current = {c["name"]: c["kind"] for c in current_columns}
    return [
        f"{c['name']} ({c['kind']}"
        + (
            f", now {current[c['name']]})"
            if c["name"] in current
            else ", now absent)"
        )
        for c in baseline_columns
        if current.get(c["name"]) != c["kind"]
    ]
