"""The `tfx` CLI with our pipeline files: local, beam and vertex engines.

Each command runs as a subprocess of the real `tfx` CLI. The CLI keeps its
own home per engine (LOCAL_HOME, BEAM_HOME, VERTEX_HOME); the tests point
them at a temporary directory.
"""

import os
import subprocess

import pytest
import yaml

PIPELINES = os.path.join(
    os.path.dirname(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ),
    "pipelines",
)


@pytest.fixture
def tfx_env(tmp_path, taxi_sample):
    env = dict(os.environ)
    env.update(
        LOCAL_HOME=str(tmp_path / "tfx-local"),
        BEAM_HOME=str(tmp_path / "tfx-beam"),
        VERTEX_HOME=str(tmp_path / "tfx-vertex"),
        AKT_DATA_ROOT=taxi_sample,
        AKT_OUTPUT_DIR=str(tmp_path / "out"),
        AKT_PIPELINE_NAME="taxi-cli",
        AKT_MAX_TRIALS="1",
        AKT_EPOCHS="1",
    )
    return env


def tfx(env, *args, cwd=None, timeout=600):
    result = subprocess.run(
        ["tfx", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result.returncode, result.stdout + result.stderr


def pipeline_file(name):
    return os.path.join(PIPELINES, name)


def test_pipeline_create_local(tfx_env):
    code, output = tfx(
        tfx_env,
        "pipeline",
        "create",
        "--engine",
        "local",
        "--pipeline_path",
        pipeline_file("local_runner.py"),
    )
    assert code == 0, output
    assert 'Pipeline "taxi-cli" created successfully' in output
    assert os.path.isdir(os.path.join(tfx_env["LOCAL_HOME"], "taxi-cli"))


@pytest.mark.slow
def test_pipeline_create_and_run_create_beam(tfx_env, tmp_path):
    code, output = tfx(
        tfx_env,
        "pipeline",
        "create",
        "--engine",
        "beam",
        "--pipeline_path",
        pipeline_file("beam_runner.py"),
    )
    assert code == 0, output
    assert 'Pipeline "taxi-cli" created successfully' in output
    # Runs the whole pipeline with BeamDagRunner; the data stages use the
    # default DirectRunner multi-process args.
    code, output = tfx(
        tfx_env,
        "run",
        "create",
        "--engine",
        "beam",
        "--pipeline_name",
        "taxi-cli",
        cwd=str(tmp_path),
    )
    assert code == 0, output[-5000:]
    from pipelines import run_summary

    pipeline_dir = tmp_path / "out" / "taxi-cli"
    summary = run_summary.summarize(str(pipeline_dir / "metadata.sqlite"))
    assert summary["trials"] == 1
    root = pipeline_dir / "pipeline_root"
    for component in (
        "CsvExampleGen",
        "Transform",
        "AutoKerasTuner",
        "Trainer",
        "Evaluator",
        "Pusher",
    ):
        assert (root / component).is_dir(), component


def test_pipeline_compile_vertex(tfx_env, tmp_path):
    output_file = tmp_path / "vertex.yaml"
    env = dict(
        tfx_env,
        AKT_PIPELINE_FILE=str(output_file),
        AKT_NODE_SELECTOR="pool=gpu",
    )
    code, output = tfx(
        env,
        "pipeline",
        "compile",
        "--engine",
        "vertex",
        "--pipeline_path",
        pipeline_file("kubeflow_runner.py"),
    )
    assert code == 0, output
    assert "Pipeline taxi-cli compiled successfully" in output
    spec, platform = yaml.safe_load_all(open(output_file))
    assert spec["pipelineInfo"]["name"] == "taxi-cli"
    assert "kubernetes" in platform["platforms"]


def test_kubeflow_engine_is_broken_in_tfx_1_21(tfx_env):
    """README sends Kubeflow users to `autokeras-tfx kfp`; this is why."""
    code, output = tfx(
        tfx_env,
        "pipeline",
        "create",
        "--engine",
        "kubeflow",
        "--pipeline_path",
        pipeline_file("kubeflow_runner.py"),
        "--endpoint",
        "http://127.0.0.1:9",
    )
    assert code != 0
    assert "cannot import name 'kubeflow_dag_runner'" in output, output
