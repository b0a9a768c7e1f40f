"""`trial_info.json`: what `SearchTuner.run_trial` records about a trial.

One small JSON file in the trial's directory, next to its checkpoint:
epochs run, best epoch, parameter count, batch size, seconds, and a short
message (why it stopped, failed or was retried). The tuner writes it; the
tuner, the oracle's progress log and the search's report read it.
"""

import os

from search_space import storage

FILE_NAME = "trial_info.json"


def number(trial_id):
    """keras-tuner's trial id ("0", "07") as the 1-based number people read
    (the live `trial 3/10` lines, the report, `search_results.json`)."""
    return int(str(trial_id)) + 1


def path(trial_dir):
    """The trial info file of the trial directory `trial_dir`."""
    return os.path.join(trial_dir, FILE_NAME)


def write(trial_dir, info):
    """Writes the dict `info` atomically (a reader never sees half)."""
    storage.write_json_atomically(path(trial_dir), info)


def read(trial_dir):
    """The dict `write` stored in `trial_dir`, or {} if it never ran."""
    return storage.read_json(path(trial_dir))
