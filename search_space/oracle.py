"""Hill-climbing oracle: presets first, then one-sub-module mutations."""

import hashlib
import json
import logging
import random
import time

import keras_tuner
import numpy as np
from keras_tuner.engine import hyperparameters as hp_module

LOGGER = logging.getLogger(__name__)
ROOT_SCOPE = "<root>"
# keras_tuner.engine.trial.TrialStatus values.
RUNNING = "RUNNING"
STOPPED = "STOPPED"


def submodule_of(hp_name):
    """The sub-module (block scope) owning a hyperparameter name."""
    return hp_name.rsplit("/", 1)[0] if "/" in hp_name else ROOT_SCOPE


def selection_probabilities(submodules, counts):
    """P(pick sub-module i) = (1 / (n_i + 1)) / sum_j (1 / (n_j + 1)).

    Args:
        submodules: Candidate sub-module names.
        counts: Dict of how many mutations each sub-module already had.
    """
    weights = np.array([1.0 / (counts.get(s, 0) + 1) for s in submodules])
    return weights / weights.sum()


def pick_submodules(submodules, counts, how_many, rng):
    """Draws `how_many` distinct sub-modules, favouring less-mutated ones.

    Args:
        submodules: Sorted list of candidate sub-module names.
        counts: Dict of previous mutations per sub-module.
        how_many: Number to draw (1 except when widening).
        rng: `numpy.random.Generator`.
    """
    remaining, picked = list(submodules), []
    for _ in range(min(how_many, len(remaining))):
        probabilities = selection_probabilities(remaining, counts)
        picked.append(
            remaining.pop(rng.choice(len(remaining), p=probabilities))
        )
    return picked


def is_tunable(hp):
    """Whether resampling `hp` can change its value."""
    if isinstance(hp, hp_module.Fixed):
        return False
    if isinstance(hp, hp_module.Choice):
        return len(hp.values) > 1
    if isinstance(hp, (hp_module.Int, hp_module.Float)):
        return hp.max_value > hp.min_value
    return True


def values_key(values):
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class HillClimbingOracle(keras_tuner.Oracle):
    """Tries the predefined configurations, then mutates the best trial.

    A mutation copies the best trial's values and resamples exactly one
    sub-module: the hyperparameters directly in one block scope, such as
    `dense_block_1/...` (a nested block is a sub-module of its own), plus
    any hyperparameter that the new values activate. Sub-module i is picked with probability proportional to
    1 / (n_i + 1), where n_i counts its earlier mutations, so neglected
    blocks get explored. A configuration already tried, or over
    `max_model_size`, is re-drawn; after `misses_per_widening` misses in a
    row one more sub-module is resampled per draw, up to a fully random
    draw. The search only stops at `max_trials` or `time_limit`: if the
    space is exhausted a random (repeated) configuration is run.

    Args:
        objective: As for `keras_tuner.Oracle`.
        max_trials: Trial budget.
        time_limit: Seconds after the first trial of this process after
            which no new trial starts; None for no limit.
        seed: Integer seed of every random draw (0 is a valid seed). None
            draws one, which is then kept in the state.
        initial_hps: List of dicts (name to value) to try first, in order.
        max_model_size: Largest parameter count to train. Checked through
            `model_size_fn`, which `SearchTuner` sets.
        misses_per_widening: Misses before resampling one more sub-module.
        **kwargs: Passed to `keras_tuner.Oracle`.
    """

    def __init__(
        self,
        objective=None,
        max_trials=10,
        time_limit=None,
        seed=0,
        initial_hps=None,
        max_model_size=None,
        misses_per_widening=10,
        **kwargs,
    ):
        super().__init__(objective=objective, max_trials=max_trials, **kwargs)
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        # The base class turns seed 0 into a random one; keep ours.
        self.seed = int(seed)
        self.time_limit = time_limit
        self.initial_hps = (
            None if initial_hps is None else [dict(v) for v in initial_hps]
        )
        self.max_model_size = max_model_size
        self.misses_per_widening = misses_per_widening
        self.model_size_fn = None
        self.submodule_counts = {}
        self._initial_index = 0
        self._seen = set()
        self._too_large = set()
        self._clock_start = None

    def populate_space(self, trial_id):
        if self._clock_start is None:
            self._clock_start = time.monotonic()
        if self._time_is_up():
            LOGGER.info("Time limit of %ss reached.", self.time_limit)
            return {"status": STOPPED}
        # Seeded by trial count: reproducible, also after a reload.
        rng = np.random.default_rng([self.seed, len(self.trials)])
        values = self._next_initial() or self._next_mutation(rng)
        self._seen.add(values_key(values))
        return {
            "status": RUNNING,
            "values": values,
        }

    def _time_is_up(self):
        if self.time_limit is None:
            return False
        return time.monotonic() - self._clock_start >= self.time_limit

    def _next_initial(self):
        while self._initial_index < len(self.initial_hps or []):
            preset = self.initial_hps[self._initial_index]
            self._initial_index += 1
            values = self._complete(preset)
            if self._acceptable(values):
                return values
            LOGGER.info("Skipping predefined configuration %s.", preset)
        return None

    def _complete(self, partial):
        """Active values: `partial` where given, defaults elsewhere."""
        hps = self.hyperparameters.copy()
        hps.values = {}
        for hp in hps.space:
            if not hps.is_active(hp):
                continue
            value = partial.get(hp.name, hp.default)
            if isinstance(hp, hp_module.Choice) and value not in hp.values:
                raise ValueError(
                    f"Predefined value for {hp.name!r} is not one of "
                    f"{hp.values}. Received: {value!r}"
                )
            hps.values[hp.name] = value
        return hps.values

    def _acceptable(self, values):
        key = values_key(values)
        if key in self._seen or key in self._too_large:
            return False
        if self.max_model_size and self.model_size_fn is not None:
            size = self.model_size_fn(values)
            if size > self.max_model_size:
                LOGGER.info("Skipping a model of %d parameters.", size)
                self._too_large.add(key)
                return False
        return True

    def _next_mutation(self, rng):
        best = self._best_trial()
        base = best.hyperparameters.values if best else {}
        candidates = self._submodules(base)
        widest = len(candidates) + 1
        # The last level is a random draw over the whole space.
        max_misses = self.misses_per_widening * (widest + 4)
        values = None
        for misses in range(max_misses):
            width = 1 + misses // self.misses_per_widening
            counts = self.submodule_counts
            if not best or width >= widest:
                picked = []
                values = self._resample(base, None, rng)
            else:
                picked = pick_submodules(candidates, counts, width, rng)
                values = self._resample(base, picked, rng)
            if self._acceptable(values):
                for name in picked:
                    self.submodule_counts[name] = counts.get(name, 0) + 1
                return values
        LOGGER.warning("Search space exhausted; repeating a configuration.")
        return values

    def _best_trial(self):
        # Ties go to the earliest trial: reloaded trials come in file order.
        ranked = self.get_best_trials(len(self.trials))
        if not ranked:
            return None
        tied = [t for t in ranked if t.score == ranked[0].score]
        return min(tied, key=lambda t: int(t.trial_id))

    def _submodules(self, base):
        hps = self.hyperparameters.copy()
        hps.values = dict(self._complete(base))
        names = {
            submodule_of(hp.name)
            for hp in hps.space
            if hps.is_active(hp) and is_tunable(hp)
        }
        return sorted(names)

    def _resample(self, base, submodules, rng):
        """Copies `base`, resampling the hps of `submodules` (None: all).

        Hyperparameters the resampling activates (say, the layers of a
        newly chosen block type) are sampled as part of the same mutation.
        """
        base_hps = self.hyperparameters.copy()
        base_hps.values = dict(base)
        hps = self.hyperparameters.copy()
        hps.values = {}
        for hp in hps.space:
            if not hps.is_active(hp):
                continue
            kept = (
                submodules is not None
                and submodule_of(hp.name) not in submodules
                and hp.name in base
                and base_hps.is_active(hp)
            )
            if kept:
                hps.values[hp.name] = base[hp.name]
            else:
                seed = int(rng.integers(2**31))
                hps.values[hp.name] = hp.random_sample(seed)
        return hps.values

    def get_state(self):
        state = super().get_state()
        state.update(
            {
                "time_limit": self.time_limit,
                "initial_hps": self.initial_hps,
                "initial_index": self._initial_index,
                "submodule_counts": self.submodule_counts,
                "seen": sorted(self._seen),
                "too_large": sorted(self._too_large),
            }
        )
        return state

    def set_state(self, state):
        super().set_state(state)
        self.time_limit = state["time_limit"]
        self.initial_hps = state["initial_hps"]
        self._initial_index = state["initial_index"]
        self.submodule_counts = dict(state["submodule_counts"])
        self._seen = set(state["seen"])
        self._too_large = set(state["too_large"])
