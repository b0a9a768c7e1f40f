"""`autokeras-tfx run` killed with SIGKILL in the tuner stage, then run
again with the same command, continues where it stopped.

Real CLI runs on a 90-row table (3 trials of 2 epochs), each a separate
process:
- an uninterrupted run, for comparison;
- a run killed at a random point of its search (after 0 or 1 finished
  trials, plus a random delay), then the same command again: the stages
  before the tuner come from TFX's execution cache, the finished trials are
  not re-run, and the trials and best hyperparameters equal the
  uninterrupted run's;
- then new data under the same command: nothing is cached, and the search
  is a new one (warm-started from the last results), not the old one.
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
from ml_metadata.proto import metadata_store_pb2

from pipelines import run_summary

pytestmark = pytest.mark.slow

ROOT = str(pathlib.Path(__file__).resolve().parents[3])
BEFORE_TUNER = (
    "CsvExampleGen",
    "StatisticsGen",
    "SchemaGen",
    "ExampleValidator",
    "FeatureKindsGen",
    "Transform",
)


def _write_data(directory, rows, offset=0):
    os.makedirs(directory, exist_ok=True)
    lines = ["size,weight,colour,label"]
    rng = random.Random(offset)
    for i in range(rows):
        big = (i + offset) % 3 == 0
        size = (20 if big else 5) + rng.random() * 4
        lines.append(
            f"{size:.3f},{rng.random():.3f},{'red' if big else 'blue'},"
            f"{'big' if big else 'small'}"
        )
    with open(os.path.join(directory, "table.csv"), "w") as f:
        f.write("\n".join(lines) + "\n")


def _command(data, output):
    return [
        sys.executable,
        "-m",
        "pipelines.cli",
        "run",
        "--data",
        str(data),
        "--label",
        "label",
        "--max-trials",
        "3",
        "--epochs",
        "2",
        "--seed",
        "0",
        "--min-eval-rows",
        "0",
        "--output",
        str(output),
    ]


def _run(data, output):
    started = time.monotonic()
    done = subprocess.run(
        _command(data, output),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    return time.monotonic() - started


def _pipeline_dir(output):
    [marker] = glob.glob(os.path.join(str(output), "*", "identity.json"))
    return os.path.dirname(marker)


def _results_uris(output):
    pattern = os.path.join(
        str(output),
        "*",
        "pipeline_root",
        "AutoKerasTuner",
        "tuner_results",
        "*",
    )
    return sorted(
        (
            p
            for p in glob.glob(pattern)
            if os.path.isdir(p) and not os.path.basename(p).startswith(".")
        ),
        key=lambda p: int(os.path.basename(p)),
    )


def _finished_trials(results_uri):
    finished = set()
    pattern = os.path.join(
        results_uri, "search", "trials", "trial_*", "trial.json"
    )
    for path in glob.glob(pattern):
        try:
            with open(path) as f:
                trial = json.load(f)
        except (OSError, ValueError):
            continue  # being written
        if trial["status"] != "RUNNING":
            finished.add(trial["trial_id"])
    return finished


def _search_results(results_uri):
    with open(os.path.join(results_uri, "search_results.json")) as f:
        return json.load(f)


def _best(output):
    pattern = os.path.join(
        _pipeline_dir(output),
        "pipeline_root",
        "AutoKerasTuner",
        "best_hyperparameters",
        "*",
        "best_hyperparameters.txt",
    )
    path = max(glob.glob(pattern), key=lambda p: int(p.split(os.sep)[-2]))
    with open(path) as f:
        return json.load(f)["values"]


def _last_states(output):
    """Node id -> state of its latest execution."""
    store = run_summary.open_store(
        os.path.join(_pipeline_dir(output), "metadata.sqlite")
    )
    states = {}
    for context in store.get_contexts_by_type("node"):
        executions = store.get_executions_by_context(context.id)
        if executions:
            last = max(executions, key=lambda e: e.id)
            states[context.name.split(".", 1)[1]] = (
                metadata_store_pb2.Execution.State.Name(last.last_known_state)
            )
    return states


def _tuner_states(output):
    """The AutoKerasTuner's executions' states, oldest first."""
    store = run_summary.open_store(
        os.path.join(_pipeline_dir(output), "metadata.sqlite")
    )
    [context] = [
        c
        for c in store.get_contexts_by_type("node")
        if c.name.endswith(".AutoKerasTuner")
    ]
    return [
        metadata_store_pb2.Execution.State.Name(e.last_known_state)
        for e in sorted(
            store.get_executions_by_context(context.id), key=lambda e: e.id
        )
    ]


def _kill_in_the_search(data, output):
    process = subprocess.Popen(
        _command(data, output),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # After one or two of the three trials (and a random delay): the check
    # that finished trials are not re-run needs one.
    wanted = random.choice([1, 2])
    delay = random.uniform(0.0, 1.5)
    deadline = time.monotonic() + 600
    while True:
        assert process.poll() is None, "the run ended before the kill"
        assert time.monotonic() < deadline, "the search never started"
        uris = _results_uris(output)
        if (
            uris
            and os.path.isdir(os.path.join(uris[-1], "search"))
            and len(_finished_trials(uris[-1])) >= wanted
        ):
            break
        time.sleep(0.2)
    time.sleep(delay)
    # The whole run: the CLI, Beam workers, any trial workers.
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    [killed_uri] = _results_uris(output)
    assert not os.path.exists(
        os.path.join(killed_uri, "search_results.json")
    ), "the search finished before the kill"
    finished = _finished_trials(killed_uri)
    print(f"killed after {len(finished)} finished trials (+{delay:.2f} s)")
    return killed_uri, {
        trial_id: seconds
        for trial_id, seconds in _trial_seconds(killed_uri).items()
        if trial_id in finished
    }


def _trial_seconds(results_uri):
    """Trial id -> training seconds, as the oracle's saved state has them."""
    [path] = glob.glob(
        os.path.join(results_uri, "search", "**", "oracle.json"),
        recursive=True,
    )
    with open(path) as f:
        return json.load(f)["trial_seconds"]


def test_a_killed_run_continues_and_new_data_starts_afresh(tmp_path):
    data = tmp_path / "data"
    _write_data(data, rows=90)
    straight = tmp_path / "straight"
    straight_seconds = _run(data, straight)
    [straight_uri] = _results_uris(straight)
    expected = _search_results(straight_uri)

    resumed = tmp_path / "resumed"
    killed_uri, finished_before = _kill_in_the_search(data, resumed)
    resumed_seconds = _run(data, resumed)
    print(
        f"uninterrupted {straight_seconds:.0f} s, rerun after the kill "
        f"{resumed_seconds:.0f} s"
    )

    # The stages before the tuner were not run again.
    states = _last_states(resumed)
    for node in BEFORE_TUNER:
        assert states[node] == "CACHED", (node, states)
    assert states["AutoKerasTuner"] == "COMPLETE"

    # A new execution (new URI) that continued the killed one's search;
    # the killed execution is cancelled in ML Metadata and its partial
    # output removed (pipelines/interrupted_runs.py).
    [resumed_uri] = _results_uris(resumed)
    assert resumed_uri != killed_uri
    assert not os.path.exists(killed_uri)
    assert _tuner_states(resumed) == ["CANCELED", "COMPLETE"]
    results = _search_results(resumed_uri)
    trials = results["trials"]
    assert [t["status"] for t in trials] == ["COMPLETED"] * 3
    assert finished_before
    for trial in trials:
        if trial["trial_id"] in finished_before:
            # Not re-run: its wall time is the killed run's, to the bit (a
            # new fit would have measured another).
            assert trial["attempts"] == 1, trial
            assert trial["seconds"] == finished_before[trial["trial_id"]]
    assert [t["hyperparameters"] for t in trials] == [
        t["hyperparameters"] for t in expected["trials"]
    ]
    assert [t["origin"] for t in trials] == [
        t["origin"] for t in expected["trials"]
    ]
    assert _best(resumed) == _best(straight)
    # Nothing left to continue once the search is complete: the durable
    # copy in the run history (components/autokeras_tuner/resume.py) is gone.
    pipeline_dir = resumed_uri.split(os.sep + "pipeline_root" + os.sep)[0]
    assert glob.glob(os.path.join(pipeline_dir, "history", "*"))
    assert not glob.glob(
        os.path.join(pipeline_dir, "history", "*", "searches", "*")
    )

    # New data, same command (same columns: the same pipeline).
    _write_data(data, rows=90, offset=1)
    _run(data, resumed)
    states = _last_states(resumed)
    for node in BEFORE_TUNER:
        assert states[node] == "COMPLETE", (node, states)
    [_, fresh_uri] = _results_uris(resumed)
    fresh = _search_results(fresh_uri)["trials"]
    # A new search: it starts from the last run's best configurations
    # (warm start), where continuing the old one would have replayed its
    # trials.
    assert fresh[0]["origin"].startswith("warm start"), fresh
    assert all(t["attempts"] == 1 for t in fresh)
