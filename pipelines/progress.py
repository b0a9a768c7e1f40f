"""Readable progress for local runs: one line per stage and per trial.

TFX logs everything at INFO through absl. This handler keeps the console
quiet except for what a person follows: which stage started and how long it
took, the tuner's per-trial lines (logger `autokeras_tfx`), and warnings.
"""

import logging
import re
import sys
import time

STAGE_EVENT = re.compile(r"Component (\S+) is (running|finished)\.")
# Our own loggers: the component's and the search engine's lines are shown.
PROGRESS_LOGGERS = ("autokeras_tfx", "components", "search_space")
# TFX announces stages through absl's logger.
STAGE_LOGGER = "absl"


class ProgressHandler(logging.Handler):
    """Prints stage and trial progress; records each stage's wall time."""

    def __init__(self, total_stages, stream=None):
        super().__init__(level=logging.INFO)
        self.total_stages = total_stages
        self.stream = stream or sys.stdout
        self.stage_seconds = {}
        self._started = {}

    def emit(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break a run
            return
        match = STAGE_EVENT.fullmatch(message)
        if COLD_START.search(message):
            self._print("      no earlier tuner results: the search starts "
                        "cold")
        elif match:
            self._stage(*match.groups())
        elif record.name.startswith(PROGRESS_LOGGERS) and (
            record.levelno >= logging.INFO
        ):
            self._print(f"    {message}")
        elif record.levelno >= logging.WARNING and not _noise(record):
            self._print(f"  {record.levelname.lower()}: {message}")

    def _stage(self, component, event):
        if event == "running":
            self._started[component] = time.monotonic()
            self._print(
                f"[{len(self._started)}/{self.total_stages}] {component} ..."
            )
        else:
            seconds = time.monotonic() - self._started.get(
                component, time.monotonic()
            )
            self.stage_seconds[component] = seconds
            self._print(f"      {component} done in {seconds:.1f} s")

    def _print(self, line):
        print(line, file=self.stream, flush=True)


# Library chatter that says nothing about this run: deprecations, TFT's
# analyzer cache keys, MLMD's missing ZetaSQL, TFX's format fallbacks.
NOISE = re.compile(
    r"deprecat|cache key varies|property_predicate is not supported|"
    r"ZetaSQL|does not have payload_format|"
    r"Tables initialized inside a tf.function",
    re.IGNORECASE,
)


# On a first run there are no earlier tuner results to warm-start from, and
# TFX logs the empty resolution as an error with a traceback.
COLD_START = re.compile(r"latest_tuner_results_resolver.*returned None")


class _DropColdStart(logging.Filter):
    def filter(self, record):
        try:
            return not COLD_START.search(record.getMessage())
        except Exception:  # a malformed record is not ours to judge
            return True


def _noise(record):
    return bool(NOISE.search(record.getMessage()))


def install(total_stages):
    """Routes INFO logs through a ProgressHandler; returns the handler."""
    root = logging.getLogger()
    for handler in root.handlers:
        handler.setLevel(logging.ERROR)
        handler.addFilter(_DropColdStart())
    handler = ProgressHandler(total_stages)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # Libraries imported mid-run (TensorFlow Transform's) lower the root
    # logger to WARNING; loggers with their own level keep reporting.
    for name in (STAGE_LOGGER, *PROGRESS_LOGGERS):
        logging.getLogger(name).setLevel(logging.INFO)
    return handler


def uninstall(handler):
    """Removes a handler `install` added (a process may run several
    pipelines; each run's handler writes to the stream of its own time)."""
    logging.getLogger().removeHandler(handler)
