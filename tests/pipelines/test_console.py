"""What a person sees on the console of a local run.

The fast tests drive the pieces (the log capture, the progress lines); the
slow one runs `demo` in a real terminal (tmux), reads the pane as a person
would, and checks it: no library noise, one line per stage with its
seconds, trial numbers that agree with each other, a search bar while the
search runs, whole numbers printed whole, and a summary that says what was
decided and what to run next.
"""

import io
import logging
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from pipelines import console as console_lib
from pipelines import progress

STAGES = [
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
]
# Library output a person should not see by default.
NOISE = re.compile(
    r"^[IWEF]\d{4} |INFO:|WARNING:|absl::|struct2tensor|oneDNN|cuInit|"
    r"Assets written|deprecat|AutoGraph|Traceback|step - ",
    re.MULTILINE | re.IGNORECASE,
)


def _record(name, message, level=logging.INFO):
    return logging.LogRecord(name, level, __file__, 1, message, (), None)


def test_plain_lines_one_per_stage_resolvers_left_out():
    stream = io.StringIO()  # not a terminal: plain lines, no live display
    handler = progress.ProgressHandler(
        ["ExampleGen", "Transform", "Tuner"],
        stream=stream,
        search_stage="Tuner",
        max_trials=2,
    )
    for name, message in [
        ("absl", "Component ExampleGen is running."),
        ("absl", "Component ExampleGen is finished."),
        ("absl", "Component latest_model_resolver is running."),
        ("absl", "Component latest_model_resolver is finished."),
        ("absl", "Component Transform is running."),
        # Transform's "finished" is lost: the next stage's start ends it.
        ("absl", "Component Tuner is running."),
        (
            "search_space.oracle",
            "trial 1/2  score 0.5 (best 0.5)  3 s  ETA 3 s  predefined 1/2",
        ),
        ("tensorflow", "Assets written to: /tmp/x"),
        ("absl", "Component Tuner is finished."),
    ]:
        handler.emit(_record(name, message))
    handler.close()
    lines = stream.getvalue().splitlines()
    # The seconds in one column, after the longest stage name.
    assert re.fullmatch(r"\[1/3\] ExampleGen  +\d+\.\d s", lines[0])
    assert re.fullmatch(r"\[2/3\] Transform  +\d+\.\d s", lines[1])
    assert lines[2].startswith("    trial 1/2  score 0.5")
    assert re.fullmatch(r"\[3/3\] Tuner  +\d+\.\d s", lines[3])
    assert (
        len(
            {
                line.index(" s")
                for line in (lines[0], lines[1], lines[3])
                if line.endswith(" s")
            }
        )
        == 1
    )
    assert len(lines) == 4, lines
    assert set(handler.stage_seconds) == {"ExampleGen", "Transform", "Tuner"}


def test_a_stage_that_fails_says_where_the_run_stopped():
    stream = io.StringIO()
    handler = progress.ProgressHandler(["A", "B"], stream=stream)
    handler.emit(_record("absl", "Component A is running."))
    handler.emit(_record("tfx", "The executor failed", logging.ERROR))
    handler.close()
    assert stream.getvalue().splitlines() == [
        "  error: The executor failed",
    ] + [line for line in stream.getvalue().splitlines()[1:]]
    assert re.fullmatch(
        r"\[1/2\] A  stopped after \d+\.\d s",
        stream.getvalue().splitlines()[-1],
    )


def test_console_sends_library_and_child_output_to_the_log(tmp_path, capfd):
    console = console_lib.Console()
    # Python's own stdout (pytest swaps `sys.stdout` for its capture).
    stdout = sys.__stdout__
    try:
        print("python print", file=stdout, flush=True)
        os.write(2, b"C-level write\n")
        subprocess.run(
            [sys.executable, "-c", "print('child process')"], check=True
        )
        print("for the person", file=console.stream, flush=True)
        console.move_log(str(tmp_path / "logs" / "run.log"))
        print("after the move", file=stdout, flush=True)
    finally:
        console.close()
    seen = capfd.readouterr()
    assert seen.out == "for the person\n" and seen.err == ""
    log = (tmp_path / "logs" / "run.log").read_text()
    for text in (
        "python print",
        "C-level write",
        "child process",
        "after the move",
    ):
        assert text in log, (text, log)
    assert "for the person" not in log


def test_verbose_console_shows_everything_and_logs_it(tmp_path, capfd):
    console = console_lib.Console(verbose=True)
    try:
        os.write(2, b"library noise\n")
        print("for the person", file=console.stream, flush=True)
        console.move_log(str(tmp_path / "run.log"))
    finally:
        console.close()
    seen = capfd.readouterr()
    assert "library noise" in seen.out and "for the person" in seen.out
    log = (tmp_path / "run.log").read_text()
    assert "library noise" in log and "for the person" in log


def _tmux(*args, check=True):
    return subprocess.run(
        ["tmux", "-L", "akt-console-test", *args],
        capture_output=True,
        text=True,
        check=check,
    )


@pytest.mark.slow
def test_demo_in_a_real_terminal(tmp_path):
    if not shutil.which("tmux"):
        pytest.fail(
            "tmux is missing: run the tests through ./dev (its "
            "runtime installs tmux), or `apt-get install tmux`."
        )
    output = tmp_path / "output"
    done = tmp_path / "exit-code"
    command = (
        f"cd {os.getcwd()} && {sys.executable} -m pipelines.cli demo "
        f"--output {output}; echo $? > {done}"
    )
    _tmux("kill-server", check=False)
    _tmux(
        "-f",
        "/dev/null",
        "new-session",
        "-d",
        "-x",
        "200",
        "-y",
        "50",
        "-s",
        "demo",
        "bash",
        "--norc",
        "--noprofile",
    )
    _tmux("set-option", "-t", "demo", "history-limit", "20000")
    _tmux("send-keys", "-t", "demo", command, "Enter")
    frames = []  # what the screen showed, every 2 s
    try:
        deadline = time.monotonic() + 1800
        while not done.exists():
            assert time.monotonic() < deadline, "the demo took over 30 min"
            frames.append(_tmux("capture-pane", "-p", "-t", "demo").stdout)
            time.sleep(2)
        pane = _tmux(
            "capture-pane", "-p", "-J", "-S", "-", "-t", "demo"
        ).stdout
    finally:
        _tmux("kill-server", check=False)
    if os.environ.get("AKT_CONSOLE_CAPTURE"):
        with open(os.environ["AKT_CONSOLE_CAPTURE"], "w") as f:
            f.write(pane)
    assert done.read_text().strip() == "0", pane[-3000:]
    # What the run printed: from its first line to the prompt after it.
    seen = pane[pane.index("autokeras-tfx: ") :]
    assert not NOISE.search(seen), NOISE.search(seen).group(0) + "\n" + seen

    stage_lines = re.findall(
        r"^\[(\d+)/(\d+)\] (\S+)  +(\d+\.\d) s$", seen, re.MULTILINE
    )
    assert [name for _, _, name, _ in stage_lines] == STAGES, seen
    assert all(total == str(len(STAGES)) for _, total, _, _ in stage_lines)
    assert [int(n) for n, _, _, _ in stage_lines] == list(
        range(1, len(STAGES) + 1)
    )
    # A first run says so, in the lookup's words.
    assert "    no earlier tuner results: the search starts cold" in seen
    assert "    no earlier pushed model: nothing to compare with" in seen

    trials = re.findall(
        r"^    trial (\d+)/3  score (\S+) \(best (\S+)\)", seen, re.MULTILINE
    )
    assert [int(n) for n, _, _ in trials] == [1, 2, 3], seen
    scores = {int(n): float(score) for n, score, _ in trials}
    best_number = min(scores, key=scores.get)
    summary = re.search(r"best trial:\s+(\d+) of 3, val_loss (\S+)", seen)
    assert summary, seen
    # The summary names the trial whose live line had the best score.
    assert int(summary.group(1)) == best_number, (summary.group(0), trials)
    assert abs(float(summary.group(2)) - scores[best_number]) < 1e-3

    # The Trainer: one line per epoch (`epoch 2/5  accuracy 0.97  loss ...`)
    # for each model it trains: the best trial's, then the ensemble's other
    # candidates, each announced, and the choice said.
    epochs = [
        int(n)
        for n in re.findall(r"^    epoch (\d+)/5  \w+ \d", seen, re.MULTILINE)
    ]
    candidates = re.findall(
        r"^    ensemble candidate (\d) of (\d): trial \d+$", seen, re.MULTILINE
    )
    runs = [i for i, n in enumerate(epochs) if n == 1]
    assert runs[:1] == [0] and len(runs) == max(len(candidates), 1), seen
    for start, end in zip(runs, runs[1:] + [len(epochs)]):
        assert epochs[start:end] == list(range(1, end - start + 1)), epochs
        assert 1 <= end - start <= 5
    if candidates:
        assert [c for c, _ in candidates] == [
            str(n) for n in range(1, len(candidates) + 1)
        ]
        assert re.search(
            r"^    ensemble: eval val_loss of the best 1\.\.\d "
            r"averaged: .*; serving ",
            seen,
            re.MULTILINE,
        ), seen
    assert re.search(r"^  test example_count: \d+$", seen, re.MULTILINE)
    assert re.search(r"^  blessed:\s+(yes: .*beats|no$)", seen, re.MULTILINE)
    if "blessed:        yes" in seen:
        pushed = re.search(r"^  pushed model:\s+(\S+)$", seen, re.MULTILINE)
        assert pushed and os.path.isdir(pushed.group(1))
        assert f"saved_model_cli run --dir {pushed.group(1)}" in seen
    assert "search report:  python3 -m webbrowser file://" in seen
    assert re.search(r"tensorboard --logdir \S+/logs --port 6006", seen)
    log = re.search(r"^  full log:\s+(\S+)$", seen, re.MULTILINE)
    assert log and os.path.isfile(log.group(1))
    with open(log.group(1)) as f:
        # The noise is there, where it belongs.
        assert "Component Transform is running." in f.read()

    # While the search ran, the terminal showed its bar: trials done of 3,
    # the best score and the time left.
    bars = [
        f
        for f in frames
        if re.search(r"AutoKerasTuner .*━.* \d/3 trials  best \S+  ETA", f)
    ]
    assert bars, "no search bar seen; last frames:\n" + "\n".join(frames[-3:])
