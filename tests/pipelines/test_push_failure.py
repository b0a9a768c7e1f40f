"""A blessing follows the push (issue 26, point 2).

A push that fails (the serving directory is not a directory this run can
write) ends the run with an error naming the serving directory and the
cause, exit status 1; ML Metadata then records no pushed model, nothing is
served, and the next run does not take the blessed-but-never-served model
as its baseline.
"""

import io
import logging
import random
import types

import pytest

from pipelines import cli
from pipelines import local_runner


def _pipeline_with_a_pusher(serving_dir):
    from tfx import v1 as tfx
    from tfx.types import channel
    from tfx.types import standard_artifacts

    pusher = tfx.components.Pusher(
        model=channel.Channel(type=standard_artifacts.Model),
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=str(serving_dir)
            )
        ),
    )
    return types.SimpleNamespace(components=[pusher])


def test_a_failed_push_is_reported_with_the_serving_dir(tmp_path, monkeypatch):
    """No training: the runner is replaced by one that starts the Pusher's
    stage and fails in it, as TFX's Pusher does on a file in the way."""
    serving = local_runner.local_paths(str(tmp_path), "p")["serving_model_dir"]
    pipeline = _pipeline_with_a_pusher(serving)

    def failing_run(pipeline):
        logging.getLogger("absl").info("Component Pusher is running.")
        raise OSError(f"{serving} is not a directory")

    monkeypatch.setattr(local_runner, "run", failing_run)
    args = types.SimpleNamespace(
        verbose=False, max_trials=1, output=str(tmp_path), pipeline_name="p"
    )
    console = types.SimpleNamespace(stream=io.StringIO())
    with pytest.raises(cli.PushFailedError) as raised:
        cli._run_with_progress(pipeline, args, console)
    message = str(raised.value)
    assert f"the push to the serving directory {serving} failed" in message
    assert f"OSError: {serving} is not a directory" in message
    assert "not recorded as pushed" in message
    assert "Pusher  stopped" in console.stream.getvalue()


def test_a_failure_elsewhere_is_not_called_a_push(tmp_path, monkeypatch):
    pipeline = _pipeline_with_a_pusher(tmp_path / "serving")

    def failing_run(pipeline):
        logging.getLogger("absl").info("Component Trainer is running.")
        raise RuntimeError("out of memory")

    monkeypatch.setattr(local_runner, "run", failing_run)
    args = types.SimpleNamespace(
        verbose=False, max_trials=1, output=str(tmp_path), pipeline_name="p"
    )
    console = types.SimpleNamespace(stream=io.StringIO())
    with pytest.raises(RuntimeError, match="out of memory") as raised:
        cli._run_with_progress(pipeline, args, console)
    assert not isinstance(raised.value, cli.PushFailedError)


def _pushed_destinations(metadata_path):
    from pipelines import run_summary

    store = run_summary.open_store(metadata_path)
    return [
        a.custom_properties["pushed_destination"].string_value
        for a in store.get_artifacts_by_type("PushedModel")
        if a.custom_properties["pushed"].int_value == 1
    ], [
        a.custom_properties["blessed"].int_value
        for a in store.get_artifacts_by_type("ModelBlessing")
    ]


@pytest.mark.slow
def test_served_model_and_metadata_agree_after_a_failed_push(tmp_path, capfd):
    """A real local run (1 trial, 1 epoch, 200 rows) whose serving
    directory is a file, then a run after it is cleared."""
    data = tmp_path / "data"
    data.mkdir()
    rows = random.Random(0)
    lines = ["size,colour,label"]
    for i in range(200):
        big = i % 2
        # Distinct rows (the split keeps duplicates together), both classes.
        lines.append(
            f"{rows.random() + 5 * big:.3f},{'red' if big else 'blue'},"
            f"{'big' if big else 'small'}"
        )
    (data / "t.csv").write_text("\n".join(lines) + "\n")
    output = tmp_path / "out"
    paths = local_runner.local_paths(str(output), "p")
    output.mkdir()
    (output / local_runner.OUTPUT_MARKER).touch()
    (output / "p").mkdir()
    serving = tmp_path / "out" / "p" / "serving_model"
    serving.write_text("in the way")
    argv = [
        "run",
        "--data",
        str(data),
        "--label",
        "label",
        "--output",
        str(output),
        "--pipeline-name",
        "p",
        "--max-trials",
        "1",
        "--epochs",
        "1",
        "--min-eval-rows",
        "1",
    ]
    assert cli.main(argv) == 1
    err = capfd.readouterr().err
    assert f"the push to the serving directory {serving} failed" in err
    assert "is not a directory" in err
    pushed, blessed = _pushed_destinations(paths["metadata_path"])
    # Blessed by the Evaluator, yet recorded as pushed nowhere, and
    # nothing on disk is served.
    assert blessed == [1] and pushed == []
    assert serving.read_text() == "in the way"

    serving.unlink()
    assert cli.main(argv) == 0
    out = capfd.readouterr().out
    # The blessed model the failed push left is no baseline.
    assert "no earlier pushed model: nothing to compare with" in out
    pushed, _ = _pushed_destinations(paths["metadata_path"])
    assert len(pushed) == 1
    assert sorted(p.name for p in serving.iterdir()) == [
        pushed[0].rstrip("/").rsplit("/", 1)[-1]
    ]
