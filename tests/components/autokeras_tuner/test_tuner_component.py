"""The AutoKerasTuner executor in production conditions, on the real
Transform output of the session's pipeline run (400 taxi rows).

- a search killed with SIGKILL at a random point and run again completes,
  re-runs no finished trial, and ends with the uninterrupted run's result;
- two worker processes complete a search with the same bookkeeping as one;
- a second run given the first run's results starts from its best
  configuration (warm start);
- the search report renders in headless Chromium;
- a finished search is taken again, not re-run, by the next execution of
  the same inputs until the run is recorded (a run killed after its
  search).
"""

import glob
import json
import os
import pathlib
import random
import signal
import subprocess
import sys
import time

import pytest

from components.autokeras_tuner import resume
from components.autokeras_tuner import spec
from tests.helpers import tuner_harness

pytestmark = pytest.mark.slow

ROOT = str(pathlib.Path(__file__).resolve().parents[3])


@pytest.fixture(scope="module")
def straight(pipeline_run, tmp_path_factory):
    """An uninterrupted search of 4 trials: (output dir, results)."""
    output = tmp_path_factory.mktemp("straight")
    started = time.monotonic()
    results = tuner_harness.run(tuner_harness.request(pipeline_run[0], output))
    results["_wall_seconds"] = time.monotonic() - started
    return output, results


def _read_best(output):
    best_uri, _ = tuner_harness.outputs(output)
    with open(os.path.join(best_uri, "best_hyperparameters.txt")) as f:
        return json.load(f)["values"]


def _finished_trials(output):
    _, results_uri = tuner_harness.outputs(output)
    pattern = os.path.join(
        results_uri, "search", "trials", "trial_*", "trial.json"
    )
    finished = set()
    for path in glob.glob(pattern):
        try:
            with open(path) as f:
                trial = json.load(f)
        except (OSError, ValueError):
            continue
        if trial["status"] != "RUNNING":
            finished.add(trial["trial_id"])
    return finished


def _start(request_path):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.helpers.tuner_harness",
            str(request_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_killed_search_resumes_to_the_same_result(
    pipeline_run, straight, tmp_path
):
    straight_output, straight_results = straight
    request = tuner_harness.request(pipeline_run[0], tmp_path / "out")
    request_path = tmp_path / "request.json"
    request_path.write_text(json.dumps(request))

    process = _start(request_path)
    # Kill at a random moment after the first trial has finished.
    deadline = time.monotonic() + 300
    while not _finished_trials(tmp_path / "out"):
        assert process.poll() is None, process.stdout.read()[-3000:]
        assert time.monotonic() < deadline, "no trial finished in 300 s"
        time.sleep(0.2)
    delay = random.uniform(0.0, 3.0)
    time.sleep(delay)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = _finished_trials(tmp_path / "out")
    print(
        f"killed {delay:.2f} s after trial 1 finished; finished trials: "
        f"{sorted(finished_before)}"
    )
    assert len(finished_before) < 4, "the search ended before the kill"

    started = time.monotonic()
    resumed = _start(request_path)
    log = resumed.communicate(timeout=600)[0]
    assert resumed.returncode == 0, log[-3000:]
    print(
        f"resumed run took {time.monotonic() - started:.1f} s; the "
        f"uninterrupted one {straight_results['_wall_seconds']:.1f} s"
    )

    _, results_uri = tuner_harness.outputs(tmp_path / "out")
    with open(os.path.join(results_uri, "search_results.json")) as f:
        results = json.load(f)
    trials = results["trials"]
    assert [t["status"] for t in trials] == ["COMPLETED"] * 4
    # No trial that had finished before the kill ran again.
    for trial in trials:
        if trial["trial_id"] in finished_before:
            assert trial["attempts"] == 1, trial
        else:
            assert trial["attempts"] in (1, 2), trial
    # Same seed, same data: the same configurations, in the same order, and
    # the same best hyperparameters as the uninterrupted run.
    assert [t["hyperparameters"] for t in trials] == [
        t["hyperparameters"] for t in straight_results["trials"]
    ]
    assert _read_best(tmp_path / "out") == _read_best(straight_output)
    # The time budget kept counting across the two processes.
    assert results["elapsed_seconds"] > 0


def test_two_workers_keep_the_same_bookkeeping(
    pipeline_run, straight, tmp_path
):
    _, straight_results = straight
    started = time.monotonic()
    results = tuner_harness.run(
        tuner_harness.request(
            pipeline_run[0], tmp_path / "out", num_parallel_trials=2
        )
    )
    wall = time.monotonic() - started
    print(
        f"2 workers: {wall:.1f} s; 1 worker: "
        f"{straight_results['_wall_seconds']:.1f} s"
    )
    trials = results["trials"]
    assert [t["trial_id"] for t in trials] == [
        t["trial_id"] for t in straight_results["trials"]
    ]
    assert all(t["status"] == "COMPLETED" for t in trials)
    assert all(t["attempts"] == 1 for t in trials)
    assert all(t["epochs"] and t["seconds"] for t in trials)
    # Both workers ran trials.
    _, results_uri = tuner_harness.outputs(tmp_path / "out")
    with open(
        os.path.join(results_uri, "search", "trials", "trial_attempts.log")
    ) as f:
        workers = {line.split()[1] for line in f}
    assert workers == {"worker0", "worker1"}
    # The predefined configurations come first, whoever runs them.
    assert [t["origin"] for t in trials[:3]] == [
        t["origin"] for t in straight_results["trials"][:3]
    ]
    assert [t["hyperparameters"] for t in trials[:3]] == [
        t["hyperparameters"] for t in straight_results["trials"][:3]
    ]


def test_warm_start_tries_the_previous_best_first(
    pipeline_run, straight, tmp_path
):
    straight_output, straight_results = straight
    _, previous_results = tuner_harness.outputs(straight_output)
    results = tuner_harness.run(
        tuner_harness.request(
            pipeline_run[0],
            tmp_path / "out",
            warmup_uri=previous_results,
            max_trials=2,
        )
    )
    first = results["trials"][0]
    assert first["origin"].startswith("warm start 1/")
    assert first["hyperparameters"] == _read_best(straight_output)


def test_report_renders_in_headless_chromium(straight, tmp_path):
    output, results = straight
    _, results_uri = tuner_harness.outputs(output)
    page = os.path.join(results_uri, "report.html")
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--dump-dom",
            f"file://{page}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "<svg" in dom
    for trial in results["trials"]:
        assert f'id="trial-{trial["trial_id"]}"' in dom
    assert results["best_trial_id"] is not None
    assert "dense_block_1" in dom  # the best model's layers are listed
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--screenshot={screenshot}",
            "--window-size=1280,2000",
            f"file://{page}",
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("AKT_REPORT_SCREENSHOT"):
        import shutil

        shutil.copy(screenshot, os.environ["AKT_REPORT_SCREENSHOT"])


def test_the_trainer_is_handed_the_searchs_run_time_epochs_and_seed(straight):
    """A Kubeflow run's `epochs` and `seed` reach the Trainer through the
    tuner's output (its custom_config was fixed at compile time)."""
    output, _ = straight
    best_uri, _ = tuner_harness.outputs(output)
    with open(os.path.join(best_uri, "best_hyperparameters.txt")) as f:
        written = json.load(f)
    # tuner_harness.request's epochs and seed.
    assert written["run_parameters"] == {"epochs": 2, "seed": 0}


def test_a_finished_search_is_taken_again_until_the_run_is_recorded(
    pipeline_run, tmp_path
):
    """A run killed after the search, before its end: the next run's tuner
    (new output URIs, same inputs) reuses the finished search."""
    history = {
        spec.HISTORY_DIR_KEY: str(tmp_path / "history"),
        spec.SCOPE_KEY: "taxi/payment_type",
    }

    def saved_copies():
        return glob.glob(str(tmp_path / "history" / "*" / "searches" / "*"))

    first = tuner_harness.run(
        tuner_harness.request(pipeline_run[0], tmp_path / "first", **history)
    )
    assert len(saved_copies()) == 1  # kept: the run has not been recorded
    again = tuner_harness.run(
        tuner_harness.request(pipeline_run[0], tmp_path / "again", **history)
    )
    assert [t["status"] for t in again["trials"]] == ["COMPLETED"] * 4
    # Not one trial ran again: each has the first search's attempt and time.
    assert [(t["attempts"], t["seconds"]) for t in again["trials"]] == [
        (1, t["seconds"]) for t in first["trials"]
    ]
    assert again["best_trial_id"] == first["best_trial_id"]
    # The run's end (RunHistoryRecorder) drops the copy that has served.
    _, results_uri = tuner_harness.outputs(tmp_path / "again")
    [kept] = saved_copies()
    assert resume.drop_recorded_copy(results_uri) == kept
    assert saved_copies() == []
