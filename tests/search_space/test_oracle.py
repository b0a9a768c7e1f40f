"""HillClimbingOracle on a synthetic space (no model training)."""

import collections

import keras_tuner
import numpy as np
import pytest

from search_space import HillClimbingOracle
from search_space.oracle import pick_submodules
from search_space.oracle import selection_probabilities
from search_space.oracle import submodule_of

OBJECTIVE = keras_tuner.Objective("score", "min")


def declare_space(hp):
    with hp.name_scope("alpha"):
        hp.Choice("x", list(range(10)), default=0)
        hp.Choice("y", list(range(10)), default=0)
    with hp.name_scope("beta"):
        kind = hp.Choice("kind", ["small", "big"], default="small")
        with hp.conditional_scope("kind", ["big"]):
            hp.Int("size", 0, 99)
    with hp.name_scope("gamma"):
        hp.Boolean("flag")
        with hp.name_scope("delta"):
            hp.Choice("w", list(range(1, 11)), default=1)
    hp.Fixed("constant", 3)
    return kind


def score(values):
    return float(
        values["alpha/x"] + values["alpha/y"] - values.get("beta/size", 0)
    )


class BlackBoxTuner(keras_tuner.Tuner):
    """Scores hyperparameters directly so the oracle is tested alone."""

    def run_trial(self, trial, *args, **kwargs):
        return {"score": score(trial.hyperparameters.values)}


def run_search(tmp_path, name="run", **oracle_kwargs):
    oracle_kwargs.setdefault("objective", OBJECTIVE)
    oracle = HillClimbingOracle(**oracle_kwargs)
    tuner = BlackBoxTuner(
        oracle=oracle,
        hypermodel=declare_space,
        directory=str(tmp_path),
        project_name=name,
    )
    tuner.search(verbose=0)
    return tuner


def trial_values(tuner):
    trials = [
        tuner.oracle.trials[i] for i in sorted(tuner.oracle.trials, key=int)
    ]
    return [t.hyperparameters.values for t in trials]


def changed_submodules(before, after):
    names = set(before) | set(after)
    return {submodule_of(n) for n in names if before.get(n) != after.get(n)}


def test_selection_frequencies_follow_inverse_count():
    submodules = ["a", "b", "c", "d"]
    counts = {"a": 0, "b": 1, "c": 3, "d": 7}
    rng = np.random.default_rng(0)
    draws = 40000
    picks = collections.Counter(
        pick_submodules(submodules, counts, 1, rng)[0] for _ in range(draws)
    )
    expected = selection_probabilities(submodules, counts)
    measured = np.array([picks[s] / draws for s in submodules])
    # 1/(n+1) = 1, 1/2, 1/4, 1/8 -> 8/15, 4/15, 2/15, 1/15.
    np.testing.assert_allclose(expected, [8 / 15, 4 / 15, 2 / 15, 1 / 15])
    # Binomial standard error is below 0.0025 here; allow 4 sigma.
    np.testing.assert_allclose(measured, expected, atol=0.01)
    print("measured", dict(zip(submodules, measured.round(4))))


def test_predefined_configurations_come_first_in_order(tmp_path):
    presets = [{"alpha/x": 5}, {"gamma/delta/w": 7, "beta/kind": "big"}]
    tuner = run_search(tmp_path, max_trials=4, initial_hps=presets)
    values = trial_values(tuner)
    assert values[0]["alpha/x"] == 5 and values[0]["alpha/y"] == 0
    assert values[1]["gamma/delta/w"] == 7 and values[1]["beta/kind"] == "big"
    assert "beta/size" in values[1]


def test_each_mutation_resamples_one_submodule_of_the_best(tmp_path):
    tuner = run_search(tmp_path, max_trials=25, initial_hps=[{}])
    trials = [
        tuner.oracle.trials[i] for i in sorted(tuner.oracle.trials, key=int)
    ]
    for index in range(1, len(trials)):
        finished = [t for t in trials[:index] if t.score is not None]
        best = min(finished, key=lambda t: t.score)
        changed = changed_submodules(
            best.hyperparameters.values, trials[index].hyperparameters.values
        )
        # Changing beta/kind also (de)activates beta/size: same sub-module.
        assert len(changed) == 1, changed


def test_no_duplicates_and_no_early_stop_in_a_tiny_space(tmp_path):
    def tiny_space(hp):
        with hp.name_scope("only"):
            hp.Choice("v", [1, 2, 3])

    oracle = HillClimbingOracle(
        objective=OBJECTIVE, max_trials=6, misses_per_widening=2
    )
    tuner = BlackBoxTuner(
        oracle=oracle,
        hypermodel=tiny_space,
        directory=str(tmp_path),
        project_name="tiny",
    )

    def run_trial(trial, *args, **kwargs):
        return {"score": float(trial.hyperparameters.values["only/v"])}

    tuner.run_trial = run_trial
    tuner.search(verbose=0)
    values = [v["only/v"] for v in trial_values(tuner)]
    # All 3 distinct values first, then repeats rather than an early stop.
    assert sorted(values[:3]) == [1, 2, 3]
    assert len(values) == 6


def test_seed_zero_is_kept_and_reproducible(tmp_path):
    first = run_search(tmp_path, "a", max_trials=8, seed=0)
    second = run_search(tmp_path, "b", max_trials=8, seed=0)
    other = run_search(tmp_path, "c", max_trials=8, seed=1)
    assert first.oracle.seed == 0
    assert trial_values(first) == trial_values(second)
    assert trial_values(first) != trial_values(other)


def test_time_limit_stops_the_search(tmp_path):
    tuner = run_search(tmp_path, max_trials=50, time_limit=0)
    assert len(tuner.oracle.trials) == 0


def test_state_round_trip_resumes_identically(tmp_path):
    straight = run_search(tmp_path, "straight", max_trials=12, seed=3)
    run_search(tmp_path, "resumed", max_trials=6, seed=3)
    resumed = run_search(tmp_path, "resumed", max_trials=12, seed=3)
    assert trial_values(resumed) == trial_values(straight)
    state = resumed.oracle.get_state()
    assert state["submodule_counts"] == straight.oracle.submodule_counts
    assert state["seed"] == 3 and len(state["seen"]) == 12


def test_oversized_configurations_are_skipped(tmp_path):
    oracle = HillClimbingOracle(
        objective=OBJECTIVE,
        max_trials=6,
        max_model_size=5,
        initial_hps=[{"alpha/x": 9}, {"alpha/x": 1}],
    )
    oracle.model_size_fn = lambda values: values["alpha/x"]
    tuner = BlackBoxTuner(
        oracle=oracle,
        hypermodel=declare_space,
        directory=str(tmp_path),
        project_name="size",
    )
    tuner.search(verbose=0)
    values = trial_values(tuner)
    assert values[0]["alpha/x"] == 1
    assert len(values) == 6
    assert all(v["alpha/x"] <= 5 for v in values)


def test_invalid_predefined_value_is_reported(tmp_path):
    with pytest.raises(ValueError, match="alpha/x"):
        run_search(tmp_path, max_trials=2, initial_hps=[{"alpha/x": 42}])
