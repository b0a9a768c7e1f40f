"""One writer per pipeline directory: a lease file that two runs cannot
both create.

`acquire` creates `<pipeline dir>/run.lock` by hard-linking a finished
file to that name (the file system makes the link atomic and refuses it if
the name exists: of two runs racing, exactly one gets it) holding the holder's host, pid, start time, log file and an expiry. A
thread renews the expiry while the run lives; `release` removes the file.
A second run finds the file and stops with `PipelineBusyError`, naming the
running one, unless the lease is stale: its process is gone (same host) or
its expiry passed (any host, e.g. a run killed on another machine sharing
the directory). A stale lease is renamed away (atomic: only one of several
runs taking it over succeeds) and the create is tried again.

Standard library only: the CLI takes the lease before TFX loads.
"""

import json
import os
import socket
import threading
import time
import uuid

LEASE_FILE = "run.lock"
# A live run renews its lease every third of this; a run dead for longer
# (its host gone, so its pid cannot be checked) no longer holds it.
LEASE_SECONDS = 300


class PipelineBusyError(ValueError):
    """Another run holds the pipeline directory's lease."""


def _process_alive(pid):
    if not isinstance(pid, int) or pid <= 0:
        return False  # kill(0 or -1) would mean a group, not a process
    try:
        os.kill(pid, 0)  # signal 0: a check, nothing is sent
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def is_stale(lease, now=None):
    """Whether `lease` (the file's JSON) no longer holds the directory: its
    expiry passed, or its process on this host is gone."""
    now = time.time() if now is None else now
    expires = lease.get("expires")
    if not isinstance(expires, (int, float)) or expires < now:
        return True
    if lease.get("host") == socket.gethostname():
        return not _process_alive(lease.get("pid"))
    return False


def _read(path):
    """The lease at `path` as (raw bytes, dict), or (None, None) if gone.
    A file that does not parse (damaged, or not written by this module) is
    treated as expired."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        return None, None
    try:
        lease = json.loads(raw)
    except ValueError:
        lease = {"expires": 0}
    return raw, lease if isinstance(lease, dict) else {"expires": 0}


def _describe(lease, path):
    started = time.strftime(
        "%Y-%m-%d %H:%M:%S UTC", time.gmtime(lease.get("started", 0))
    )
    return (
        f"pid {lease.get('pid')} on host {lease.get('host')!r}, started "
        f"{started}, log {lease.get('log') or '-'} (lease file {path})"
    )


class Lease:
    """The held lease of one pipeline directory; `release` ends it."""

    def __init__(self, path, record, lease_seconds):
        self.path = path
        self.record = record
        self._seconds = lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_until_released, daemon=True
        )
        self._thread.start()

    def _still_ours(self):
        _, lease = _read(self.path)
        return bool(lease) and lease.get("token") == self.record["token"]

    def _renew_until_released(self):
        while not self._stop.wait(self._seconds / 3):
            if not self._still_ours():
                return  # taken over (we looked dead): never overwrite it
            self.record["expires"] = time.time() + self._seconds
            scratch = f"{self.path}.{self.record['token']}"
            with open(scratch, "w") as f:
                json.dump(self.record, f)
            os.replace(scratch, self.path)  # atomic: never half a lease

    def release(self):
        """Stops renewing and removes the lease file if it is still ours."""
        self._stop.set()
        self._thread.join()
        if self._still_ours():
            os.remove(self.path)


def acquire(pipeline_dir, log_path=None, lease_seconds=LEASE_SECONDS):
    """Takes the lease of `pipeline_dir` (created if missing) for this
    process; raises PipelineBusyError if a live run holds it."""
    os.makedirs(pipeline_dir, exist_ok=True)
    path = os.path.join(pipeline_dir, LEASE_FILE)
    now = time.time()
    record = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": now,
        "expires": now + lease_seconds,
        "log": log_path,
        "token": uuid.uuid4().hex,
    }
    # Written whole first, then linked in: link() fails if the lease exists
    # (atomic, like O_EXCL) and a reader never sees half a lease.
    scratch = f"{path}.{record['token']}"
    with open(scratch, "w") as f:
        json.dump(record, f)
    try:
        return _link_lease(path, scratch, record, pipeline_dir, lease_seconds)
    finally:
        os.remove(scratch)


def _link_lease(path, scratch, record, pipeline_dir, lease_seconds):
    for _ in range(5):
        try:
            os.link(scratch, path)
        except FileExistsError:
            raw, lease = _read(path)
            if raw is None:
                continue  # released meanwhile: try the create again
            if not is_stale(lease):
                raise PipelineBusyError(
                    f"another run is writing to {pipeline_dir}: "
                    f"{_describe(lease, path)}. Two runs into one pipeline "
                    "would overwrite each other's models and records: wait "
                    "for it to finish and run again, or pass another "
                    "--pipeline-name or --output. A lease left by a killed "
                    "run is taken over by the next run on its own."
                ) from None
            _take_over(path, raw)
            continue
        return Lease(path, record, lease_seconds)
    raise PipelineBusyError(
        f"could not take the lease {path}: other runs keep taking it; "
        "run again when they are done."
    )


def _take_over(path, stale_raw):
    """Moves the stale lease `stale_raw` out of the way. The rename is
    atomic, so of several runs taking it over one moves it; if what was
    moved is not the stale lease (a run took it over and made a fresh one
    in between), it is put back for its holder."""
    moved = f"{path}.stale-{uuid.uuid4().hex}"
    try:
        os.rename(path, moved)
    except FileNotFoundError:
        return
    with open(moved, "rb") as f:
        raw = f.read()
    if raw != stale_raw:
        try:
            os.link(moved, path)  # fails if yet another lease exists
        except FileExistsError:
            pass
    os.remove(moved)
