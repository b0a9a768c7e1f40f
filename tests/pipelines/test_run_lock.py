"""One writer per pipeline directory (issue 26, point 1).

A run takes the pipeline directory's lease (`pipelines/run_lock.py`) before
it writes anything there. A second run into the same `--output` and
pipeline stops with exit 2 and a message naming the running one (pid, host,
start time, log file), and writes nothing; a lease whose process is gone or
whose expiry passed is taken over. No training: the first run is a process
that only holds the lease.
"""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from pipelines import run_lock
from pipelines import sample_data
from pipelines.preflight import run_checks

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))

HOLDER = """
import sys
from pipelines import run_lock
lease = run_lock.acquire(sys.argv[1], log_path=sys.argv[2])
print("held", flush=True)
sys.stdin.read()  # until the test closes stdin
lease.release()
"""


def _files(root):
    """Every file under `root` with its size and modification time."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            stat = os.stat(path)
            found[os.path.relpath(path, root)] = (stat.st_size, stat.st_mtime)
    return found


@pytest.fixture
def holder(tmp_path):
    """A process holding the lease of `out/demo`, as a running run does:
    (pipeline dir, its pid, its log path)."""
    output = tmp_path / "out"
    pipeline_dir = output / "demo"
    os.makedirs(pipeline_dir)
    (output / run_checks.OUTPUT_MARKER).touch()  # as the first run left it
    log = str(pipeline_dir / "logs" / "run-first.log")
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(pipeline_dir), log],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "held"
    yield str(pipeline_dir), process.pid, log
    process.stdin.close()
    assert process.wait(timeout=60) == 0
    assert not os.path.exists(os.path.join(pipeline_dir, run_lock.LEASE_FILE))


def test_a_second_run_into_a_held_pipeline_stops_and_writes_nothing(
    holder, tmp_path
):
    pipeline_dir, pid, log = holder
    data = sample_data.write_sample(str(tmp_path / "data"), rows=60)
    before = _files(tmp_path / "out")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "run",
            "--data",
            data,
            "--label",
            "payment_type",
            "--output",
            str(tmp_path / "out"),
            "--pipeline-name",
            "demo",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-3000:]
    assert "autokeras-tfx: error: another run is writing to" in done.stderr
    for part in (f"pid {pid}", repr(socket.gethostname()), log, "wait"):
        assert part in done.stderr, done.stderr
    # Nothing written: no identity, no log, no stage output, lease intact.
    assert _files(tmp_path / "out") == before
    with open(os.path.join(pipeline_dir, run_lock.LEASE_FILE)) as f:
        assert json.load(f)["pid"] == pid


def test_a_live_lease_refuses_and_names_its_holder(holder):
    pipeline_dir, pid, log = holder
    with pytest.raises(run_lock.PipelineBusyError) as refused:
        run_lock.acquire(pipeline_dir)
    message = str(refused.value)
    assert f"pid {pid}" in message and log in message
    assert "started" in message and "UTC" in message


def _write_lease(pipeline_dir, **fields):
    os.makedirs(pipeline_dir, exist_ok=True)
    lease = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": time.time(),
        "expires": time.time() + 300,
        "log": "old.log",
        "token": "old",
        **fields,
    }
    with open(os.path.join(pipeline_dir, run_lock.LEASE_FILE), "w") as f:
        json.dump(lease, f)


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    "stale",
    [
        {"pid": "dead"},  # its process is gone (this host)
        {"host": "elsewhere", "expires": 0},  # another host, expired
        {"expires": 0},  # expired, whatever the process
    ],
    ids=["process-gone", "other-host-expired", "expired"],
)
def test_a_stale_lease_is_taken_over(tmp_path, stale):
    if stale.get("pid") == "dead":
        stale = {"pid": _dead_pid()}
    pipeline_dir = str(tmp_path / "demo")
    _write_lease(pipeline_dir, **stale)
    lease = run_lock.acquire(pipeline_dir, log_path="new.log")
    held = _held(pipeline_dir)
    assert held["pid"] == os.getpid() and held["log"] == "new.log"
    lease.release()
    assert os.listdir(pipeline_dir) == []  # no leftover scratch files


def test_an_unexpired_lease_of_another_host_is_respected(tmp_path):
    # Its pid means nothing here: only the expiry can free it.
    pipeline_dir = str(tmp_path / "demo")
    _write_lease(pipeline_dir, host="elsewhere", pid=_dead_pid())
    with pytest.raises(run_lock.PipelineBusyError, match="'elsewhere'"):
        run_lock.acquire(pipeline_dir)


def _held(pipeline_dir):
    with open(os.path.join(pipeline_dir, run_lock.LEASE_FILE)) as f:
        return json.load(f)


def test_a_lease_is_renewed_and_never_overwrites_a_taker(tmp_path):
    pipeline_dir = str(tmp_path / "demo")
    lease = run_lock.acquire(pipeline_dir, lease_seconds=0.3)
    first = lease.record["expires"]
    deadline = time.time() + 30
    while _held(pipeline_dir)["expires"] == first:
        assert time.time() < deadline, "the lease was never renewed"
        time.sleep(0.05)
    # Another run took it over (this one looked dead), just after a
    # renewal: the next renewals and the release leave its lease alone.
    _write_lease(pipeline_dir, token="taker")
    time.sleep(0.3)
    lease.release()
    assert _held(pipeline_dir)["token"] == "taker"


def test_a_damaged_lease_file_is_taken_over(tmp_path):
    pipeline_dir = tmp_path / "demo"
    os.makedirs(pipeline_dir)
    (pipeline_dir / run_lock.LEASE_FILE).write_text('{"pid": "x", "exp')
    lease = run_lock.acquire(str(pipeline_dir))
    assert _held(str(pipeline_dir))["pid"] == os.getpid()
    lease.release()
