"""Our compiled YAML through the real KFP API server's compile to Argo.

Open-source KFP compiles every run and recurring run of a pipeline into an
Argo Workflow when it is created, in Go: a spec the compiler refuses is
refused at `run` / `schedule` time ("Failed to compile job"), not at upload.
`kfp-argo-compile` (tests/helpers/kfp_go, built by ./dev, see its main.go) runs that
Go code of KFP 2.14.3 (template/v2_template.go, v2/compiler/argocompiler and
Argo's workflow validation), not a re-implementation of it.

What the Workflow holds and what it does not: the compiler hands every task's
container spec (image, command, resources) and Kubernetes config (node
selector, tolerations) to KFP's driver as workflow arguments; the driver
turns them into the pod's spec patch when the task runs (driver/driver.go:
215-304, driver/k8s.go:156-236), code these tests do not run. So resources
and placement are checked here as what reaches the driver, and the resource
strings as the quantities k8s.io's parser (the driver's) makes of them.
Retries are compiled into the Workflow itself (argocompiler/container.go:
529-534, 613-684), so their Argo retryStrategy is checked as Argo will read
it.
"""

import copy
import dataclasses
import json

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from components.util import feature_kinds
from pipelines import kubeflow_runner
from tests.helpers import fake_kfp_server
from tests.pipelines import test_kubeflow_compile

GPU_LABELS = {"cloud.google.com/gke-accelerator": "nvidia-l4"}
GPU_TOLERATIONS = [
    {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
    {
        "key": "dedicated",
        "operator": "Equal",
        "value": "ml",
        "effect": "NoExecute",
    },
]
# The compile tests' cluster, with a second toleration of another kind.
SETTINGS = dataclasses.replace(
    test_kubeflow_compile.SETTINGS,
    node_selector=GPU_LABELS,
    tolerations=GPU_TOLERATIONS,
)
WORKFLOW_PARAMETER = "{{workflow.parameters.%s}}"


@pytest.fixture(scope="module")
def checker():
    fake_kfp_server.require_checker()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory, checker):
    """Our pipeline as `autokeras-tfx kfp compile` writes it: (the YAML text,
    the PipelineSpec, the platform document)."""
    pipeline = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name="taxi-automl",
        data_root="gs://bucket/data",
        transform_config=feature_kinds.TransformConfig(label="payment_type"),
        serving_model_dir="gs://bucket/serving",
        settings=SETTINGS,
    )
    path = kubeflow_runner.compile_pipeline(
        str(tmp_path_factory.mktemp("kfp-argo") / "pipeline.yaml"),
        pipeline,
        SETTINGS,
    )
    text = open(path).read()
    spec, platform = yaml.safe_load_all(text)
    return text, spec, platform


@pytest.fixture(scope="module")
def workflow(compiled):
    """Our YAML compiled as the API server compiles a run of it."""
    answer = fake_kfp_server.argo_compile(compiled[0])
    assert answer["ok"], answer["error"]
    return answer


def argo_compile(spec, platform=None, **kwargs):
    documents = [spec] if platform is None else [spec, platform]
    return fake_kfp_server.argo_compile(
        yaml.safe_dump_all(documents), **kwargs
    )


def template(workflow, name):
    [found] = [t for t in workflow["spec"]["templates"] if t["name"] == name]
    return found


def root_tasks(workflow):
    return {t["name"]: t for t in template(workflow, "root")["dag"]["tasks"]}


def arguments(dag_task):
    return {
        p["name"]: p.get("value")
        for p in dag_task.get("arguments", {}).get("parameters", [])
    }


def workflow_argument(workflow, placeholder):
    """The value of a `{{workflow.parameters.NAME}}` placeholder."""
    assert placeholder.startswith("{{workflow.parameters.")
    name = placeholder[len("{{workflow.parameters.") : -2]
    [value] = [
        p["value"]
        for p in workflow["spec"]["arguments"]["parameters"]
        if p["name"] == name
    ]
    return value


def driver_inputs(workflow, task):
    """What the compiler hands the KFP driver for a task: its container
    spec, component spec, task spec and Kubernetes config (None without)."""
    args = arguments(root_tasks(workflow)[f"{task}-driver"])
    return {
        "container": json.loads(
            workflow_argument(workflow, args["container"])
        ),
        "component": json.loads(
            workflow_argument(workflow, args["component"])
        ),
        "task": json.loads(args["task"]),
        "kubernetes": (
            json.loads(workflow_argument(workflow, args["kubernetes-config"]))
            if "kubernetes-config" in args
            else None
        ),
        "container_argument": args["container"][
            len("{{workflow.parameters.") : -2
        ],
    }


def executor_label(spec, task):
    component = spec["root"]["dag"]["tasks"][task]["componentRef"]["name"]
    return spec["components"][component]["executorLabel"]


def proto_json(message_type, value):
    """`value` as protobuf's JSON writes it (defaults left out), the form
    the Go side re-serialises to."""
    return json_format.MessageToDict(
        json_format.ParseDict(value, message_type())
    )


def _resolve(value, scope):
    if isinstance(value, str) and value.startswith("{{inputs.parameters."):
        return scope[value[len("{{inputs.parameters.") : -2]]
    if isinstance(value, dict):
        return {k: _resolve(v, scope) for k, v in value.items()}
    return value


def effective_retry_strategy(workflow, task):
    """The retryStrategy Argo applies to a task's pod, its parameters
    resolved: the root DAG task passes the values to the container
    executor template, which passes them on to the impl template holding
    the retryStrategy (argocompiler/container.go:289-310, 354-395, 529-534).
    None when the task's pod has no retryStrategy."""
    dag_task = root_tasks(workflow)[task]
    executor = template(workflow, dag_task["template"])
    scope = {
        p["name"]: p.get("default")
        for p in executor["inputs"].get("parameters", [])
    }
    scope.update(arguments(dag_task))
    [inner] = executor["dag"]["tasks"]
    impl = template(workflow, inner["template"])
    impl_scope = {
        name: _resolve(value, scope)
        for name, value in arguments(inner).items()
    }
    strategy = impl.get("retryStrategy")
    return None if strategy is None else _resolve(strategy, impl_scope)


def _seconds(duration):
    # protobuf's JSON Duration ("90s", "1.5s"); the compiler keeps whole
    # seconds (container.go:626, 640: Duration.Seconds).
    return str(int(float(duration.rstrip("s"))))


def _number(value):
    value = float(value)
    return str(int(value)) if value == int(value) else repr(value)


def expected_retry_strategy(policy):
    """PipelineTaskSpec.retryPolicy as argocompiler maps it (container.go:
    613-648 the values, 650-656 the "0" defaults, 666-684 the fields)."""
    return {
        "limit": str(policy.get("maxRetryCount", 0)),
        "backoff": {
            "duration": _seconds(policy.get("backoffDuration", "0s")),
            "factor": _number(policy.get("backoffFactor", 0)),
            "maxDuration": _seconds(policy.get("backoffMaxDuration", "0s")),
        },
    }


def check_retry_mapping(spec, workflow):
    """Every task's retryPolicy is its pod's Argo retryStrategy, and a task
    without one is not retried. Returns the tasks with a policy."""
    retried = []
    for task, task_spec in spec["root"]["dag"]["tasks"].items():
        policy = task_spec.get("retryPolicy")
        strategy = effective_retry_strategy(workflow, task)
        if policy is None:
            assert strategy is None, task
            continue
        retried.append(task)
        assert strategy == expected_retry_strategy(policy), task
    return retried


def with_resolver(spec):
    """A copy of the spec with a task whose executor is a resolver (what
    TFX's KubeflowV2DagRunner writes for a Resolver node)."""
    spec = copy.deepcopy(spec)
    spec["deploymentSpec"]["executors"]["latest_model_resolver_executor"] = {
        "resolver": {
            "outputArtifactQueries": {
                "model": {"filter": 'schema_title="tfx.Model" AND state=LIVE'}
            }
        }
    }
    spec["components"]["latest_model_resolver"] = {
        "executorLabel": "latest_model_resolver_executor",
        "outputDefinitions": {
            "artifacts": {
                "model": {
                    "artifactType": {
                        "schemaTitle": "tfx.Model",
                        "schemaVersion": "0.0.1",
                    }
                }
            }
        },
    }
    spec["root"]["dag"]["tasks"]["latest_model_resolver"] = {
        "componentRef": {"name": "latest_model_resolver"},
        "taskInfo": {"name": "latest_model_resolver"},
    }
    return spec


# (a) -------------------------------------------------------------------


def test_our_yaml_compiles_to_a_valid_workflow(compiled, workflow):
    _, spec, _ = compiled
    wf = workflow["workflow"]
    assert wf["kind"] == "Workflow"
    assert wf["metadata"]["generateName"] == "taxi-automl-"
    tasks = root_tasks(wf)
    for task in spec["root"]["dag"]["tasks"]:
        assert {task, f"{task}-driver"} <= set(tasks), task


def test_a_run_with_parameters_and_a_recurring_run_compile(compiled):
    text = compiled[0]
    params = {
        "data_root": "gs://b/day-2",
        "max_trials": 3,
        "seed": 7,
        "time_limit_seconds": 600,
        "epochs": 4,
        "warm_start": 0,
    }
    run = {
        "display_name": "nightly",
        "runtime_config": {
            "pipeline_root": "gs://b/root",
            "parameters": params,
        },
    }
    answer = fake_kfp_server.argo_compile(text, run=run)
    assert answer["ok"], answer["error"]
    recurring = {
        "display_name": "taxi-automl-retraining",
        "pipeline_version_reference": {
            "pipeline_id": "p",
            "pipeline_version_id": "v",
        },
        "trigger": {"cron_schedule": {"cron": "0 0 3 * * *"}},
        "max_concurrency": "1",
        "no_catchup": True,
        "mode": "ENABLE",
        "runtime_config": {
            "pipeline_root": "gs://b/root",
            "parameters": params,
        },
    }
    answer = fake_kfp_server.argo_compile(text, recurring_run=recurring)
    assert answer["ok"], answer["error"]
    assert answer["kind"] == "recurring_run"
    assert answer["scheduled_workflow"]["spec"]["maxConcurrency"] == 1


def test_a_mistyped_parameter_is_refused_as_the_server_does(compiled):
    answer = fake_kfp_server.argo_compile(
        compiled[0], run_params={"max_trials": "3"}
    )
    assert not answer["ok"]
    assert answer["http_status"] == 400
    assert (
        "input parameter max_trials requires type double or integer"
        in answer["http_body"]["message"]
    )


def test_nothing_is_dropped_on_the_way_to_the_driver(compiled, workflow):
    """The compiler reads deploymentSpec with DiscardUnknown
    (compiler/visitor.go:174-189): a field its proto does not know would
    vanish without an error. Every task's container, component and task
    spec reach the driver as ours, up to protobuf's defaults."""
    _, spec, _ = compiled
    container_type = (
        pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec
    )
    for task, task_spec in spec["root"]["dag"]["tasks"].items():
        given = driver_inputs(workflow["workflow"], task)
        ours = spec["deploymentSpec"]["executors"][executor_label(spec, task)][
            "container"
        ]
        assert given["container"] == proto_json(container_type, ours), task
        component = spec["components"][task_spec["componentRef"]["name"]]
        assert given["component"] == proto_json(
            pipeline_spec_pb2.ComponentSpec, component
        ), task
        assert given["task"] == proto_json(
            pipeline_spec_pb2.PipelineTaskSpec, task_spec
        ), task


# (b) -------------------------------------------------------------------


def test_a_resolver_executor_is_refused_at_run_and_schedule(compiled):
    """KFP 2.14.3 compiles no resolver. Its visitor refuses the component
    (compiler/visitor.go:123-132) before argocompiler's own "resolver
    executors not implemented" (argocompiler/dag.go:333-334) is reached,
    so this is the message a user gets."""
    _, spec, platform = compiled
    refused = "non-container and non-importer executor not implemented"
    answer = argo_compile(with_resolver(spec), platform)
    assert not answer["ok"]
    assert answer["http_status"] == 500
    assert answer["error"].startswith(
        "Failed to create a new run: Failed to generate the ExecutionSpec: "
        "Failed to compile job: "
    )
    assert (
        'executor(label="latest_model_resolver_executor")' in (answer["error"])
    )
    assert refused in answer["error"]
    assert answer["http_body"]["code"] == 13  # gRPC Internal
    assert answer["http_body"]["message"].startswith("Internal error: ")
    assert refused in answer["http_body"]["message"]
    answer = argo_compile(
        with_resolver(spec),
        platform,
        recurring_run={
            "display_name": "nightly",
            "pipeline_version_reference": {
                "pipeline_id": "p",
                "pipeline_version_id": "v",
            },
            "trigger": {"periodic_schedule": {"interval_second": "86400"}},
        },
    )
    assert not answer["ok"] and answer["http_status"] == 500
    assert answer["error"].startswith(
        "Failed to create a recurring run: Failed to create a recurring run "
        "during scheduled workflow creation: Failed to compile job: "
    )
    assert refused in answer["error"]


# (c) -------------------------------------------------------------------


def test_an_added_retry_policy_maps_to_argo_retry_strategy(compiled):
    _, spec, platform = compiled
    spec = copy.deepcopy(spec)
    tasks = spec["root"]["dag"]["tasks"]
    tasks["Trainer"]["retryPolicy"] = {
        "maxRetryCount": 4,
        "backoffDuration": "90s",
        "backoffFactor": 3,
        "backoffMaxDuration": "7200s",
    }
    tasks["Pusher"]["retryPolicy"] = {"maxRetryCount": 1}
    del tasks["SchemaGen"]["retryPolicy"]
    answer = argo_compile(spec, platform)
    assert answer["ok"], answer["error"]
    wf = answer["workflow"]
    assert effective_retry_strategy(wf, "Trainer") == {
        "limit": "4",
        "backoff": {"duration": "90", "factor": "3", "maxDuration": "7200"},
    }
    # Unset durations and factor are Argo's "0" (container.go:369).
    assert effective_retry_strategy(wf, "Pusher") == {
        "limit": "1",
        "backoff": {"duration": "0", "factor": "0", "maxDuration": "0"},
    }
    assert effective_retry_strategy(wf, "SchemaGen") is None
    retried = check_retry_mapping(spec, wf)
    assert "SchemaGen" not in retried and "Trainer" in retried


def test_every_retry_policy_of_our_yaml_is_mapped(compiled, workflow):
    _, spec, _ = compiled
    check_retry_mapping(spec, workflow["workflow"])


def test_our_retry_policies_survive_argos_parsing(compiled):
    """How Argo (v3.6.7, what KFP 2.14.3 installs) reads the strategy:

    - backoff.maxDuration is a deadline from the FIRST attempt's start, not
      a cap on one backoff (workflow/controller/operator.go:994-1009, 1033-
      1037, 1047-1048): without backoffMaxDuration the compiler passes "0"
      (container.go:369) and Argo never retries at all;
    - the factor is read as an integer (util/intstr/parametrizable.go:12-23,
      operator.go:1023): 1.5 would make the retry itself fail;
    - sub-second durations are cut to whole seconds (container.go:626, 640).
    """
    _, spec, _ = compiled
    for task, task_spec in spec["root"]["dag"]["tasks"].items():
        policy = task_spec.get("retryPolicy")
        if policy is None:
            continue
        assert float(policy.get("backoffMaxDuration", "0s").rstrip("s")) > (
            0
        ), task
        factor = float(policy["backoffFactor"])
        assert factor == int(factor), task
        for key in ("backoffDuration", "backoffMaxDuration"):
            seconds = float(policy[key].rstrip("s"))
            assert seconds == int(seconds), (task, key)


# (d) -------------------------------------------------------------------


def test_resources_reach_the_driver_as_kubernetes_quantities(
    compiled, workflow
):
    _, spec, _ = compiled
    wf = workflow["workflow"]
    quantities = workflow["quantities"]
    # The Workflow's own container is a placeholder: the pod's resources
    # come from the driver's pod-spec-patch (container.go:423-426, 486-494).
    impl = template(wf, "retry-system-container-impl")
    assert impl["podSpecPatch"] == "{{inputs.parameters.pod-spec-patch}}"
    assert not impl["container"].get("resources")
    for task in spec["root"]["dag"]["tasks"]:
        given = driver_inputs(wf, task)
        resources = spec["deploymentSpec"]["executors"][
            executor_label(spec, task)
        ]["container"].get("resources")
        if resources is None:
            continue
        assert given["container"]["resources"] == proto_json(
            pipeline_spec_pb2.PipelineDeploymentConfig.PipelineContainerSpec.ResourceSpec,
            resources,
        ), task
        parsed = quantities[given["container_argument"]]
        assert not [v for v in parsed.values() if v.startswith("error")]
        # What the driver uses (driver.go:220-270: the resource* strings
        # win over the older float fields).
        for key in (
            "resourceCpuLimit",
            "resourceCpuRequest",
            "resourceMemoryLimit",
            "resourceMemoryRequest",
        ):
            if key in resources:
                assert key in parsed, (task, key)
    tuner = driver_inputs(wf, "AutoKerasTuner")
    assert tuner["container"]["image"] == SETTINGS.gpu_image
    assert (
        tuner["container"]["resources"]["accelerator"]["resourceType"]
        == "nvidia.com/gpu"
    )
    assert quantities[tuner["container_argument"]] == {
        "resourceCpuLimit": "8",
        "resourceCpuRequest": "8",
        "resourceMemoryLimit": "32Gi",
        "resourceMemoryRequest": "32Gi",
        "accelerator.resourceCount": "2",
    }


def test_resource_strings_are_parsed_only_by_the_driver(compiled):
    """The server accepts a resource string Kubernetes cannot parse: only
    the driver's ParseQuantity (driver.go:143) would fail, at run time."""
    _, spec, platform = compiled
    spec = copy.deepcopy(spec)
    resources = spec["deploymentSpec"]["executors"][
        executor_label(spec, "Trainer")
    ]["container"]["resources"]
    resources.update(
        resourceCpuLimit="500m",
        resourceMemoryLimit="8 GB",
        resourceMemoryRequest="1.5Gi",
    )
    answer = argo_compile(spec, platform)
    assert answer["ok"], answer["error"]
    parsed = answer["quantities"][
        driver_inputs(answer["workflow"], "Trainer")["container_argument"]
    ]
    assert parsed["resourceCpuLimit"] == "500m"
    assert parsed["resourceMemoryRequest"] == "1536Mi"
    assert parsed["resourceMemoryLimit"].startswith(
        "error: quantities must match"
    )


# (e) -------------------------------------------------------------------


def test_node_selector_and_tolerations_reach_the_gpu_executors_driver(
    compiled, workflow
):
    _, spec, platform = compiled
    wf = workflow["workflow"]
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"][
        "executors"
    ]
    assert set(executors) == {executor_label(spec, "AutoKerasTuner")}
    tuner = driver_inputs(wf, "AutoKerasTuner")
    # The compiler parsed it strictly as a KubernetesExecutorConfig
    # (container.go:281-288); the driver sets the pod's nodeSelector and
    # tolerations from it (driver/k8s.go:156-236).
    assert tuner["kubernetes"] == {
        "nodeSelector": {"labels": GPU_LABELS},
        "tolerations": GPU_TOLERATIONS,
    }
    for task in spec["root"]["dag"]["tasks"]:
        if task != "AutoKerasTuner":
            assert driver_inputs(wf, task)["kubernetes"] is None, task


def test_a_misspelled_platform_field_is_refused(compiled):
    _, spec, platform = compiled
    platform = copy.deepcopy(platform)
    [config] = platform["platforms"]["kubernetes"]["deploymentSpec"][
        "executors"
    ].values()
    config["nodeSelectors"] = config.pop("nodeSelector")
    answer = argo_compile(spec, platform)
    assert not answer["ok"] and answer["http_status"] == 500
    assert (
        "failed to unmarshal kubernetes config: proto: (line 1:2): "
        'unknown field "nodeSelectors"' in answer["error"]
    )
