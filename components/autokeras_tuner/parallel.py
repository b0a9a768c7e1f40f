"""Parallel trials on one node through keras-tuner's distributed mode.

This process is the chief: it serves its tuner's oracle over gRPC on
localhost, and N worker processes (`python -m WORKER_MODULE REQUEST`, the
search's own `components.autokeras_tuner.search_worker`) each build the same tuner, become
clients of that oracle
(KERASTUNER_TUNER_ID / KERASTUNER_ORACLE_IP / KERASTUNER_ORACLE_PORT) and run
trials, one per GPU when there are GPUs. The oracle state, trial files and
checkpoints stay in the one search directory, so resume works as in a
sequential search, and the oracle's parallel-aware parents keep the
configurations tried independent of which worker is faster.
"""

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from concurrent import futures

LOGGER = logging.getLogger(__name__)
WORKER_POLL_SECONDS = 0.5


class WorkerFailed(RuntimeError):
    """A parallel worker process exited with an error."""


def _serve(oracle):
    # keras-tuner's own servicer; imported late like keras-tuner does, so
    # its protobuf modules load only in parallel searches. It has no public
    # name: keras-tuner's public distributed mode is `Tuner.search()` under
    # KERASTUNER_TUNER_ID=chief, which serves a fixed port and blocks (in
    # 20 s sleeps) until every worker has ended, so it could neither pick a
    # free port nor notice a dead worker; `_wait` below needs both.
    import grpc

    from search_space import keras_tuner_adapter

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    keras_tuner_adapter.add_oracle_servicer(server, oracle)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


def _visible_gpus():
    """GPU indices to give one per worker ([] on CPU-only machines)."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [g for g in listed.split(",") if g.strip()]
    try:
        output = subprocess.run(
            ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in output.splitlines() if line.strip()]


def search_with_workers(tuner, num_workers, worker_request, worker_module):
    """Runs `tuner`'s search with `num_workers` worker processes.

    Args:
        tuner: the chief's `SearchTuner` (its oracle is served to workers).
        num_workers: how many trials run at once.
        worker_request: JSON-able dict, the worker's only argument (as a
            file).
        worker_module: the module each worker runs (`python -m`); it builds
            the same tuner from the request and calls its `search`.
    """
    server, port = _serve(tuner.oracle)
    gpus = _visible_gpus()
    request_dir = tempfile.mkdtemp(prefix="akt-workers-")
    request_path = os.path.join(request_dir, "request.json")
    with open(request_path, "w") as f:
        json.dump(worker_request, f)
    workers = []
    try:
        for index in range(num_workers):
            env = dict(
                os.environ,
                KERASTUNER_TUNER_ID=f"worker{index}",
                KERASTUNER_ORACLE_IP="127.0.0.1",
                KERASTUNER_ORACLE_PORT=str(port),
            )
            if gpus:
                env["CUDA_VISIBLE_DEVICES"] = gpus[index % len(gpus)]
            elif num_workers > 1:
                # CPU workers share the cores instead of each taking all.
                threads = str(max(1, (os.cpu_count() or 1) // num_workers))
                env.setdefault("OMP_NUM_THREADS", threads)
                env.setdefault("TF_NUM_INTRAOP_THREADS", threads)
                env.setdefault("TF_NUM_INTEROP_THREADS", "1")
            log_path = os.path.join(request_dir, f"worker{index}.log")
            log = open(log_path, "w")
            process = subprocess.Popen(
                [sys.executable, "-m", worker_module, request_path],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            workers.append((process, log, log_path))
        LOGGER.info(
            "%d parallel workers on port %d%s",
            num_workers,
            port,
            f", GPUs {gpus}" if gpus else "",
        )
        _wait(workers)
    finally:
        for process, log, _ in workers:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()
        server.stop(grace=None)
    # The chief's copy of the oracle holds everything; persist it.
    tuner.save()


def _wait(workers):
    """Waits for every worker; the first one to fail fails the search.

    All workers are watched at once: the others would wait forever (IDLE)
    for a trial that a dead worker owned, so they are killed at once.
    """
    pending = list(workers)
    while pending:
        for worker in list(pending):
            process, _, log_path = worker
            code = process.poll()
            if code is None:
                continue
            pending.remove(worker)
            if code != 0:
                for other, _, _ in pending:
                    other.kill()
                with open(log_path) as f:
                    tail = f.read()[-3000:]
                raise WorkerFailed(
                    f"A parallel search worker exited with code {code}; the "
                    f"end of its log ({log_path}):\n{tail}"
                )
        if pending:
            time.sleep(WORKER_POLL_SECONDS)
