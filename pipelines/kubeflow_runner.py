"""Compiles the pipeline for Kubeflow Pipelines 2 (open source) and Vertex.

`create_kubeflow_pipeline(...)` builds the same `create_pipeline(...)` the
local runner runs, with run-time parameters, resources and Beam args, and
`compile_pipeline(...)` compiles it with KubeflowV2DagRunner to a YAML file:

- the first document is the bare PipelineSpec that open-source KFP 2 accepts
  (an output name ending `.yaml` gives it; it has no `runtimeConfig`, so the
  pipeline root is given when a run is submitted);
- a second document, when node selectors or tolerations are set, is the
  Kubernetes platform spec in the format kfp-kubernetes writes.

User code is in the images and referenced by import path (Transform's
`preprocessing_fn`, the Trainer's `run_fn`, our tuner's executor class), so
compiling uploads nothing. The AutoKerasTuner (and, if asked, the Trainer)
runs on the GPU image with an accelerator request and CPU/memory limits; the
other components use the CPU image.

`data_root`, `max_trials`, `time_limit_seconds`, `seed`, `epochs` (the
search's, per trial) and `warm_start` (1/0) are run-time parameters of the
compiled pipeline: each run (or recurring run) may set them, and they mean
the same in every stage: the tuner hands its run's `epochs` and `seed` to
the Trainer (`run_parameters` in best_hyperparameters; the final model
trains each trial's seed, and as many epochs as the search's unless the
pipeline was built with other Trainer epochs). The label and feature kinds
are fixed at compile time: they shape the Transform graph and the
evaluation config; so is the input format (it picks the ExampleGen
component).

What `_complete_yaml` adds to what KubeflowV2DagRunner writes, for open-
source KFP 2:
- every container runs `python -m components.kfp_entrypoint` (the inputs
  KFP's driver really sends, `minio://` artifacts through the launcher's
  staging; see that module);
- every task has a `retryPolicy` (the tuner more retries and a longer
  backoff: a preempted GPU node) and `cachingOptions` stating the cache
  off: ExampleGen's driver, which fingerprints the input files, does not
  run on Kubeflow, so a cache hit would miss new data;
- every container has CPU and memory requests and limits, and the Beam
  stages as many DirectRunner workers as their pod's CPU limit (Beam's 0
  would start one per core of the node).
There are no resolver tasks (KFP's Argo compiler refuses them): the warm
start and the baseline come from `components/run_history`.

Also a pipeline file for `tfx pipeline compile --engine vertex
--pipeline_path pipelines/kubeflow_runner.py` (configured by the AKT_*
environment variables that `env_config.py` reads).
"""

import dataclasses
import itertools
import os

import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx import v1 as tfx

from pipelines import deploy_config
from pipelines import env_config
from pipelines import pipeline as pipeline_lib

TUNER_ID = "AutoKerasTuner"
TRAINER_ID = "Trainer"
ENTRYPOINT_COMMAND = ["python", "-m", "components.kfp_entrypoint"]
# The pipeline root is not part of the bare spec: KFP takes it per run.
PIPELINE_ROOT_AT_SUBMIT = "pipeline-root-is-given-when-a-run-is-submitted"
ResourceSpec = pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec


def _default_tolerations():
    # GPU node pools are usually tainted so that only GPU pods land there.
    return [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]


@dataclasses.dataclass
class ClusterSettings:
    """Images, GPU request, limits and node placement on the cluster.

    Args:
        cpu_image: the image of every component not on the GPU.
        gpu_image: the image of the tuner (and of the trainer with
            `trainer_on_gpu`).
        gpu_resource: the Kubernetes resource name of the accelerator.
        gpu_count: accelerators per GPU pod; 0 runs the tuner on CPU (with
            the CPU image).
        trainer_on_gpu: the Trainer gets the same image, request and
            placement as the tuner.
        cpu_limit: vCPUs of a GPU pod.
        memory_limit_gib: memory of a GPU pod, in GiB.
        node_selector: node labels a GPU pod must match, e.g.
            {"cloud.google.com/gke-accelerator": "nvidia-l4"}.
        tolerations: Kubernetes tolerations of a GPU pod (dicts with key,
            operator, value, effect); the default tolerates the usual
            `nvidia.com/gpu` taint.
        task_cpu_limit, task_memory_limit_gib: vCPUs and memory of every
            other pod (the data stages, the Pusher, the run history); the
            Beam stages get as many DirectRunner workers as vCPUs.
        retries: how often a failed task is retried (a lost node, a
            preempted pod), with backoff `retry_backoff_seconds` doubling.
        retry_window_hours: no retry starts later than this after the
            task's first attempt started, and a retry is stopped at that
            moment (Argo's `backoff.maxDuration`, which KFP compiles from
            `backoffMaxDuration`; without one Argo never retries).
        tuner_retries: the same for the tuner, whose retry resumes its
            search where it stopped (`components/autokeras_tuner/resume.py`).
    Requests equal limits: a pod gets what it may use (Guaranteed QoS),
    the last to be evicted when a node runs short.
    """

    cpu_image: str = deploy_config.DEFAULT_CPU_IMAGE
    gpu_image: str = deploy_config.DEFAULT_GPU_IMAGE
    gpu_resource: str = "nvidia.com/gpu"
    gpu_count: int = 1
    trainer_on_gpu: bool = False
    cpu_limit: float = 4
    memory_limit_gib: float = 16
    node_selector: dict = dataclasses.field(default_factory=dict)
    tolerations: list = dataclasses.field(default_factory=_default_tolerations)
    task_cpu_limit: float = 2
    task_memory_limit_gib: float = 8
    retries: int = 2
    tuner_retries: int = 5
    retry_backoff_seconds: int = 60
    retry_window_hours: float = 72

    def __post_init__(self):
        if self.gpu_count < 0:
            raise ValueError(
                f"gpu_count must be 0 or more; received {self.gpu_count}."
            )
        for name in (
            "cpu_limit",
            "memory_limit_gib",
            "task_cpu_limit",
            "task_memory_limit_gib",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(
                    f"{name} must be positive; received {getattr(self, name)}."
                )
        if self.retry_window_hours <= 0:
            raise ValueError(
                "retry_window_hours must be positive; received "
                f"{self.retry_window_hours}."
            )
        for name in ("retries", "tuner_retries", "retry_backoff_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"{name} must be 0 or more; received "
                    f"{getattr(self, name)}."
                )
        for toleration in self.tolerations:
            if not isinstance(toleration, dict) or not (
                toleration.get("key") or toleration.get("operator") == "Exists"
            ):
                raise ValueError(
                    f"Each toleration needs a key (or operator 'Exists'); "
                    f"received {toleration!r}."
                )

    def gpu_component_ids(self):
        return [TUNER_ID, TRAINER_ID] if self.trainer_on_gpu else [TUNER_ID]

    def resource_spec(self):
        """The ResourceSpec of a GPU pod: old and new accelerator fields."""
        resources = _cpu_memory(self.cpu_limit, self.memory_limit_gib)
        if self.gpu_count:
            # `type`/`count` for older KFP backends and Vertex,
            # `resource_type`/`resource_count` for KFP >= 2.3.
            resources.accelerator.type = self.gpu_resource
            resources.accelerator.count = self.gpu_count
            resources.accelerator.resource_type = self.gpu_resource
            resources.accelerator.resource_count = str(self.gpu_count)
        return resources

    def images(self):
        """KubeflowV2DagRunnerConfig's `default_image` map."""
        gpu_image = self.gpu_image if self.gpu_count else self.cpu_image
        images = {"default_image_path": self.cpu_image}
        images.update({c: gpu_image for c in self.gpu_component_ids()})
        return images

    def kubernetes_executor_config(self):
        config = {}
        if self.node_selector:
            config["nodeSelector"] = {"labels": dict(self.node_selector)}
        if self.tolerations and self.gpu_count:
            config["tolerations"] = [dict(t) for t in self.tolerations]
        return config


def _quantity(number):
    return f"{number:g}"


def _cpu_memory(cpu, memory_gib):
    """A ResourceSpec with requests equal to limits, in the old (numbers)
    and the new (Kubernetes quantities) fields."""
    return ResourceSpec(
        cpu_limit=float(cpu),
        memory_limit=float(memory_gib),
        cpu_request=float(cpu),
        memory_request=float(memory_gib),
        resource_cpu_limit=_quantity(cpu),
        resource_memory_limit=_quantity(memory_gib) + "Gi",
        resource_cpu_request=_quantity(cpu),
        resource_memory_request=_quantity(memory_gib) + "Gi",
    )


def direct_runner_workers(beam_pipeline_args, cpu_limit):
    """Beam args with DirectRunner's worker count 0 (one per core of the
    node) replaced by the pod's CPU limit."""
    workers = f"--direct_num_workers={max(1, int(cpu_limit))}"
    return [
        workers if arg == "--direct_num_workers=0" else arg
        for arg in beam_pipeline_args
    ]


def _int_parameter(name, default):
    """An int run-time parameter of the compiled pipeline."""
    return tfx.dsl.experimental.RuntimeParameter(
        name=name, ptype=int, default=default
    )


def create_kubeflow_pipeline(
    pipeline_name,
    data_root,
    transform_config,
    serving_model_dir,
    settings=None,
    history_dir=None,
    beam_pipeline_args=deploy_config.DIRECT_MULTI_PROCESS_ARGS,
    max_trials=10,
    time_limit_seconds=0,
    tuner_epochs=10,
    seed=0,
    warm_start=True,
    **pipeline_args,
):
    """The pipeline with run-time parameters, GPU requests and Beam args.

    Args:
        pipeline_name, transform_config: as `create_pipeline`.
        data_root: the default of the `data_root` run-time parameter; a path
            every pod can read (gs://, s3:// or a mounted volume).
        serving_model_dir: where the Pusher copies blessed models; a path
            every pod can write.
        settings: `ClusterSettings` (None: the defaults).
        history_dir: where runs leave their search and pushed model for
            the next (`components/run_history`); a path every pod can read
            and write, as stable as the serving directory (None:
            `<serving_model_dir>-history`).
        beam_pipeline_args: Beam args of ExampleGen, StatisticsGen,
            Transform and Evaluator (DirectRunner's 0 workers becomes the
            pod's CPU limit).
        max_trials, time_limit_seconds, tuner_epochs, seed, warm_start:
            defaults of the run-time parameters (`epochs` is the search's
            epochs per trial; the warm start is always wired, and a run's
            `warm_start` of 0 makes the tuner ignore it).
        **pipeline_args: any other `create_pipeline` keyword argument.
    """
    settings = settings or ClusterSettings()
    # `epochs` is a run-time parameter: a Trainer compiled with the same
    # epochs as the search follows what the run sets.
    if pipeline_args.get("trainer_epochs", tuner_epochs) == tuner_epochs:
        pipeline_args["trainer_epochs_follow_search"] = True
    data_root_parameter = tfx.dsl.experimental.RuntimeParameter(
        name=deploy_config.DATA_ROOT_PARAMETER, ptype=str, default=data_root
    )
    # The tuner checks their defaults; KFP checks the type a run sets.
    pipeline = pipeline_lib.create_pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=PIPELINE_ROOT_AT_SUBMIT,
        data_root=data_root_parameter,
        transform_config=transform_config,
        serving_model_dir=serving_model_dir,
        history_dir=history_dir,
        max_trials=_int_parameter(
            deploy_config.MAX_TRIALS_PARAMETER, max_trials
        ),
        time_limit_seconds=_int_parameter(
            deploy_config.TIME_LIMIT_PARAMETER, time_limit_seconds
        ),
        tuner_epochs=_int_parameter(
            deploy_config.EPOCHS_PARAMETER, tuner_epochs
        ),
        seed=_int_parameter(deploy_config.SEED_PARAMETER, seed),
        # Always wired: a run's 0 makes the tuner ignore it.
        warm_start=_int_parameter(
            deploy_config.WARM_START_PARAMETER, int(bool(warm_start))
        ),
        beam_pipeline_args=direct_runner_workers(
            list(beam_pipeline_args or []), settings.task_cpu_limit
        ),
        **pipeline_args,
    )
    components = {c.id: c for c in pipeline.components}
    gpu_ids = settings.gpu_component_ids()
    for component_id, component in components.items():
        component.with_platform_config(
            settings.resource_spec()
            if component_id in gpu_ids
            else _cpu_memory(
                settings.task_cpu_limit, settings.task_memory_limit_gib
            )
        )
    return pipeline


def kubernetes_platform_spec(settings, compiled_spec):
    """The kfp-kubernetes platform document for the GPU executors, or None."""
    config = settings.kubernetes_executor_config()
    if not config:
        return None
    tasks = compiled_spec["root"]["dag"]["tasks"]
    executors = {}
    for component_id in settings.gpu_component_ids():
        component_name = tasks[component_id]["componentRef"]["name"]
        label = compiled_spec["components"][component_name]["executorLabel"]
        executors[label] = config
    return {
        "platforms": {
            "kubernetes": {"deploymentSpec": {"executors": executors}}
        }
    }


def _duration(seconds):
    return f"{int(seconds)}s"


def retry_policy(settings, component_id):
    """The task's PipelineTaskSpec.RetryPolicy (as compiled JSON)."""
    retries = (
        settings.tuner_retries
        if component_id == TUNER_ID
        else settings.retries
    )
    backoff = settings.retry_backoff_seconds
    if component_id == TUNER_ID:
        backoff *= 2  # a replacement GPU node takes longest
    return {
        "maxRetryCount": retries,
        "backoffDuration": _duration(backoff),
        # Argo takes whole factors only (1.5 is an error).
        "backoffFactor": 2.0,
        # Argo measures it from the FIRST attempt's start and kills a retry
        # at that moment: the whole window a task may take, retries
        # included, not a cap on one backoff.
        "backoffMaxDuration": _duration(settings.retry_window_hours * 3600),
    }


def complete_tasks(spec, settings):
    """Our entrypoint, resources, retries and the cache on every task."""
    task_resources = json_format.MessageToDict(
        _cpu_memory(settings.task_cpu_limit, settings.task_memory_limit_gib)
    )
    for executor in spec["deploymentSpec"]["executors"].values():
        if "container" in executor:
            executor["container"]["command"] = list(ENTRYPOINT_COMMAND)
            # The ExampleGen's container is built apart from the others
            # by TFX's compiler, which drops its platform config.
            executor["container"].setdefault("resources", task_resources)
    for task_id, task in spec["root"]["dag"]["tasks"].items():
        task["retryPolicy"] = retry_policy(settings, task_id)
        task["cachingOptions"] = {"enableCache": False}


def _runtime_parameter_defaults(pipeline):
    defaults = {}
    for component in pipeline.components:
        for value in component.exec_properties.values():
            if isinstance(value, tfx.dsl.experimental.RuntimeParameter):
                defaults[value.name] = value.default
    return defaults


def _complete_yaml(path, pipeline, settings):
    """Adds parameter defaults and the Kubernetes platform document.

    The bare spec drops `runtimeConfig`, which is where the runner puts the
    defaults; KFP 2 reads them from the root's input definitions instead, so
    a run that sets no parameter still gets them.
    """
    with open(path) as f:
        text = f.read()
    header = "".join(
        itertools.takewhile(
            lambda line: line.startswith("#"), text.splitlines(True)
        )
    )
    spec = yaml.safe_load(text)
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    for name, default in _runtime_parameter_defaults(pipeline).items():
        parameters[name]["defaultValue"] = default
        parameters[name]["isOptional"] = True
    complete_tasks(spec, settings)
    documents = [spec]
    platform = kubernetes_platform_spec(settings, spec)
    if platform is not None:
        documents.append(platform)
    with open(path, "w") as f:
        f.write(header)
        yaml.safe_dump_all(documents, f, sort_keys=True)


def compile_pipeline(output_path, pipeline, settings=None):
    """Writes the pipeline's YAML for KFP 2 and returns its path.

    Args:
        output_path: a file name ending in `.yaml` (the bare PipelineSpec
            open-source KFP takes; `.json` would give Vertex's PipelineJob).
        pipeline: from `create_kubeflow_pipeline`.
        settings: the `ClusterSettings` the pipeline was made with.
    """
    if not output_path.endswith((".yaml", ".yml")):
        raise ValueError(
            f"The output file must end in .yaml (the PipelineSpec KFP 2 "
            f"accepts); received {output_path!r}."
        )
    settings = settings or ClusterSettings()
    output_path = os.path.abspath(output_path)
    runner = tfx.orchestration.experimental.KubeflowV2DagRunner(
        config=tfx.orchestration.experimental.KubeflowV2DagRunnerConfig(
            default_image=settings.images(),
            # Schema 2.1: what the KFP 2 SDK writes and the backend expects.
            use_pipeline_spec_2_1=True,
        ),
        output_dir=os.path.dirname(output_path),
        output_filename=os.path.basename(output_path),
    )
    if os.path.isfile(output_path):
        os.remove(output_path)  # so that a stale file is never rewritten
    runner.run(pipeline)
    # `tfx pipeline create --engine vertex` redirects the runner's output to
    # its own JSON file; then there is nothing of ours to complete.
    if os.path.isfile(output_path):
        _complete_yaml(output_path, pipeline, settings)
    return output_path


def settings_from_env():
    """ClusterSettings from AKT_CPU_IMAGE, AKT_GPU_IMAGE, AKT_GPU_COUNT, ...
    (read in `env_config.py`)."""
    return ClusterSettings(**env_config.cluster_overrides())


def pipeline_from_env():
    """The pipeline `tfx pipeline compile --engine vertex` sees."""
    return create_kubeflow_pipeline(
        pipeline_name=env_config.pipeline_name(),
        data_root=env_config.data_root(default="/data"),
        transform_config=env_config.transform_config(),
        serving_model_dir=env_config.serving_model_dir(),
        settings=settings_from_env(),
        beam_pipeline_args=env_config.beam_args(
            deploy_config.DIRECT_MULTI_PROCESS_ARGS
        ),
        **env_config.search_args(),
    )


if __name__ == "__main__":
    compile_pipeline(
        env_config.pipeline_file(),
        pipeline_from_env(),
        settings_from_env(),
    )
