"""HillClimbingOracle on a synthetic space (no model training)."""

import keras_tuner
import pytest

from search_space import HillClimbingOracle

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


def test_predefined_configurations_come_first_in_order(tmp_path):
    presets = [{"alpha/x": 5}, {"gamma/delta/w": 7, "beta/kind": "big"}]
    tuner = run_search(tmp_path, max_trials=4, initial_hps=presets)
    values = trial_values(tuner)
    assert values[0]["alpha/x"] == 5 and values[0]["alpha/y"] == 0
    assert values[1]["gamma/delta/w"] == 7 and values[1]["beta/kind"] == "big"
    assert "beta/size" in values[1]
    origins = [
        tuner.oracle.trial_origins[i]
        for i in sorted(tuner.oracle.trials, key=int)
    ]
    assert origins[:2] == ["predefined 1/2", "predefined 2/2"]
    assert all(o.startswith("mutated: ") for o in origins[2:]), origins


def test_each_mutation_resamples_one_submodule_of_the_best(tmp_path):
    tuner = run_search(tmp_path, max_trials=25, initial_hps=[{}])
    oracle = tuner.oracle
    trials = [oracle.trials[i] for i in sorted(oracle.trials, key=int)]
    picked_names = set()
    for index in range(1, len(trials)):
        finished = [t for t in trials[:index] if t.score is not None]
        best = min(finished, key=lambda t: t.score).hyperparameters.values
        after = trials[index].hyperparameters.values
        origin = oracle.trial_origins[trials[index].trial_id]
        assert origin.startswith("mutated: "), origin
        picked = origin[len("mutated: ") :]
        picked_names.add(picked)
        members = set(oracle.submodule_tree(best)[picked])
        changed = {
            n for n in set(best) | set(after) if best.get(n) != after.get(n)
        }
        # Only the picked sub-module's values change, plus what they
        # (de)activate: beta/kind switches beta/size on and off.
        activated = set(after) ^ set(best)
        assert changed <= members | activated, (picked, changed)
    # Several levels of the hierarchy were used, not only single values.
    assert len(picked_names) >= 4, picked_names


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


class FailingPresetTuner(BlackBoxTuner):
    """The first trial fails; later ones are scored."""

    def run_trial(self, trial, *args, **kwargs):
        if trial.trial_id == "0":
            raise keras_tuner.errors.FailedTrialError("preset broke")
        return super().run_trial(trial, *args, **kwargs)


def test_a_failed_trial_is_never_a_parent(tmp_path):
    oracle = HillClimbingOracle(
        objective=OBJECTIVE, max_trials=3, initial_hps=[{"alpha/x": 9}]
    )
    tuner = FailingPresetTuner(
        oracle=oracle,
        hypermodel=declare_space,
        directory=str(tmp_path),
        project_name="failed",
    )
    tuner.search(verbose=0)
    origins = [oracle.trial_origins[i] for i in sorted(oracle.trials, key=int)]
    # Trial 1 has no completed parent: a random draw, not a "mutation" of
    # the failed preset. Trial 2 mutates trial 1.
    assert origins[0] == "predefined 1/1"
    assert origins[1] == "random", origins
    assert origins[2].startswith("mutated: "), origins
    assert [t.trial_id for t in oracle.completed_trials()] == ["1", "2"]


def test_unbuildable_configurations_are_redrawn_and_the_search_goes_on(
    tmp_path,
):
    oracle = HillClimbingOracle(
        objective=OBJECTIVE,
        max_trials=8,
        initial_hps=[{"alpha/x": 7}, {"alpha/x": 2}],
    )

    def model_size(values):
        # Odd x "cannot be built", like a block combination Keras rejects.
        if values["alpha/x"] % 2:
            raise ValueError("Negative dimension size")
        return 1

    oracle.model_size_fn = model_size
    tuner = BlackBoxTuner(
        oracle=oracle,
        hypermodel=declare_space,
        directory=str(tmp_path),
        project_name="unbuildable",
    )
    tuner.search(verbose=0)
    values = trial_values(tuner)
    assert len(values) == 8
    assert all(v["alpha/x"] % 2 == 0 for v in values)
    assert values[0]["alpha/x"] == 2
    assert oracle.get_state()["unbuildable"]


def test_an_exhausted_space_never_repeats_a_rejected_configuration(tmp_path):
    def tiny_space(hp):
        hp.Choice("x", [1, 2, 3], default=1)

    oracle = HillClimbingOracle(
        objective=OBJECTIVE,
        max_trials=5,
        max_model_size=2,
        misses_per_widening=2,
    )
    oracle.model_size_fn = lambda values: values["x"]

    class Tuner(keras_tuner.Tuner):
        def run_trial(self, trial, *args, **kwargs):
            return {"score": float(trial.hyperparameters.values["x"])}

    tuner = Tuner(
        oracle=oracle,
        hypermodel=tiny_space,
        directory=str(tmp_path),
        project_name="exhausted",
    )
    tuner.search(verbose=0)
    tried = [v["x"] for v in trial_values(tuner)]
    # Only x=1 and x=2 fit; the rest of the budget repeats those.
    assert len(tried) == 5 and set(tried) == {1, 2}, tried
