"""Readable progress for local runs: one line per stage, and the trials.

TFX logs everything at INFO through absl; `console.Console` sends all of it
to the log file. This handler picks out what a person follows and writes it
to the person's stream:

- one line per stage as it finishes, with its seconds
  (`[3/12] SchemaGen  0.2 s`);
- the lines of our own loggers: the column table, the tuner's per-trial
  lines (`trial 2/3  score ...`), the Trainer's per-epoch lines;
- errors, and warnings of our own code.

Every line shown has its control characters escaped (`console.printable`),
and so have our own loggers' records in the log file: a column name or
value holding a terminal escape, a newline or a carriage return shows as
`\\x1b`, `\\n`, `\\r`, never acts on the terminal or forges a log line.

In a terminal a live line under them shows the running stage and its time,
and during the search a bar of trials done / total with the best score and
the time left (rich draws it); in a file or a CI log only plain lines.
"""

import logging
import re
import sys
import time

from absl import logging as absl_logging

from pipelines import console

STAGE_EVENT = re.compile(r"Component (\S+) is (running|finished)\.")
# `search_space.oracle`'s line after each trial (numbers are 1-based).
TRIAL_LINE = re.compile(
    r"trial (\d+)/(\d+)\s+score (\S+) \(best (\S+)\).*?ETA (.+?)(?:\s{2}|$)"
)
# Our own loggers: the component's and the search engine's lines are shown.
PROGRESS_LOGGERS = ("autokeras_tfx", "components", "search_space", "pipelines")
# TFX announces stages through absl's logger.
STAGE_LOGGER = "absl"
# Library chatter that says nothing about this run even at ERROR level.
NOISE = re.compile(
    r"deprecat|cache key varies|property_predicate is not supported|"
    r"ZetaSQL|does not have payload_format|"
    r"Tables initialized inside a tf.function",
    re.IGNORECASE,
)


class EscapeControlFilter(logging.Filter):
    """Rewrites our own loggers' records with control characters escaped,
    for every handler it is added to (the log file's included)."""

    def filter(self, record):
        if record.name.startswith(PROGRESS_LOGGERS):
            try:
                message = record.getMessage()
            except Exception:  # malformed: the handler reports it
                return True
            escaped = console.printable(message)
            if escaped != message:
                record.msg, record.args = escaped, None
        return True


class ProgressHandler(logging.Handler):
    """Prints stage and trial progress; records each stage's wall time.

    Args:
        stages: the ids of the pipeline's stages, in run order.
        stream: where a person reads (default: stdout).
        live: draw the live status line and the search's bar; default:
            whether `stream` is a terminal.
        search_stage: the tuner's id (its live line is the trials' bar).
        max_trials: the search's trial budget (the bar's total).
    """

    def __init__(
        self,
        stages,
        stream=None,
        live=None,
        search_stage=None,
        max_trials=None,
    ):
        super().__init__(level=logging.INFO)
        self.stages = list(stages)
        self.stream = stream or sys.stdout
        self.stage_seconds = {}
        self._current = None  # (stage id, start time)
        # The stage the run stopped in (an error), once `close` saw it.
        self.stopped_stage = None
        self._search_stage = search_stage
        self._max_trials = max_trials
        self._live = None
        self._task = None
        if live is None:
            live = _is_terminal(self.stream)
        if live:
            self._live = _live_display(self.stream)
            self._live.start()

    def emit(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not break a run
            return
        try:
            self._handle(record, message)
        except Exception:  # nor a closed terminal
            self.handleError(record)

    def _handle(self, record, message):
        match = STAGE_EVENT.fullmatch(message)
        if match:
            self._stage(*match.groups())
        elif record.name.startswith(PROGRESS_LOGGERS):
            if record.levelno >= logging.WARNING:
                self._print(f"    {record.levelname.lower()}: {message}")
            elif record.levelno >= logging.INFO:
                self._print(f"    {message}")
            trial = TRIAL_LINE.match(message)
            if trial:
                self._trial(*trial.groups())
        elif record.levelno >= logging.ERROR and not NOISE.search(message):
            self._print(f"  error: {message.splitlines()[0]}")

    def _stage(self, component, event):
        if component not in self.stages:
            return  # not a stage of this pipeline
        if event == "running":
            if self._current is not None:
                # A lost "finished" (a library silenced absl mid-stage): the
                # runner is sequential, so the previous stage has ended.
                self._finish(*self._current)
            self._current = (component, time.monotonic())
            self._show_running(component)
        elif self._current is not None and self._current[0] == component:
            self._finish(*self._current)
        elif component not in self.stage_seconds:
            self._finish(component, None)

    def _label(self, component, pad=False):
        number = self.stages.index(component) + 1
        label = f"[{number}/{len(self.stages)}] {component}"
        if pad:  # the seconds in one column, whatever the numbers' widths
            total = len(self.stages)
            width = max(
                len(f"[{i + 1}/{total}] {s}")
                for i, s in enumerate(self.stages)
            )
            label = label.ljust(width)
        return label

    def _finish(self, component, started):
        seconds = None if started is None else time.monotonic() - started
        if seconds is not None:
            self.stage_seconds[component] = seconds
        if self._current is not None and self._current[0] == component:
            self._current = None
        shown = "done" if seconds is None else f"{seconds:.1f} s"
        self._print(f"{self._label(component, pad=True)}  {shown:>7}")
        if self._live is not None and self._task is not None:
            self._live.remove_task(self._task)
            self._task = None

    def _show_running(self, component):
        if self._live is None:
            return
        if self._task is not None:
            self._live.remove_task(self._task)
        is_search = component == self._search_stage
        self._task = self._live.add_task(
            self._label(component),
            total=self._max_trials if is_search else None,
            detail=f"0/{self._max_trials} trials" if is_search else "",
        )

    def _trial(self, number, total, score, best, eta):
        if self._live is None or self._task is None:
            return
        self._live.update(
            self._task,
            completed=int(number),
            total=int(total),
            detail=f"{number}/{total} trials  best {best}  ETA {eta}",
        )

    def _print(self, line):
        line = console.printable(line)
        if self._live is not None:
            # Above the live line, which rich redraws below it.
            self._live.console.print(
                line,
                markup=False,
                highlight=False,
                emoji=False,
                soft_wrap=True,
            )
        else:
            print(line, file=self.stream, flush=True)

    def close(self):
        """Ends the live display (the permanent lines stay)."""
        if self._current is not None:
            # The run stopped in this stage (an error): say where.
            component, started = self._current
            self._current = None
            self.stopped_stage = component
            self._print(
                f"{self._label(component)}  stopped after "
                f"{time.monotonic() - started:.1f} s"
            )
        if self._live is not None:
            self._live.stop()
            self._live = None
        super().close()


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _live_display(stream):
    """rich's live progress on `stream`: spinner, stage, bar, detail, time."""
    import os

    from rich import console as rich_console
    from rich import progress as rich_progress
    from rich import text as rich_text

    class SearchBar(rich_progress.BarColumn):
        # Only the search has a total; other stages show no bar.
        def render(self, task):
            if task.total is None:
                return rich_text.Text("")
            return super().render(task)

    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        width = None
    console = rich_console.Console(file=stream, width=width)
    return rich_progress.Progress(
        rich_progress.SpinnerColumn(),
        rich_progress.TextColumn("{task.description}"),
        SearchBar(bar_width=24),
        rich_progress.TextColumn("{task.fields[detail]}"),
        rich_progress.TimeElapsedColumn(),
        console=console,
        transient=True,
        # Library output goes to the log file, never through the display.
        redirect_stdout=False,
        redirect_stderr=False,
    )


def install(
    stages, stream=None, verbose=False, search_stage=None, max_trials=None
):
    """Routes INFO logs through a ProgressHandler; returns the handler.

    Args:
        stages: as `ProgressHandler`.
        stream: the person's stream (`console.Console.stream`).
        verbose: libraries' own handlers keep printing (everything shows).
        search_stage, max_trials: as `ProgressHandler`.
    """
    root = logging.getLogger()
    handler = ProgressHandler(
        stages,
        stream=stream,
        live=False if verbose else None,
        search_stage=search_stage,
        max_trials=max_trials,
    )
    # Everything else goes to stderr, which is the log file (or, verbose,
    # the terminal and the log file): keep a handler there at INFO.
    handler.log_handler = None
    if not any(h.level <= logging.INFO for h in root.handlers):
        handler.log_handler = logging.StreamHandler(sys.stderr)
        handler.log_handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s"
            )
        )
        root.addHandler(handler.log_handler)
    root.addHandler(handler)
    handler.escape_filter = EscapeControlFilter()
    for each in root.handlers:
        each.addFilter(handler.escape_filter)
    root.setLevel(logging.INFO)
    # TensorFlow's SavedModel writer sets absl's verbosity to FATAL and then
    # back to what absl's own setting says (WARNING unless set): set it, or
    # the stage lines stop after the first SavedModel (Transform's).
    absl_logging.set_verbosity(absl_logging.INFO)
    # Libraries imported mid-run (TensorFlow Transform's) lower the root
    # logger to WARNING; loggers with their own level keep reporting.
    for name in (STAGE_LOGGER, *PROGRESS_LOGGERS):
        logging.getLogger(name).setLevel(logging.INFO)
    return handler


def uninstall(handler):
    """Removes what `install` added (a process may run several pipelines;
    each run's handler writes to the stream of its own time)."""
    root = logging.getLogger()
    for each in root.handlers:
        each.removeFilter(handler.escape_filter)
    root.removeHandler(handler)
    if handler.log_handler is not None:
        root.removeHandler(handler.log_handler)
    handler.close()
