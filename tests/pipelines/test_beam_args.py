"""Beam args of the data stages: the default and the Flink/Spark/Dataflow sets.

Nothing here runs on Flink, Spark or Dataflow (none is reachable): each flag
set must be understood by Beam's own option parser and must compile into the
data stages of both the Kubeflow YAML and the TFX IR that the local and Beam
runners run.
"""

import pytest
from apache_beam.options import pipeline_options
from tfx.dsl.compiler import compiler
from tfx.proto.orchestration import executable_spec_pb2
from tfx.proto.orchestration import pipeline_pb2

from components.util import feature_kinds
from pipelines import beam_runner
from pipelines import deploy_config
from pipelines import kubeflow_runner
from tests.helpers import kfp_launcher

ENGINE_VALUES = {
    "direct": {},
    "flink": {
        "flink_master": "flink-jobmanager:8081",
        "parallelism": 8,
        "worker_pool": "localhost:50000",
    },
    "spark": {
        "spark_master": "spark://spark-master:7077",
        "worker_pool": "localhost:50000",
    },
    "dataflow": {
        "project": "my-project",
        "region": "europe-west4",
        "temp_location": "gs://bucket/tmp",
        "image": "europe-docker.pkg.dev/p/r/autokeras-tfx:cpu",
    },
}
DATA_STAGES = ("CsvExampleGen", "StatisticsGen", "Transform", "Evaluator")
NOT_BEAM = ("AutoKerasTuner", "Trainer", "Pusher")
CONFIG = feature_kinds.TransformConfig(label="payment_type")


@pytest.mark.parametrize("engine", sorted(ENGINE_VALUES))
def test_beam_understands_every_flag(engine):
    args = deploy_config.beam_args(engine, **ENGINE_VALUES[engine])
    options = pipeline_options.PipelineOptions(args).get_all_options(
        drop_default=True, retain_unknown_options=False
    )
    for arg in args:
        name = arg[2:].split("=", 1)[0]
        assert name in options, (engine, arg)
    runner = options["runner"]
    assert (
        runner
        == {
            "direct": "DirectRunner",
            "flink": "FlinkRunner",
            "spark": "SparkRunner",
            "dataflow": "DataflowRunner",
        }[engine]
    )


@pytest.mark.parametrize("engine", sorted(ENGINE_VALUES))
def test_flags_compile_into_the_kubeflow_data_stages(engine, tmp_path):
    args = deploy_config.beam_args(engine, **ENGINE_VALUES[engine])
    pipeline = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name="taxi-beam",
        data_root="gs://bucket/data",
        transform_config=CONFIG,
        serving_model_dir="gs://bucket/serving",
        beam_pipeline_args=args,
    )
    path = kubeflow_runner.compile_pipeline(str(tmp_path / "p.yaml"), pipeline)
    launcher = kfp_launcher.Launcher(kfp_launcher.load_spec(path), "/x")
    # DirectRunner's 0 workers (one per core of the node) becomes the
    # pod's CPU limit; other engines' flags pass unchanged.
    expected = kubeflow_runner.direct_runner_workers(
        args, kubeflow_runner.ClusterSettings().task_cpu_limit
    )
    for task in DATA_STAGES:
        container_args = launcher.executor(task)["container"]["args"]
        assert container_args[-len(args) :] == expected, task
    # KubeflowV2DagRunner also appends pipeline-level Beam args to the
    # other containers, whose executors get them as unused extra flags.


def _beam_args_in_ir(ir, node_id):
    deployment = pipeline_pb2.IntermediateDeploymentConfig()
    ir.deployment_config.Unpack(deployment)
    if node_id not in deployment.executor_specs:
        return []
    executable = executable_spec_pb2.BeamExecutableSpec()
    if not deployment.executor_specs[node_id].Unpack(executable):
        return []
    return list(executable.beam_pipeline_args)


@pytest.mark.parametrize("engine", ["flink", "dataflow"])
def test_flags_compile_into_the_beam_runner_ir(engine, tmp_path):
    args = deploy_config.beam_args(engine, **ENGINE_VALUES[engine])
    pipeline = beam_runner.create_beam_pipeline(
        data_root=str(tmp_path / "data"),
        transform_config=CONFIG,
        output_dir=str(tmp_path / "out"),
        pipeline_name="taxi-beam",
        beam_pipeline_args=args,
    )
    ir = compiler.Compiler().compile(pipeline)
    for node_id in DATA_STAGES:
        assert _beam_args_in_ir(ir, node_id) == args, node_id
    for node_id in NOT_BEAM:
        assert _beam_args_in_ir(ir, node_id) == [], node_id


def test_default_is_direct_multi_process(tmp_path):
    pipeline = beam_runner.create_beam_pipeline(
        data_root=str(tmp_path / "data"),
        transform_config=CONFIG,
        output_dir=str(tmp_path / "out"),
        pipeline_name="taxi-beam",
    )
    ir = compiler.Compiler().compile(pipeline)
    assert "--direct_running_mode=multi_processing" in _beam_args_in_ir(
        ir, "Transform"
    )


def test_missing_value_and_unknown_engine_are_named():
    with pytest.raises(ValueError, match="needs a value for 'flink_master'"):
        deploy_config.beam_args("flink", parallelism=2, worker_pool="x")
    with pytest.raises(ValueError, match="Unknown Beam engine 'storm'"):
        deploy_config.beam_args("storm")
