"""The compiled Kubeflow YAML: a strict PipelineSpec KFP 2 loads.

Compiles the real pipeline with the real KubeflowV2DagRunner and parses the
result with kfp's own protos and loader. What a cluster does with it (pods,
GPU scheduling) is not provable here; see README "Run on Kubeflow".
"""

import json

import pytest
import yaml
from google.protobuf import json_format
from kfp import components as kfp_components
from kfp.pipeline_spec import pipeline_spec_pb2
from tfx import v1 as tfx

from components.util import feature_kinds
from pipelines import kubeflow_runner

SETTINGS = kubeflow_runner.ClusterSettings(
    cpu_image="registry.example/autokeras-tfx:cpu-1",
    gpu_image="registry.example/autokeras-tfx:gpu-1",
    gpu_count=2,
    cpu_limit=8,
    memory_limit_gib=32,
    node_selector={"cloud.google.com/gke-accelerator": "nvidia-l4"},
)


def compile_to(path, settings=SETTINGS, **kwargs):
    pipeline = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name="taxi-automl",
        data_root="gs://bucket/data",
        transform_config=feature_kinds.TransformConfig(label="payment_type"),
        serving_model_dir="gs://bucket/serving",
        settings=settings,
        **kwargs,
    )
    return kubeflow_runner.compile_pipeline(str(path), pipeline, settings)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    path = compile_to(tmp_path_factory.mktemp("kfp") / "pipeline.yaml")
    with open(path) as f:
        documents = list(yaml.safe_load_all(f))
    return path, documents


def executor(spec, component_id):
    task = spec["root"]["dag"]["tasks"][component_id]
    label = spec["components"][task["componentRef"]["name"]]["executorLabel"]
    return label, spec["deploymentSpec"]["executors"][label]


def test_yaml_is_a_strict_pipeline_spec_and_platform_spec(compiled):
    path, documents = compiled
    assert len(documents) == 2
    spec = json_format.ParseDict(
        documents[0], pipeline_spec_pb2.PipelineSpec()
    )  # strict: an unknown field raises
    assert spec.pipeline_info.name == "taxi-automl"
    assert spec.schema_version == "2.1.0"
    platform = json_format.ParseDict(
        documents[1], pipeline_spec_pb2.PlatformSpec()
    )
    assert "kubernetes" in platform.platforms
    # No runtimeConfig: the pipeline root is given at submit time.
    assert "runtimeConfig" not in documents[0]
    assert "pipelineSpec" not in documents[0]


def test_kfp_loads_it_as_a_component(compiled):
    path, _ = compiled
    component = kfp_components.load_component_from_file(path)
    assert component.name == "taxi-automl"
    assert set(component.component_spec.inputs) == {
        "data_root",
        "max_trials",
        "time_limit_seconds",
        "epochs",
        "seed",
        "warm_start",
    }
    assert "kubernetes" in component.platform_spec.platforms


def test_images_accelerator_and_limits(compiled):
    _, (spec, _) = compiled
    tuner_label, tuner = executor(spec, "AutoKerasTuner")
    assert tuner["container"]["image"] == SETTINGS.gpu_image
    resources = tuner["container"]["resources"]
    assert resources["accelerator"] == {
        "type": "nvidia.com/gpu",
        "count": "2",
        "resourceType": "nvidia.com/gpu",
        "resourceCount": "2",
    }
    assert resources["cpuLimit"] == 8.0
    assert resources["resourceCpuLimit"] == "8"
    assert resources["memoryLimit"] == 32.0
    assert resources["resourceMemoryLimit"] == "32Gi"
    assert tuner["container"]["args"][:2] == [
        "--executor_class_path",
        "components.autokeras_tuner.executor.Executor",
    ]
    for component_id in (
        "CsvExampleGen",
        "Transform",
        "Trainer",
        "Pusher",
        "RunHistoryLookup",
        "RunHistoryRecorder",
    ):
        _, other = executor(spec, component_id)
        assert other["container"]["image"] == SETTINGS.cpu_image
        # Requests equal to limits, in the old and the new fields.
        assert other["container"]["resources"] == {
            "cpuLimit": 2.0,
            "cpuRequest": 2.0,
            "memoryLimit": 8.0,
            "memoryRequest": 8.0,
            "resourceCpuLimit": "2",
            "resourceCpuRequest": "2",
            "resourceMemoryLimit": "8Gi",
            "resourceMemoryRequest": "8Gi",
        }
    assert resources["resourceCpuRequest"] == "8"
    assert resources["resourceMemoryRequest"] == "32Gi"


def test_every_task_runs_our_entrypoint_with_retries_and_no_cache(compiled):
    _, (spec, _) = compiled
    executors = spec["deploymentSpec"]["executors"]
    assert all("container" in e for e in executors.values())  # no resolver
    for label, executor_spec in executors.items():
        container = executor_spec["container"]
        assert container["command"] == [
            "python",
            "-m",
            "components.kfp_entrypoint",
        ], label
        # The declared input types travel with every task: the entrypoint
        # fills the driver's empty ones from them.
        assert "--json_serialized_inputs_spec_args" in container["args"]
    for task_id, task in spec["root"]["dag"]["tasks"].items():
        assert task["cachingOptions"] == {"enableCache": False}, task_id
        assert task["retryPolicy"] == (
            {
                "maxRetryCount": 5,
                "backoffDuration": "120s",
                "backoffFactor": 2.0,
                "backoffMaxDuration": "259200s",
            }
            if task_id == "AutoKerasTuner"
            else {
                "maxRetryCount": 2,
                "backoffDuration": "60s",
                "backoffFactor": 2.0,
                "backoffMaxDuration": "259200s",
            }
        ), task_id


def test_beam_workers_follow_the_pods_cpu_limit(tmp_path):
    settings = kubeflow_runner.ClusterSettings(task_cpu_limit=3.5)
    spec = next(
        yaml.safe_load_all(
            open(compile_to(tmp_path / "p.yaml", settings=settings))
        )
    )
    for component_id in (
        "CsvExampleGen",
        "StatisticsGen",
        "Transform",
        "Evaluator",
    ):
        _, beam = executor(spec, component_id)
        args = beam["container"]["args"]
        assert "--direct_num_workers=3" in args, component_id
        assert "--direct_num_workers=0" not in args


def test_user_code_by_import_path_not_module_file(compiled):
    path, (spec, _) = compiled
    tasks = spec["root"]["dag"]["tasks"]

    def parameter(task, name):
        return tasks[task]["inputs"]["parameters"][name]["runtimeValue"][
            "constant"
        ]

    assert parameter("Transform", "preprocessing_fn") == (
        "components.transform.preprocessing.preprocessing_fn"
    )
    assert parameter("Trainer", "run_fn") == "components.trainer.train.run_fn"
    text = open(path).read()
    # A module file would be packaged into a wheel on the pipeline root.
    assert "module_file" not in text and ".whl" not in text


def test_node_selector_and_tolerations_target_the_tuner(compiled):
    _, (spec, platform) = compiled
    tuner_label, _ = executor(spec, "AutoKerasTuner")
    executors = platform["platforms"]["kubernetes"]["deploymentSpec"][
        "executors"
    ]
    assert set(executors) == {tuner_label}
    assert executors[tuner_label] == {
        "nodeSelector": {
            "labels": {"cloud.google.com/gke-accelerator": "nvidia-l4"}
        },
        "tolerations": [
            {
                "key": "nvidia.com/gpu",
                "operator": "Exists",
                "effect": "NoSchedule",
            }
        ],
    }


def test_run_time_parameters_and_beam_args(compiled):
    _, (spec, _) = compiled
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert parameters["data_root"]["defaultValue"] == "gs://bucket/data"
    assert parameters["max_trials"]["parameterType"] == "NUMBER_INTEGER"
    tasks = spec["root"]["dag"]["tasks"]
    tuner_inputs = tasks["AutoKerasTuner"]["inputs"]["parameters"]
    assert tuner_inputs["max_trials"] == {
        "componentInputParameter": "max_trials"
    }
    example_gen_inputs = tasks["CsvExampleGen"]["inputs"]["parameters"]
    assert example_gen_inputs["input_base"] == {
        "componentInputParameter": "data_root"
    }
    for component_id in (
        "CsvExampleGen",
        "StatisticsGen",
        "Transform",
        "Evaluator",
    ):
        _, beam = executor(spec, component_id)
        assert (
            "--direct_running_mode=multi_processing"
            in beam["container"]["args"]
        )


def test_trainer_on_gpu_and_cpu_only(tmp_path):
    settings = kubeflow_runner.ClusterSettings(trainer_on_gpu=True)
    path = compile_to(tmp_path / "gpu.yaml", settings)
    spec, platform = yaml.safe_load_all(open(path))
    _, trainer = executor(spec, "Trainer")
    assert trainer["container"]["image"] == settings.gpu_image
    assert trainer["container"]["resources"]["accelerator"]["count"] == "1"
    assert (
        len(platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"])
        == 2
    )

    cpu_only = kubeflow_runner.ClusterSettings(gpu_count=0)
    path = compile_to(tmp_path / "cpu.yaml", cpu_only)
    [spec] = yaml.safe_load_all(open(path))  # nothing to place: one document
    _, tuner = executor(spec, "AutoKerasTuner")
    assert tuner["container"]["image"] == cpu_only.cpu_image
    assert "accelerator" not in tuner["container"]["resources"]


@pytest.mark.parametrize("name", ["Taxi", "taxi_automl", "-taxi", ""])
def test_bad_pipeline_name_says_the_rule(tmp_path, name):
    with pytest.raises(ValueError, match=r"\[a-z0-9\]\[a-z0-9-\]\*"):
        kubeflow_runner.create_kubeflow_pipeline(
            pipeline_name=name,
            data_root="gs://bucket/data",
            transform_config=feature_kinds.TransformConfig(label="x"),
            serving_model_dir="gs://bucket/serving",
        )


def test_bad_settings_and_output_name(tmp_path):
    with pytest.raises(ValueError, match="gpu_count must be 0 or more"):
        kubeflow_runner.ClusterSettings(gpu_count=-1)
    with pytest.raises(ValueError, match="toleration needs a key"):
        kubeflow_runner.ClusterSettings(tolerations=[{"effect": "NoSchedule"}])
    with pytest.raises(ValueError, match="must end in .yaml"):
        kubeflow_runner.compile_pipeline(str(tmp_path / "p.json"), None)


def _history_parameters(spec, task_id):
    parameters = spec["root"]["dag"]["tasks"][task_id]["inputs"]["parameters"]
    return {
        name: parameters[name]["runtimeValue"]["constant"]
        for name in ("history_dir", "scope")
    }


def test_retraining_inputs_come_from_the_run_history(compiled):
    """The warm start and the baseline come from the lookup task, which
    reads what the recorder task of an earlier run wrote: no resolver
    task, which KFP's API server refuses."""
    _, (spec, _) = compiled
    tasks = spec["root"]["dag"]["tasks"]
    warmup = tasks["AutoKerasTuner"]["inputs"]["artifacts"]["warmup"]
    assert warmup["taskOutputArtifact"] == {
        "producerTask": "RunHistoryLookup",
        "outputArtifactKey": "tuner_results",
    }
    baseline = tasks["Evaluator"]["inputs"]["artifacts"]["baseline_model"]
    assert baseline["taskOutputArtifact"] == {
        "producerTask": "RunHistoryLookup",
        "outputArtifactKey": "baseline_model",
    }
    recorder = tasks["RunHistoryRecorder"]["inputs"]["artifacts"]
    assert (
        recorder["pushed_model"]["taskOutputArtifact"]["producerTask"]
        == "Pusher"
    )
    expected = {
        "history_dir": "gs://bucket/serving-history",
        "scope": "taxi-automl/payment_type/classification",
    }
    assert _history_parameters(spec, "RunHistoryLookup") == expected
    assert _history_parameters(spec, "RunHistoryRecorder") == expected


def test_another_label_gets_another_scope_and_history_dir_is_a_flag(
    tmp_path,
):
    other = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name="taxi-automl",
        data_root="gs://bucket/data",
        transform_config=feature_kinds.TransformConfig(
            label="fare", task=feature_kinds.REGRESSION
        ),
        serving_model_dir="gs://bucket/serving",
        history_dir="gs://other/history",
        settings=SETTINGS,
    )
    path = kubeflow_runner.compile_pipeline(
        str(tmp_path / "fare.yaml"), other, SETTINGS
    )
    spec = next(yaml.safe_load_all(open(path)))
    assert _history_parameters(spec, "RunHistoryLookup") == {
        "history_dir": "gs://other/history",
        "scope": "taxi-automl/fare/regression",
    }


def test_seed_epochs_and_warm_start_are_run_time_parameters(tmp_path):
    path = compile_to(
        tmp_path / "p.yaml", tuner_epochs=3, seed=7, warm_start=False
    )
    spec = next(yaml.safe_load_all(open(path)))
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    tuner_inputs = spec["root"]["dag"]["tasks"]["AutoKerasTuner"]["inputs"][
        "parameters"
    ]
    for name, default in (("epochs", 3), ("seed", 7), ("warm_start", 0)):
        assert parameters[name]["parameterType"] == "NUMBER_INTEGER"
        assert parameters[name]["defaultValue"] == default
        assert parameters[name]["isOptional"] is True
        assert tuner_inputs[name] == {"componentInputParameter": name}
    # The warm start is wired whatever the default: a run switches it on
    # or off.
    assert (
        "warmup"
        in spec["root"]["dag"]["tasks"]["AutoKerasTuner"]["inputs"][
            "artifacts"
        ]
    )


def test_kept_checkpoints_reach_the_tuner_and_transform_keeps_no_cache(
    tmp_path,
):
    path = compile_to(tmp_path / "p.yaml", keep_checkpoints=3)
    spec = next(yaml.safe_load_all(open(path)))
    tasks = spec["root"]["dag"]["tasks"]
    tuner_inputs = tasks["AutoKerasTuner"]["inputs"]["parameters"]
    assert (
        tuner_inputs["keep_best_checkpoints"]["runtimeValue"]["constant"] == 3
    )
    # No analyzer cache (TFX turns it off by leaving out its output): no
    # cache artifact is written.
    transform = tasks["Transform"]
    component = spec["components"][transform["componentRef"]["name"]]
    assert (
        "updated_analyzer_cache"
        not in component["outputDefinitions"]["artifacts"]
    )
    assert "transform_graph" in component["outputDefinitions"]["artifacts"]


def test_the_trainer_trains_the_epochs_the_run_set(compiled):
    """`epochs` set in a run's form reaches the final model too: the
    Trainer's compile-time custom_config defers to the search's run-time
    value, which the tuner writes into best_hyperparameters."""
    from components.trainer import final_fit

    _, (spec, _) = compiled
    custom_config = json.loads(
        spec["root"]["dag"]["tasks"]["Trainer"]["inputs"]["parameters"][
            "custom_config"
        ]["runtimeValue"]["constant"]
    )
    assert custom_config["epochs_follow_search"] is True
    searched = {"run_parameters": {"epochs": 20, "seed": 3}}
    assert final_fit.final_epochs(custom_config, searched) == 20
    # A pipeline built with other Trainer epochs keeps them.
    assert final_fit.final_epochs({"epochs": 5}, searched) == 5


def test_the_tuner_is_built_with_its_run_time_parameters():
    """The tuner's constructor takes the run-time parameters and checks
    their defaults; the Trainer keeps the compile-time seed."""
    pipeline = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name="taxi-automl",
        data_root="gs://bucket/data",
        transform_config=feature_kinds.TransformConfig(label="payment_type"),
        serving_model_dir="gs://bucket/serving",
        max_trials=4,
        time_limit_seconds=60,
        tuner_epochs=3,
        seed=7,
        warm_start=False,
    )
    components = {c.id: c for c in pipeline.components}
    properties = components[kubeflow_runner.TUNER_ID].exec_properties
    for key, name, default in (
        ("max_trials", "max_trials", 4),
        ("time_limit_seconds", "time_limit_seconds", 60),
        ("epochs", "epochs", 3),
        ("seed", "seed", 7),
        ("warm_start", "warm_start", 0),
    ):
        parameter = properties[key]
        assert isinstance(parameter, tfx.dsl.experimental.RuntimeParameter)
        assert (parameter.name, parameter.ptype, parameter.default) == (
            name,
            int,
            default,
        )
    trainer_config = json.loads(
        components[kubeflow_runner.TRAINER_ID].exec_properties["custom_config"]
    )
    assert trainer_config["seed"] == 7
    with pytest.raises(ValueError, match="max_trials must be at least 1"):
        kubeflow_runner.create_kubeflow_pipeline(
            pipeline_name="taxi-automl",
            data_root="gs://bucket/data",
            transform_config=feature_kinds.TransformConfig(label="x"),
            serving_model_dir="gs://bucket/serving",
            max_trials=0,
        )
