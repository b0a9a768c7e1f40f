"""Every component of the compiled YAML, run the way a KFP 2 pod runs it.

There is no Kubernetes here. `kfp_launcher` stands in for the cluster: it
takes each container's command and arguments from the compiled
`deploymentSpec`, builds the ExecutorInput JSON a KFP v2 launcher passes
(artifact URIs under a local pipeline root) and runs the command in our
runtime, which is the content of the images. All tasks run, from ExampleGen
to Pusher, on 400 taxi rows with one trial of one epoch.
"""

import json
import os

import pytest

from components import feature_kinds
from pipelines import kubeflow_runner
from tests import kfp_launcher

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    from pipelines import sample_data

    root = tmp_path_factory.mktemp("pods")
    data = sample_data.write_sample(str(root / "data"), rows=400)
    settings = kubeflow_runner.ClusterSettings()
    pipeline = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name="taxi-automl",
        data_root="/compiled/default/is/not/used",
        transform_config=feature_kinds.TransformConfig(label="payment_type"),
        serving_model_dir=str(root / "serving"),
        settings=settings,
        max_trials=10,
        tuner_epochs=1,
        trainer_epochs=1,
        min_accuracy=0.0,
    )
    path = kubeflow_runner.compile_pipeline(
        str(root / "pipeline.yaml"), pipeline, settings
    )
    workdir = root / "home"
    workdir.mkdir()
    launcher = kfp_launcher.Launcher(
        kfp_launcher.load_spec(path),
        pipeline_root=str(root / "pipeline_root"),
        # Run-time parameters, as `autokeras-tfx kfp run` sets them.
        parameters={"data_root": data, "max_trials": 1},
        workdir=str(workdir),
    )
    launcher.run_all()
    return root, launcher


def only_uri(launcher, task, key):
    [artifact] = launcher.outputs[task][key]
    return artifact["uri"]


def test_every_task_ran_its_compiled_container(finished):
    _, launcher = finished
    ran = set(launcher.commands)
    assert {"CsvExampleGen", "StatisticsGen", "SchemaGen",
            "ExampleValidator", "FeatureKindsGen", "Transform",
            "AutoKerasTuner", "Trainer", "Evaluator", "Pusher"} == ran
    tuner = launcher.commands["AutoKerasTuner"]
    assert tuner[1:3] == [
        "-m", "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"
    ]
    assert "components.executor.Executor" in tuner


def test_tuner_took_the_run_time_max_trials(finished):
    _, launcher = finished
    hyperparameters = only_uri(
        launcher, "AutoKerasTuner", "best_hyperparameters"
    )
    [name] = os.listdir(hyperparameters)
    with open(os.path.join(hyperparameters, name)) as f:
        assert json.load(f)["values"]
    results = only_uri(launcher, "AutoKerasTuner", "tuner_results")
    with open(os.path.join(results, "tuner_results.json")) as f:
        trials = json.load(f)
    assert len(trials) == 1  # compiled default 10; the run said 1


def test_trainer_wrote_a_serving_model(finished):
    _, launcher = finished
    model = only_uri(launcher, "Trainer", "model")
    assert os.path.isfile(
        os.path.join(model, "Format-Serving", "saved_model.pb")
    )


def test_evaluator_blessed_and_pusher_pushed(finished):
    root, launcher = finished
    [blessing] = launcher.outputs["Evaluator"]["blessing"]
    assert blessing["metadata"]["blessed"] == 1
    assert os.path.isfile(os.path.join(
        only_uri(launcher, "Evaluator", "blessing"), "BLESSED"))
    [pushed] = launcher.outputs["Pusher"]["pushed_model"]
    assert pushed["metadata"]["pushed"] == 1
    versions = os.listdir(root / "serving")
    assert len(versions) == 1
    assert os.path.isfile(root / "serving" / versions[0] / "saved_model.pb")


def test_tuner_wrote_the_report_files_at_their_uris(finished):
    # KFP 2's UI reads the file AT a system.HTML / system.Markdown
    # artifact's URI (tests/test_report_artifacts.py renders it).
    _, launcher = finished
    html_uri = only_uri(launcher, "AutoKerasTuner", "report_html")
    markdown_uri = only_uri(launcher, "AutoKerasTuner", "report_markdown")
    assert os.path.isfile(html_uri) and os.path.isfile(markdown_uri)
    with open(html_uri, encoding="utf-8") as f:
        assert f.read().startswith("<!DOCTYPE html>")
    with open(markdown_uri, encoding="utf-8") as f:
        assert "## Trials" in f.read()
    results = only_uri(launcher, "AutoKerasTuner", "tuner_results")
    assert "mlpipeline-ui-metadata.json" not in os.listdir(results)
