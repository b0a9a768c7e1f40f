"""Every trial of a real search in TensorBoard's HParams dashboard.

keras-tuner writes an HParams session per trial next to the TensorBoard
callback's scalars (`components/autokeras_tuner/search.py` gives every trial that callback).
This starts a real TensorBoard on localhost over the session's pipeline run
and reads the HParams table in headless Chromium, as a person opening
http://localhost:6006/#hparams would see it.
"""

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.helpers import headless_browser

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def tensorboard(pipeline_run, tmp_path):
    """(URL, the search's results) of a TensorBoard over the run's logs."""
    _, summary = pipeline_run
    logdir = summary["tensorboard_logdir"]
    assert logdir and os.path.isdir(logdir), summary
    with open(
        os.path.join(os.path.dirname(logdir), "search_results.json")
    ) as f:
        results = json.load(f)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tensorboard.main",
            "--logdir",
            logdir,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=open(tmp_path / "tensorboard.log", "w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            break
        except OSError:
            assert process.poll() is None, (
                tmp_path / "tensorboard.log"
            ).read_text()[-3000:]
            assert time.monotonic() < deadline, "TensorBoard did not start"
            time.sleep(1)
    yield url, results
    process.kill()
    process.wait()


def _matches(cell, value):
    """Whether TensorBoard's cell text (`256.00`, `false`) shows `value`."""
    if isinstance(value, bool):
        return cell == str(value).lower()
    if isinstance(value, (int, float)):
        return math.isclose(float(cell), value, rel_tol=1e-3, abs_tol=1e-6)
    return cell == str(value)


def test_hparams_table_lists_every_trial(tensorboard, tmp_path):
    url, results = tensorboard
    trials = {t["trial_id"]: t for t in results["trials"]}
    browser = headless_browser.Browser(str(tmp_path / "profile"))
    try:
        browser.open(url + "#hparams")
        # The dashboard fills in the count once it has read the logs.
        text = browser.wait_for_text(
            f"Number of matching session groups: {len(trials)}"
        )
        deadline = time.monotonic() + 60
        while True:  # the grid draws its rows a moment later
            grids = browser.grids()
            tables = [g for g in grids if g and g[0][:1] == ["Trial ID"]]
            rows = [r for r in (tables[0][1:] if tables else []) if any(r)]
            if len(rows) >= len(trials) or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        browser.close()
    assert f"Number of matching session groups: {len(trials)}" in text, text
    [table] = [g for g in grids if g and g[0][:1] == ["Trial ID"]]
    header, rows = table[0], [r for r in table[1:] if any(r)]
    # One row per trial, named by keras-tuner's trial id.
    assert sorted(r[0] for r in rows) == sorted(trials)
    score_column = header.index("validation.epoch_loss")
    hp_columns = [
        i
        for i, name in enumerate(header)
        if any(name in t["hyperparameters"] for t in trials.values())
    ]
    assert hp_columns, header
    for row in rows:
        trial = trials[row[0]]
        for i in hp_columns:
            value = trial["hyperparameters"].get(header[i])
            if value is not None:
                assert _matches(row[i], value), (header[i], row[i], value)
        # The score is the best epoch's val_loss; the table shows the last.
        if trial["score"] is not None:
            assert float(row[score_column]) >= trial["score"] - 1e-3
