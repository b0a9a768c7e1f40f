"""The one reader of the AKT_* environment variables.

The `tfx` CLI imports a pipeline file and takes its module-level pipeline, so
the runner files (`local_runner.py`, `beam_runner.py`, `kubeflow_runner.py`)
are configured through the environment, not flags. Every variable is read
here, with its default, so that the three runners agree:

  AKT_DATA_ROOT          raw data (default: the bundled taxi sample; /data
                         on Kubeflow)
  AKT_LABEL, AKT_TASK    the label column and task (default: the demo's)
  AKT_CATEGORICAL, AKT_TEXT, AKT_EXCLUDE   comma-separated column lists
  AKT_MAX_TRIALS, AKT_TIME_LIMIT, AKT_EPOCHS   the search budget
  AKT_OUTPUT_DIR         local runs' output directory (default: output)
  AKT_PIPELINE_NAME      default: autokeras-tfx
  AKT_BEAM_ARGS          space-separated Beam args of the data stages
  AKT_SERVING_MODEL_DIR, AKT_PIPELINE_FILE   Kubeflow's push target and YAML
  AKT_CPU_IMAGE, AKT_GPU_IMAGE, AKT_GPU_COUNT, AKT_TRAINER_ON_GPU,
  AKT_NODE_SELECTOR      Kubeflow's cluster settings (LABEL=VALUE,...)
  AKT_RUNTIME            set by `./dev`: the runtime this process runs in

Reading is done when a function is called, never at import time.
"""

import os

from components.util import feature_kinds
from pipelines import sample_data

DEFAULT_PIPELINE_NAME = "autokeras-tfx"


def _get(name, default=None):
    return os.environ.get(name, default)


def list_env(name):
    """A comma-separated variable as a list ([] when unset)."""
    return [v for v in _get(name, "").split(",") if v]


def transform_config():
    """The TransformConfig from AKT_LABEL, AKT_TASK, AKT_CATEGORICAL, ..."""
    return feature_kinds.TransformConfig(
        label=_get("AKT_LABEL", sample_data.DEMO_LABEL),
        task=_get("AKT_TASK", sample_data.DEMO_TASK),
        categorical_features=list_env("AKT_CATEGORICAL"),
        text_features=list_env("AKT_TEXT"),
        exclude_features=list_env("AKT_EXCLUDE"),
    )


def search_args():
    """The search budget from AKT_MAX_TRIALS, AKT_TIME_LIMIT, AKT_EPOCHS."""
    epochs = int(_get("AKT_EPOCHS", "10"))
    return {
        "max_trials": int(_get("AKT_MAX_TRIALS", "10")),
        "time_limit_seconds": int(_get("AKT_TIME_LIMIT", "0")),
        "tuner_epochs": epochs,
        "trainer_epochs": epochs,
    }


def data_root(default=None):
    """AKT_DATA_ROOT; else `default`, else the bundled taxi sample."""
    value = _get("AKT_DATA_ROOT") or default
    return value or sample_data.demo_data_dir()


def output_dir():
    return _get("AKT_OUTPUT_DIR", "output")


def pipeline_name():
    return _get("AKT_PIPELINE_NAME", DEFAULT_PIPELINE_NAME)


def beam_args(default):
    """AKT_BEAM_ARGS split on spaces, else a copy of `default`."""
    value = _get("AKT_BEAM_ARGS")
    return value.split() if value is not None else list(default)


def serving_model_dir():
    return _get("AKT_SERVING_MODEL_DIR", "/serving_model")


def pipeline_file():
    return _get("AKT_PIPELINE_FILE", "autokeras-tfx.yaml")


def in_dev_runtime():
    """Whether this runs inside `./dev` (which sets AKT_RUNTIME): then the
    commands a run suggests are prefixed with `./dev`."""
    return bool(_get("AKT_RUNTIME"))


def cluster_overrides():
    """The `ClusterSettings` fields the environment sets (only those)."""
    overrides = {}
    for field, name in (
        ("cpu_image", "AKT_CPU_IMAGE"),
        ("gpu_image", "AKT_GPU_IMAGE"),
    ):
        if _get(name) is not None:
            overrides[field] = _get(name)
    if _get("AKT_GPU_COUNT") is not None:
        overrides["gpu_count"] = int(_get("AKT_GPU_COUNT"))
    overrides["trainer_on_gpu"] = _get("AKT_TRAINER_ON_GPU") == "1"
    overrides["node_selector"] = dict(
        item.split("=", 1) for item in list_env("AKT_NODE_SELECTOR")
    )
    return overrides
