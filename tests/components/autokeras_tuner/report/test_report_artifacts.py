"""The tuner's report outputs as KFP 2's UI renders them: system.HTML and
system.Markdown, compiled into the YAML and importable in the pod.

The pod-style run that writes both files is in
tests/pipelines/test_kubeflow_pod_runs.py.
"""

import subprocess
import sys
import zipfile

import pytest
import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from components.autokeras_tuner import spec
from components.autokeras_tuner.report import artifacts as report_artifacts
from components.util import feature_kinds
from pipelines import kubeflow_runner
from tests.pipelines.test_kubeflow_compile import compile_to

ROOT = __file__.rsplit("/tests/", 1)[0]
TITLES = {
    spec.REPORT_HTML_KEY: "system.HTML",
    spec.REPORT_MARKDOWN_KEY: "system.Markdown",
}


@pytest.fixture(scope="module")
def tuner_outputs(tmp_path_factory):
    """The AutoKerasTuner component's output artifact definitions."""
    path = compile_to(
        tmp_path_factory.mktemp("kfp") / "pipeline.yaml",
        kubeflow_runner.ClusterSettings(),
    )
    with open(path) as f:
        document = next(yaml.safe_load_all(f))
    json_format.ParseDict(document, pipeline_spec_pb2.PipelineSpec())
    task = document["root"]["dag"]["tasks"]["AutoKerasTuner"]
    component = document["components"][task["componentRef"]["name"]]
    return component["outputDefinitions"]["artifacts"]


def test_compiled_yaml_has_both_outputs_with_kfp_titles(tuner_outputs):
    for key, title in TITLES.items():
        artifact_type = tuner_outputs[key]["artifactType"]
        schema = yaml.safe_load(artifact_type["instanceSchema"])
        assert schema["title"] == title, artifact_type
    # The other outputs keep TFX's own types.
    titles = {
        key: yaml.safe_load(o["artifactType"]["instanceSchema"])["title"]
        for key, o in tuner_outputs.items()
    }
    assert titles[spec.TUNER_RESULTS_KEY] == "tfx.TunerResults"


def test_the_pod_entrypoint_resolves_the_titles_to_our_classes(
    tuner_outputs,
):
    # What TFX's v2 entrypoint does with each output of the ExecutorInput.
    from tfx.orchestration.kubeflow.v2.container import (
        kubeflow_v2_entrypoint_utils,
    )

    artifacts = {}
    for key in TITLES:
        runtime = pipeline_spec_pb2.ArtifactList()
        item = runtime.artifacts.add()
        item.uri = f"gs://bucket/root/AutoKerasTuner/{key}"
        json_format.ParseDict(tuner_outputs[key]["artifactType"], item.type)
        artifacts[key] = runtime
    parsed = kubeflow_v2_entrypoint_utils.parse_raw_artifact_dict(
        artifacts, {}
    )
    assert type(parsed[spec.REPORT_HTML_KEY][0]) is report_artifacts.HTML
    assert (
        type(parsed[spec.REPORT_MARKDOWN_KEY][0]) is report_artifacts.Markdown
    )
    code = (
        "from tfx.utils import import_utils as u; "
        "print(u.import_class_by_path('system.HTML').TYPE_NAME, "
        "u.import_class_by_path('system.Markdown').TYPE_NAME)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",  # imported by path, not from the cwd
    ).stdout.split()
    assert out == ["system.HTML", "system.Markdown"]


def test_the_wheel_the_images_install_ships_the_system_package(tmp_path):
    # docker/Dockerfile pip-installs the checkout: the wheel must hold
    # system/, or every tuner pod fails to import `system.HTML`.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(tmp_path),
            ROOT,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("autokeras_tfx-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "system/__init__.py" in names
    assert "components/autokeras_tuner/report/artifacts.py" in names


@pytest.mark.slow
def test_the_tuner_pod_writes_both_files_at_their_uris(pipeline_run, tmp_path):
    """The tuner's compiled container, run as a KFP 2 pod runs it, on the
    session pipeline's real upstream outputs (the whole pipeline pod by pod
    is tests/pipelines/test_kubeflow_pod_runs.py)."""
    import glob
    import os

    from tests.helpers import kfp_launcher

    settings = kubeflow_runner.ClusterSettings()
    pipeline = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name="taxi-automl",
        data_root="/unused",
        transform_config=feature_kinds.TransformConfig(label="payment_type"),
        serving_model_dir=str(tmp_path / "serving"),
        settings=settings,
        tuner_epochs=1,
    )
    path = kubeflow_runner.compile_pipeline(
        str(tmp_path / "pipeline.yaml"), pipeline, settings
    )
    workdir = tmp_path / "home"
    workdir.mkdir()
    launcher = kfp_launcher.Launcher(
        kfp_launcher.load_spec(path),
        pipeline_root=str(tmp_path / "root"),
        parameters={"max_trials": 1},
        workdir=str(workdir),
    )
    # The upstream artifacts, as their producers' pods would list them:
    # the local run's, under the same component ids.
    root = os.path.join(str(pipeline_run[0]), "pipeline_root")
    task = launcher.spec["root"]["dag"]["tasks"]["AutoKerasTuner"]
    for source in task["inputs"]["artifacts"].values():
        producer = source["taskOutputArtifact"]
        name, key = producer["producerTask"], producer["outputArtifactKey"]
        found = sorted(glob.glob(os.path.join(root, name, key, "*")))
        listed = launcher.outputs.setdefault(name, {})
        listed[key] = (
            [
                {
                    "name": f"{name}/{key}",
                    "uri": found[-1],
                    "metadata": {"split_names": '["train", "eval"]'}
                    if key.endswith("examples")
                    else {},
                }
            ]
            if found
            else []
        )  # a resolver: nothing on a first run
    launcher.run_task("AutoKerasTuner")

    [html] = launcher.outputs["AutoKerasTuner"][spec.REPORT_HTML_KEY]
    [markdown] = launcher.outputs["AutoKerasTuner"][spec.REPORT_MARKDOWN_KEY]
    # KFP 2's UI reads the file AT the artifact's URI.
    assert os.path.isfile(html["uri"]) and os.path.isfile(markdown["uri"])
    with open(markdown["uri"], encoding="utf-8") as f:
        assert "## Trials" in f.read()
    with open(html["uri"], encoding="utf-8") as f:
        page = f.read()
    assert page.startswith("<!DOCTYPE html>")
    # The URI has no .html suffix (KFP's UI serves it as HTML by its type);
    # a copy with one makes Chromium render it rather than show the text.
    copy = tmp_path / "report.html"
    copy.write_text(page, encoding="utf-8")
    chromium = [
        "chromium",
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        chromium + ["--dump-dom", f"file://{copy}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "<svg" in dom and 'id="trial-' in dom
    screenshot = os.environ.get("AKT_REPORT_SCREENSHOT") or str(
        tmp_path / "report.png"
    )
    subprocess.run(
        chromium
        + [
            f"--screenshot={screenshot}",
            "--window-size=1280,1600",
            f"file://{copy}",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    with open(screenshot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
