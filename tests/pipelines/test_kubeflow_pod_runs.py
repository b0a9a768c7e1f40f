"""The whole compiled pipeline, run twice the way open-source KFP 2 runs it.

There is no Kubernetes here. `kfp_launcher` stands in for KFP's driver and
launcher as their source has them (each behaviour cited there): every task
of the compiled YAML runs through its own container command, in DAG order,
with the ExecutorInput the driver builds (upstream artifacts typed
`instanceSchema: ""`, the driver's `executor-logs` output, per-run output
URIs) on KFP's default store, a `minio://mlpipeline/v2/artifacts` root
backed by a local folder: inputs downloaded into each pod's `/minio/...`
before the command, outputs uploaded after it, retries by the task's
`retryPolicy` in a fresh pod. The data, serving and history directories
are local folders, as a volume mounted into every pod would be.

Run 1 (400 taxi rows, 3 trials) loses its tuner pod after the first
trial, and its retry after the second: with its retries spent the run
fails. Run 1b, a new run on the same data, continues that search (the
finished trials are not trained again) and pushes a model; run 2, on 400
new rows, warm-starts from run 1b's search and is judged against its
pushed model.
"""

import copy
import glob
import json
import os
import signal
import threading
import time

import pytest

from components.util import feature_kinds
from pipelines import kubeflow_runner
from tests.helpers import kfp_launcher

pytestmark = pytest.mark.slow

ROOT = "minio://mlpipeline/v2/artifacts"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from pipelines import sample_data

    root = tmp_path_factory.mktemp("pods")
    first_data = sample_data.write_sample(str(root / "data1"), rows=400)
    second_data = sample_data.write_sample(
        str(root / "data2"), rows=400, skip=400
    )
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
    spec = kfp_launcher.load_spec(path)
    store = root / "object-store"
    history = str(root / "serving") + "-history"

    def run(run_id, data, run_spec=spec, **kwargs):
        launcher = kfp_launcher.Launcher(
            run_spec,
            pipeline_root=ROOT,
            run_id=run_id,
            object_store_dir=str(store),
            staging_root=str(root / "pods" / run_id),
            # Run-time parameters, as `autokeras-tfx kfp run` sets them.
            parameters={"data_root": data, "max_trials": 3},
        )
        try:
            launcher.run_all(**kwargs)
        except kfp_launcher.TaskFailed as failed:
            return launcher, failed
        return launcher, None

    # A cluster that retries the tuner once: both of its pods are lost,
    # the first after one finished trial, the retry after two.
    few_retries = copy.deepcopy(spec)
    few_retries["root"]["dag"]["tasks"]["AutoKerasTuner"]["retryPolicy"][
        "maxRetryCount"
    ] = 1
    killed_at = {}
    first, failed = run(
        "run-1",
        first_data,
        run_spec=few_retries,
        on_start=_kill_tuner_after_trials(history, killed_at),
    )
    assert failed is not None and failed.task == "AutoKerasTuner", failed
    again, failed = run("run-1b", first_data)
    assert failed is None, failed
    second, failed = run("run-2", second_data)
    assert failed is None, failed
    return root, store, (first, killed_at), again, second


def _saved_trials(history):
    """{trial id: status} in the run history's durable search copy."""
    trials = {}
    for path in glob.glob(
        os.path.join(
            history,
            "*",
            "searches",
            "*",
            "search",
            "trials",
            "trial_*",
            "trial.json",
        )
    ):
        try:
            with open(path) as f:
                trial = json.load(f)
        except (OSError, ValueError):  # being rewritten
            continue
        trials[trial["trial_id"]] = trial["status"]
    return trials


def _saved_seconds(history):
    [path] = glob.glob(
        os.path.join(
            history, "*", "searches", "*", "search", "**", "oracle.json"
        ),
        recursive=True,
    )
    with open(path) as f:
        return json.load(f)["trial_seconds"]


def _kill_tuner_after_trials(history, killed_at):
    """An `on_start` hook: kills the tuner's attempt n once n + 1 trials
    are saved as finished, as a lost node would (SIGKILL)."""

    def on_start(task, attempt, process):
        if task != "AutoKerasTuner":
            return

        def watch():
            deadline = time.monotonic() + 600
            while process.poll() is None and time.monotonic() < deadline:
                done = [
                    t
                    for t, status in _saved_trials(history).items()
                    if status == "COMPLETED"
                ]
                if len(done) >= attempt + 1:
                    killed_at[attempt] = {
                        t: seconds
                        for t, seconds in _saved_seconds(history).items()
                        if t in done
                    }
                    os.killpg(process.pid, signal.SIGKILL)
                    return
                time.sleep(0.2)

        threading.Thread(target=watch, daemon=True).start()

    return on_start


def stored(store, uri):
    """The object-store file behind a minio:// URI."""
    assert uri.startswith("minio://"), uri
    return os.path.join(str(store), uri[len("minio://") :])


def only(launcher, task, key):
    [artifact] = launcher.outputs[task][key]
    return artifact


def test_every_task_ran_our_entrypoint_on_the_drivers_inputs(runs):
    _, _, _, first, _ = runs
    assert set(first.commands) == {
        "CsvExampleGen",
        "StatisticsGen",
        "SchemaGen",
        "ExampleValidator",
        "FeatureKindsGen",
        "RunHistoryLookup",
        "Transform",
        "AutoKerasTuner",
        "Trainer",
        "Evaluator",
        "Pusher",
        "RunHistoryRecorder",
    }
    for task, argv in first.commands.items():
        assert argv[1:3] == ["-m", "components.kfp_entrypoint"], task
    # What the driver sent the tuner: empty types on upstream artifacts,
    # remote URIs, and the launcher's own executor-logs output.
    sent = first.driver_inputs["AutoKerasTuner"]
    [examples] = sent["inputs"]["artifacts"]["examples"]["artifacts"]
    assert examples["type"] == {"instanceSchema": ""}
    assert examples["uri"].startswith(ROOT + "/taxi-automl/run-1b/")
    assert "executor-logs" in sent["outputs"]["artifacts"]


def test_outputs_live_in_the_object_store_under_each_run(runs):
    _, store, _, first, second = runs
    for launcher, run_id in ((first, "run-1b"), (second, "run-2")):
        model = only(launcher, "Trainer", "model")["uri"]
        assert model.startswith(f"{ROOT}/taxi-automl/{run_id}/Trainer/")
        assert os.path.isfile(
            os.path.join(
                stored(store, model), "Format-Serving", "saved_model.pb"
            )
        )


def test_a_lost_tuner_pod_and_a_new_run_continue_the_search(runs):
    root, store, (failed, killed_at), again, _ = runs
    attempts = failed.attempts["AutoKerasTuner"]
    assert [a.succeeded for a in attempts] == [False, False]
    assert sorted(killed_at) == [0, 1]
    # The retry took up the first pod's search (its local folder was
    # gone: a fresh pod): it had more finished trials to lose.
    assert len(killed_at[1]) > len(killed_at[0])
    results = stored(
        store, only(again, "AutoKerasTuner", "tuner_results")["uri"]
    )
    with open(os.path.join(results, "search_results.json")) as f:
        trials = json.load(f)["trials"]
    # The run-time budget (compiled default 10), all finished.
    assert [t["status"] for t in trials] == ["COMPLETED"] * 3
    for trial in trials:
        if trial["trial_id"] in killed_at[1]:
            # Not trained again: its seconds are the killed pod's, to the
            # bit (a new fit would have measured others).
            assert trial["attempts"] == 1, trial
            assert trial["seconds"] == killed_at[1][trial["trial_id"]]
    # Nothing is left to continue once the search is complete.
    assert _saved_trials(str(root / "serving") + "-history") == {}


def test_the_first_run_pushed_and_recorded_its_model(runs):
    root, _, _, first, _ = runs
    blessing = only(first, "Evaluator", "blessing")
    assert blessing["metadata"]["blessed"] == 1
    assert "baseline_model" not in blessing["metadata"]
    assert only(first, "Pusher", "pushed_model")["metadata"]["pushed"] == 1
    assert (
        only(first, "RunHistoryLookup", "baseline_model")["metadata"][
            "found_in_history"
        ]
        == 0
    )


def test_the_second_run_warm_starts_and_is_judged_against_the_first(runs):
    root, store, _, first, second = runs
    lookup = only(second, "RunHistoryLookup", "tuner_results")
    assert lookup["metadata"]["found_in_history"] == 1
    results = stored(
        store, only(second, "AutoKerasTuner", "tuner_results")["uri"]
    )
    with open(os.path.join(results, "search_results.json")) as f:
        trials = json.load(f)["trials"]
    assert trials[0]["origin"].startswith("warm start 1/")
    first_results = stored(
        store, only(first, "AutoKerasTuner", "tuner_results")["uri"]
    )
    with open(os.path.join(first_results, "search_results.json")) as f:
        first_best = min(
            (t for t in json.load(f)["trials"] if t["status"] == "COMPLETED"),
            key=lambda t: t["score"],
        )
    assert trials[0]["hyperparameters"] == first_best["hyperparameters"]

    # The baseline is the model run 1 pushed, staged into run 2's pods.
    baseline = only(second, "RunHistoryLookup", "baseline_model")
    assert baseline["metadata"]["found_in_history"] == 1
    blessing = only(second, "Evaluator", "blessing")
    # The Evaluator names both models by their remote URIs, not by the
    # pod's staging paths (components/kfp_entrypoint.py).
    assert blessing["metadata"]["baseline_model"] == baseline["uri"]
    assert (
        blessing["metadata"]["current_model"]
        == only(second, "Trainer", "model")["uri"]
    )
    pushed_first = only(first, "Pusher", "pushed_model")["metadata"][
        "pushed_destination"
    ]
    with (
        open(os.path.join(pushed_first, "saved_model.pb"), "rb") as a,
        open(
            os.path.join(
                stored(store, baseline["uri"]),
                "Format-Serving",
                "saved_model.pb",
            ),
            "rb",
        ) as b,
    ):
        assert a.read() == b.read()


def test_the_report_files_are_at_their_uris(runs):
    # KFP 2's UI reads the file AT a system.HTML / system.Markdown
    # artifact's URI (tests/components/autokeras_tuner/report/test_report_artifacts.py renders it).
    _, store, _, first, _ = runs
    html = stored(store, only(first, "AutoKerasTuner", "report_html")["uri"])
    markdown = stored(
        store, only(first, "AutoKerasTuner", "report_markdown")["uri"]
    )
    with open(html, encoding="utf-8") as f:
        assert f.read().startswith("<!DOCTYPE html>")
    with open(markdown, encoding="utf-8") as f:
        assert "## Trials" in f.read()
