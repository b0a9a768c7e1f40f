"""Runs the pipeline locally: LocalDagRunner with SQLite ML Metadata.

The embedded default. Used by `autokeras-tfx run`, and a valid file for
`tfx pipeline create --engine local --pipeline_path pipelines/local_runner.py`
(then configured through the AKT_* environment variables below).
"""

import os

from tfx import v1 as tfx

from components import feature_kinds
from pipelines import pipeline as pipeline_lib
from pipelines import sample_data


def local_paths(output_dir, pipeline_name):
    """Where a local run keeps artifacts, metadata and pushed models."""
    output_dir = os.path.abspath(output_dir)
    return {
        "pipeline_root": os.path.join(output_dir, "pipeline_root"),
        "metadata_path": os.path.join(output_dir, "metadata.sqlite"),
        "serving_model_dir": os.path.join(output_dir, "serving_model"),
    }


def create_local_pipeline(
    data_root, transform_config, output_dir, pipeline_name, **search_args
):
    paths = local_paths(output_dir, pipeline_name)
    return pipeline_lib.create_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=paths["pipeline_root"],
        data_root=os.path.abspath(data_root),
        transform_config=transform_config,
        serving_model_dir=paths["serving_model_dir"],
        metadata_connection_config=(
            tfx.orchestration.metadata.sqlite_metadata_connection_config(
                paths["metadata_path"]
            )
        ),
        **search_args,
    )


def run(pipeline):
    tfx.orchestration.LocalDagRunner().run(pipeline)


def list_env(name):
    return [v for v in os.environ.get(name, "").split(",") if v]


def transform_config_from_env():
    """The TransformConfig from AKT_LABEL, AKT_TASK, AKT_CATEGORICAL, ..."""
    return feature_kinds.TransformConfig(
        label=os.environ.get("AKT_LABEL", sample_data.DEMO_LABEL),
        task=os.environ.get("AKT_TASK", sample_data.DEMO_TASK),
        categorical_features=list_env("AKT_CATEGORICAL"),
        text_features=list_env("AKT_TEXT"),
        exclude_features=list_env("AKT_EXCLUDE"),
    )


def search_args_from_env():
    """The search budget from AKT_MAX_TRIALS, AKT_TIME_LIMIT, AKT_EPOCHS."""
    epochs = int(os.environ.get("AKT_EPOCHS", "10"))
    return {
        "max_trials": int(os.environ.get("AKT_MAX_TRIALS", "10")),
        "time_limit_seconds": int(os.environ.get("AKT_TIME_LIMIT", "0")),
        "tuner_epochs": epochs,
        "trainer_epochs": epochs,
    }


def pipeline_from_env():
    """The pipeline the `tfx` CLI sees; defaults to the bundled taxi demo."""
    return create_local_pipeline(
        data_root=os.environ.get("AKT_DATA_ROOT")
        or sample_data.demo_data_dir(),
        transform_config=transform_config_from_env(),
        output_dir=os.environ.get("AKT_OUTPUT_DIR", "output"),
        pipeline_name=os.environ.get("AKT_PIPELINE_NAME", "autokeras-tfx"),
        **search_args_from_env(),
    )


if __name__ == "__main__":
    run(pipeline_from_env())
