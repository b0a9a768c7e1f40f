"""Hill-climbing oracle: presets first, then one-sub-module mutations."""

import hashlib
import json
import logging
import math
import os
import random
import time

import keras_tuner
import numpy as np
from keras_tuner.engine import hyperparameters as hp_module

from search_space import keras_tuner_adapter as kt_adapter
from search_space import mutation
from search_space import storage
from search_space import trial_info as trial_info_lib

LOGGER = logging.getLogger(__name__)
# keras_tuner.engine.trial.TrialStatus values.
RUNNING = "RUNNING"
STOPPED = "STOPPED"
IDLE = "IDLE"
COMPLETED = "COMPLETED"


def values_key(values):
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class HillClimbingOracle(keras_tuner.Oracle):
    """Tries the predefined configurations, then mutates the best trial.

    A mutation copies the best trial's values and resamples exactly one
    sub-module of them (`submodule_tree`: one hyperparameter, a layer, a
    block, the training settings or the whole model), plus any
    hyperparameter that the new values activate. Sub-module i is picked with
    probability proportional to 1 / n_i, n_i its number of hyperparameters,
    so small, local changes are the most frequent. Only trials that
    completed with a finite score are parents; with none, the draw is
    random. A configuration already tried, one over `max_model_size`, or one
    that cannot be built (`model_size_fn` raises) is re-drawn, and the last
    two are never offered again; after `misses_per_widening` misses in a row
    the smallest sub-modules stop being candidates, up to the whole model (a
    random draw). The search only stops at `max_trials` or `time_limit`: if
    the space is exhausted a configuration trained before is repeated.

    Args:
        objective: As for `keras_tuner.Oracle`.
        max_trials: Trial budget.
        time_limit: Wall-clock seconds for the whole search, counted across
            resumed runs; no trial starts that the longest finished trial
            says cannot finish in the time left. None for no limit.
        seed: Integer seed of every random draw (0 is a valid seed). None
            draws one, which is then kept in the state.
        initial_hps: List of dicts (name to value) to try first, in order.
        max_model_size: Largest parameter count to train. Checked through
            `model_size_fn`, which `SearchTuner` sets.
        misses_per_widening: Misses before the smallest sub-modules are
            dropped from the candidates.
        warm_start_hps: List of dicts from an earlier search, tried before
            `initial_hps`; those that no longer fit the space are skipped.
        parallel_trials: How many trials run at once. Trial i mutates the
            best of trials 0..i-parallel_trials and waits (IDLE) until they
            have finished, so the configurations tried do not depend on
            which worker is faster.
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
        warm_start_hps=None,
        parallel_trials=1,
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
        self.warm_start_hps = [dict(v) for v in warm_start_hps or []]
        self.parallel_trials = max(1, int(parallel_trials))
        self.model_size_fn = None
        self.keep_best_checkpoints = None
        # How many mutations each sub-module had, and where each trial's
        # configuration came from: for reports, not for selection.
        self.submodule_counts = {}
        self.trial_origins = {}
        self.trial_seconds = {}
        self._initial_index = 0
        self._seen = set()
        # Rejected before training: over max_model_size, or failed to build.
        self._too_large = set()
        self._unbuildable = set()
        # Seconds spent by earlier processes of a resumed search.
        self._elapsed_before = 0.0
        self._clock_start = None
        self._trial_started = {}

    def elapsed_seconds(self):
        if self._clock_start is None:
            return self._elapsed_before
        return self._elapsed_before + time.monotonic() - self._clock_start

    def populate_space(self, trial_id):
        if self._clock_start is None:
            self._clock_start = time.monotonic()
        if self._time_is_up():
            LOGGER.info(
                "Time limit of %ss reached after %.0f s.",
                self.time_limit,
                self.elapsed_seconds(),
            )
            return {"status": STOPPED}
        index = len(self.trials)
        values, origin = self._next_initial()
        if values is None:
            parents = self._finished_parents(index)
            if parents is None:
                return {"status": IDLE}
            # Seeded by trial number: reproducible, also after a reload.
            rng = np.random.default_rng([self.seed, index])
            values, origin = self._next_mutation(rng, parents)
        self._seen.add(values_key(values))
        self.trial_origins[trial_id] = origin
        return {"status": RUNNING, "values": values}

    def create_trial(self, tuner_id):
        trial = super().create_trial(tuner_id)
        # Also a trial re-run after a resume: its clock starts now.
        if trial.status == RUNNING:
            self._trial_started.setdefault(trial.trial_id, time.monotonic())
        return trial

    def end_trial(self, trial):
        started = self._trial_started.pop(trial.trial_id, None)
        if started is not None:
            self.trial_seconds[trial.trial_id] = time.monotonic() - started
        super().end_trial(trial)
        # Here, not in the tuner: in a parallel search only the chief's
        # oracle sees every trial end, in order.
        self._log_progress(self.trials[trial.trial_id])
        self.prune_checkpoints()

    def prune_checkpoints(self):
        """Deletes the weights of every finished trial but the best
        `keep_best_checkpoints` (None keeps all), so disk use stays flat."""
        if self.keep_best_checkpoints is None:
            return
        keep = {
            t.trial_id
            for t in self.get_best_trials(self.keep_best_checkpoints)
        }
        for trial_id, trial in list(self.trials.items()):
            if trial_id in keep or trial.status in (RUNNING, IDLE):
                continue
            trial_dir = self._trial_dir(trial_id)
            for path in storage.glob(os.path.join(trial_dir, "checkpoint*")):
                storage.remove(path)

    def _trial_dir(self, trial_id):
        # Not keras-tuner's `_get_trial_dir`: that one creates it.
        return os.path.join(kt_adapter.project_dir(self), f"trial_{trial_id}")

    def trial_info(self, trial_id):
        """What `SearchTuner.run_trial` recorded for a trial ({} if it
        never ran): read here for the progress log."""
        return trial_info_lib.read(self._trial_dir(trial_id))

    def _log_progress(self, trial):
        """`trial 3/10  score 0.871 (best 0.884)  42 s  ETA 5 min  mutated:
        dense_block_1`."""
        finished = [t for t in self.trials.values() if t.status != RUNNING]
        best = self.best_trial()
        seconds = self.trial_seconds.get(trial.trial_id, 0.0)
        mean = sum(self.trial_seconds.values()) / max(
            len(self.trial_seconds), 1
        )
        remaining = max(0, self.max_trials - len(finished))
        if self.time_limit is not None:
            remaining = min(
                remaining,
                int(
                    max(0, self.time_limit - self.elapsed_seconds())
                    // max(mean, 1e-9)
                ),
            )
        message = self.trial_info(trial.trial_id).get("message", "")
        LOGGER.info(
            "trial %d/%d  score %s (best %s)  %.0f s  ETA %s  %s%s",
            trial_info_lib.number(trial.trial_id),
            self.max_trials,
            "failed" if trial.score is None else f"{trial.score:.4g}",
            f"{best.score:.4g}" if best else "-",
            seconds,
            _duration(remaining * mean),
            self.trial_origins.get(trial.trial_id, ""),
            f"  [{message}]" if message else "",
        )

    def _time_is_up(self):
        if self.time_limit is None:
            return False
        # Conservative: the next trial may take as long as the longest one.
        estimate = max(self.trial_seconds.values(), default=0.0)
        return self.elapsed_seconds() + estimate >= self.time_limit

    def _next_initial(self):
        """The next acceptable warm-start or predefined configuration, and
        its origin; (None, None) when they are used up."""
        warm, presets = self.warm_start_hps, self.initial_hps or []
        while self._initial_index < len(warm) + len(presets):
            position = self._initial_index
            self._initial_index += 1
            if position < len(warm):
                origin = f"warm start {position + 1}/{len(warm)}"
                try:
                    values = self._complete(warm[position])
                except ValueError as error:
                    LOGGER.info("Skipping %s: %s", origin, error)
                    continue
            else:
                number = position - len(warm) + 1
                origin = f"predefined {number}/{len(presets)}"
                values = self._complete(presets[number - 1])
            if self._acceptable(values):
                return values, origin
            LOGGER.info("Skipping %s (tried, or too large).", origin)
        return None, None

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
        if key in self._seen or self._rejected(key):
            return False
        if self.model_size_fn is None:
            return True
        # Building it here (the tuner's model_size_fn builds the model)
        # turns a configuration that cannot be built into a re-draw instead
        # of a failed trial that counts towards keras-tuner's limit of
        # consecutive failures and can stop the search.
        try:
            size = self.model_size_fn(values)
        except Exception as error:  # noqa: BLE001 (any build error)
            LOGGER.info(
                "Skipping a configuration that cannot be built: %s",
                _first_line(error),
            )
            self._unbuildable.add(key)
            return False
        if self.max_model_size and size > self.max_model_size:
            LOGGER.info("Skipping a model of %d parameters.", size)
            self._too_large.add(key)
            return False
        return True

    def _rejected(self, key):
        return key in self._too_large or key in self._unbuildable

    def _finished_parents(self, index):
        """Trials whose best the next mutation starts from, or None while
        one of them is still running."""
        parents = [
            t
            for t in self.trials.values()
            if int(t.trial_id) <= index - self.parallel_trials
        ]
        if any(t.status in (RUNNING, IDLE) for t in parents):
            return None
        return parents

    def _next_mutation(self, rng, parents):
        """A mutation of the best of `parents`, and its origin."""
        best = self._best_trial(parents)
        base = best.hyperparameters.values if best else {}
        tree = self.submodule_tree(base)
        # Widening steps: each drops the smallest remaining sub-modules.
        sizes = sorted({len(members) for members in tree.values()})
        values = None
        # Exhausted: repeat a configuration that was trained before, never
        # one rejected as too large or unbuildable.
        fallback = base if best else None
        max_misses = self.misses_per_widening * (len(sizes) + 4)
        for misses in range(max_misses):
            level = misses // self.misses_per_widening
            if not best or not tree or level >= len(sizes):
                picked, members = mutation.WHOLE_MODEL, None
            else:
                picked = mutation.pick_submodule(
                    tree, rng, min_size=sizes[level]
                )
                members = set(tree[picked])
            values = mutation.resample(
                self.hyperparameters, base, members, rng
            )
            if fallback is None and values_key(values) in self._seen:
                fallback = values
            if self._acceptable(values):
                if best:
                    self.submodule_counts[picked] = (
                        self.submodule_counts.get(picked, 0) + 1
                    )
                    return values, f"mutated: {picked}"
                return values, "random"
        if fallback is None:
            raise keras_tuner.errors.FatalError(
                "No configuration of the search space can be trained: every "
                "one drawn was over max_model_size="
                f"{self.max_model_size} parameters or failed to build. "
                "Raise max_model_size or narrow the search space."
            )
        LOGGER.warning("Search space exhausted; repeating a configuration.")
        return dict(fallback), "repeated (space exhausted)"

    def completed_trials(self, candidates=None):
        """Trials that finished with a finite score: the only parents.

        keras-tuner's `get_best_trials` pads its ranking with failed and
        unscored trials; a mutation of those would start from nothing.
        """
        candidates = self.trials.values() if candidates is None else candidates
        return [
            t
            for t in candidates
            if t.status == COMPLETED
            and t.score is not None
            and math.isfinite(float(t.score))
        ]

    def best_trial(self):
        """The best trial that completed with a finite score (ties: the
        earliest), or None: the parent of the next mutation, and the trial
        the Trainer reproduces."""
        return self._best_trial(self.trials.values())

    def _best_trial(self, candidates):
        ranked = self.ranked_trials(candidates)
        return ranked[0] if ranked else None

    def ranked_trials(self, candidates=None):
        """The completed trials with a finite score, best first; ties go to
        the earliest trial (reloaded trials come in file order). The first
        is `best_trial`; the next ones are the ensemble's candidates."""
        sign = 1.0 if self.objective.direction == "min" else -1.0
        return sorted(
            self.completed_trials(candidates),
            key=lambda t: (sign * float(t.score), int(t.trial_id)),
        )

    def submodule_tree(self, values):
        """`submodule_tree` of the tunable hyperparameters active in
        `values`."""
        hps = self.hyperparameters.copy()
        hps.values = dict(self._complete(values))
        names = [
            hp.name
            for hp in hps.space
            if hps.is_active(hp) and mutation.is_tunable(hp)
        ]
        return mutation.submodule_tree(names)

    def get_state(self):
        state = super().get_state()
        state.update(
            {
                "time_limit": self.time_limit,
                "elapsed_seconds": self.elapsed_seconds(),
                "initial_hps": self.initial_hps,
                "warm_start_hps": self.warm_start_hps,
                "parallel_trials": self.parallel_trials,
                "initial_index": self._initial_index,
                "submodule_counts": self.submodule_counts,
                "trial_origins": self.trial_origins,
                "trial_seconds": self.trial_seconds,
                "seen": sorted(self._seen),
                "too_large": sorted(self._too_large),
                "unbuildable": sorted(self._unbuildable),
            }
        )
        return state

    def set_state(self, state):
        super().set_state(state)
        self.time_limit = state["time_limit"]
        self.initial_hps = state["initial_hps"]
        self.warm_start_hps = list(state.get("warm_start_hps", []))
        self.parallel_trials = int(state.get("parallel_trials", 1))
        self._initial_index = state["initial_index"]
        self.submodule_counts = dict(state["submodule_counts"])
        self.trial_origins = dict(state.get("trial_origins", {}))
        self.trial_seconds = dict(state.get("trial_seconds", {}))
        self._elapsed_before = float(state.get("elapsed_seconds", 0.0))
        self._clock_start = None
        self._seen = set(state["seen"])
        self._too_large = set(state["too_large"])
        self._unbuildable = set(state.get("unbuildable", []))

    # Atomic writes: a node killed mid-write leaves the previous state, which
    # a resumed search can trust.
    def save(self):
        storage.write_json_atomically(
            kt_adapter.oracle_state_path(self), self.get_state()
        )

    # keras-tuner's private hook (kt_adapter.SAVE_TRIAL_HOOK): it calls
    # this to write a trial's trial.json.
    def _save_trial(self, trial):
        trial_dir = kt_adapter.oracle_trial_dir(self, trial.trial_id)
        storage.write_json_atomically(
            os.path.join(trial_dir, "trial.json"), trial.get_state()
        )


def _first_line(error):
    text = f"{type(error).__name__}: {error}".strip()
    return (text.splitlines() or [text])[0][:300]


def _duration(seconds):
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
