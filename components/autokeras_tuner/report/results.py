"""The search report's reading of the tuner results, and its number formats.

`Results` reads the dict the tuner writes as `search_results.json`
(`search.search_results`) defensively: every key is optional and a trial
may lack anything but its id.
Pure Python; shared by the HTML page and the Markdown summary.
"""

import collections
import math

# Statuses with a usable score: a trial stopped early because it stalled
# still has one; a diverged trial's NaN score is treated as missing.
SCORED_STATUSES = ("COMPLETED", "STOPPED")


class Results:
    """The tuner's results dict, read defensively once."""

    def __init__(self, results):
        results = results if isinstance(results, dict) else {}
        objective = as_dict(results.get("objective"))
        self.objective = str(objective.get("name") or "score")
        self.minimize = str(objective.get("direction")).lower() != "max"
        self.budget = as_dict(results.get("budget"))
        self.seed = results.get("seed")
        self.elapsed = results.get("elapsed_seconds")
        self.trials = [as_dict(t) for t in results.get("trials") or []]
        self.model = as_dict(results.get("best_model"))
        self.best = self._best(results.get("best_trial_id"))

    def _best(self, best_id):
        """The trial named `best_id`, else the best-scored one, or None."""
        for trial in self.trials if best_id is not None else []:
            if str(trial.get("trial_id")) == str(best_id):
                return trial
        candidates = [t for t in self.trials if scored(t)]
        sign = 1 if self.minimize else -1
        return min(candidates, key=lambda t: sign * score(t), default=None)

    def outcome(self):
        """Counts by status, e.g. '4 completed, 1 failed'."""
        counts = collections.Counter(status(t) for t in self.trials)
        return ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items()))


def as_dict(value):
    return value if isinstance(value, dict) else {}


def score(trial):
    """The trial's score as a finite float, else None."""
    try:
        value = float(trial.get("score"))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def trial_number(trial_id):
    """keras-tuner's trial id ("0", "07") as the 1-based number people read,
    as `search_space.trial_info.number` counts (not imported: the report is
    pure Python)."""
    return int(str(trial_id)) + 1


def number(trial):
    """The trial's 1-based number as people read it (`trial_number`, else
    `trial_number(trial_id)`), '?' without either."""
    value = trial.get("trial_number")
    if is_number(value):
        return str(int(value))
    try:
        return str(trial_number(trial.get("trial_id")))
    except ValueError:
        return str(trial.get("trial_id", "?"))


def status(trial):
    return str(trial.get("status") or "UNKNOWN").upper()


def scored(trial):
    return status(trial) in SCORED_STATUSES and score(trial) is not None


def fmt_score(value):
    if value is None:
        return "–"
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        return f"{value:.4g}"
    return f"{value:.4f}"


def score_text(trial):
    """The trial's score formatted, '–' without one."""
    return fmt_score(score(trial))


def fmt_seconds(seconds):
    if not is_number(seconds):
        return "–"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def fmt_int(value):
    return f"{value:,}" if is_number(value) else "–"


def fmt_value(value):
    return f"{value:.6g}" if isinstance(value, float) else str(value)
