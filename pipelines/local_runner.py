"""Runs the pipeline locally: LocalDagRunner with SQLite ML Metadata.

The embedded default. Used by `autokeras-tfx run`, and a valid file for
`tfx pipeline create --engine local --pipeline_path pipelines/local_runner.py`
(then configured through the AKT_* environment variables, read in
`env_config.py`).
"""

import hashlib
import json
import os
import re
import time

from tfx import v1 as tfx

from pipelines import env_config
from pipelines import pipeline as pipeline_lib
from pipelines.preflight import run_checks

# Written into an output directory by every run: the directory is ours.
# Defined with the CLI's checks, which read it without importing TFX.
OUTPUT_MARKER = run_checks.OUTPUT_MARKER
# What a pipeline directory was made for (label, task, columns).
IDENTITY_FILE = "identity.json"


class RunIdentityError(ValueError):
    """The output directory holds another dataset's runs under this name."""


def local_paths(output_dir, pipeline_name):
    """Where a local run keeps artifacts, metadata and pushed models.

    Each pipeline has its own directory, ML Metadata store and run history
    (the Evaluator's baseline and the tuner's warm start come from it), so
    a run only ever sees earlier runs of the same pipeline. A name that
    would lead outside `output_dir` (`../x`, `a/b`, an absolute path) is
    refused here, before any of these is made.
    """
    pipeline_dir = run_checks.pipeline_dir(output_dir, pipeline_name)
    return {
        "pipeline_dir": pipeline_dir,
        "pipeline_root": os.path.join(pipeline_dir, "pipeline_root"),
        "metadata_path": os.path.join(pipeline_dir, "metadata.sqlite"),
        "serving_model_dir": os.path.join(pipeline_dir, "serving_model"),
        "history_dir": os.path.join(pipeline_dir, "history"),
    }


def run_identity(label, task, columns):
    """What makes two runs comparable: the label, the task, the columns."""
    return {"label": label, "task": task, "columns": sorted(columns or [])}


def default_pipeline_name(identity):
    """`<label>-<task>-<hash of the identity>`: a new dataset (other
    columns, label or task) gets a new pipeline, the same one its own."""
    slug = re.sub(r"[^a-z0-9]+", "-", identity["label"].lower()).strip("-")
    digest = hashlib.sha256(
        json.dumps(identity, sort_keys=True).encode("utf-8")
    ).hexdigest()[:8]
    # A multi-task run's labels and tasks are joined by ",".
    task = re.sub(r"[^a-z0-9]+", "-", identity["task"]).strip("-")
    return f"{slug or 'label'}-{task}-{digest}"


def claim_pipeline_dir(output_dir, pipeline_name, identity):
    """Marks the output directory as ours and checks that the pipeline's
    earlier runs (if any) were made for the same data.

    Returns:
        True when the pipeline has earlier runs (warm start and baseline
        come from them), False for a first run.
    """
    paths = local_paths(output_dir, pipeline_name)
    os.makedirs(paths["pipeline_dir"], exist_ok=True)
    open(os.path.join(os.path.abspath(output_dir), OUTPUT_MARKER), "a").close()
    identity_path = os.path.join(paths["pipeline_dir"], IDENTITY_FILE)
    if not os.path.exists(identity_path):
        with open(identity_path, "w") as f:
            json.dump(identity, f, indent=1)
        return False
    with open(identity_path) as f:
        earlier = json.load(f)
    if earlier != identity:
        raise RunIdentityError(
            f"Pipeline {pipeline_name!r} in {output_dir} was made for label "
            f"{earlier['label']!r} ({earlier['task']}) with columns "
            f"{earlier['columns']}; this run has label {identity['label']!r} "
            f"({identity['task']}) with columns {identity['columns']}. Its "
            "earlier models and search results do not apply: pass another "
            "--pipeline-name, or leave --pipeline-name out to get one named "
            "after this data."
        )
    return os.path.exists(paths["metadata_path"])


def create_local_pipeline(
    data_root, transform_config, output_dir, pipeline_name, **search_args
):
    """`create_pipeline` at the `local_paths` of `pipeline_name`, with
    SQLite metadata and the execution cache on.

    `search_args` are any other `create_pipeline` keyword arguments.
    """
    paths = local_paths(output_dir, pipeline_name)
    return pipeline_lib.create_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=paths["pipeline_root"],
        data_root=os.path.abspath(data_root),
        transform_config=transform_config,
        serving_model_dir=paths["serving_model_dir"],
        history_dir=paths["history_dir"],
        # Unique per run: the cache below must not reuse an old lookup.
        run_id=f"local-{time.time_ns()}-{os.getpid()}",
        # A rerun after a kill reuses the finished stages before the tuner
        # (same inputs, same parameters); the tuner continues its search.
        enable_cache=True,
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(
                paths["metadata_path"]
            )
        ),
        **search_args,
    )


def run(pipeline):
    """Runs `pipeline` in this process with TFX's LocalDagRunner."""
    tfx.orchestration.LocalDagRunner().run(pipeline)


def pipeline_from_env():
    """The pipeline the `tfx` CLI sees; defaults to the bundled taxi demo."""
    return create_local_pipeline(
        data_root=env_config.data_root(),
        transform_config=env_config.transform_config(),
        output_dir=env_config.output_dir(),
        pipeline_name=env_config.pipeline_name(),
        **env_config.search_args(),
    )


if __name__ == "__main__":
    run(pipeline_from_env())
