"""The AutoKerasTuner TFX component: channels in, validated parameters."""

import json

from tfx import types
from tfx.dsl.components.base import base_component
from tfx.dsl.components.base import executor_spec
from tfx.orchestration import data_types
from tfx.types import standard_artifacts

from components.autokeras_tuner import executor
from components.autokeras_tuner import spec
from components.autokeras_tuner.report import artifacts as report_artifacts
from components.util import feature_kinds


class AutoKerasTuner(base_component.BaseComponent):
    """Neural architecture + hyperparameter search on the Transform output.

    Writes `best_hyperparameters` in the standard TFX Tuner's format (the
    standard Trainer consumes it unchanged) and `tuner_results` with every
    trial and the engine's state, plus the search report as `report_html`
    (system.HTML) and `report_markdown` (system.Markdown), which the KFP 2
    UI shows in the run view.
    """

    SPEC_CLASS = spec.AutoKerasTunerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(
        self,
        examples,
        transform_graph,
        transform_config,
        schema=None,
        max_trials=10,
        time_limit_seconds=0,
        epochs=10,
        seed=0,
        warmup=None,
        num_parallel_trials=1,
        keep_best_checkpoints=1,
        max_model_size=0,
        history_dir=None,
        scope=None,
        warm_start=None,
    ):
        """Constructs the component.

        Args:
            examples: a channel of transformed Examples.
            transform_graph: the Transform's TransformGraph channel.
            transform_config: the `feature_kinds.TransformConfig` (or its
                dict) that Transform ran with: label, task, feature kinds.
            schema: an optional Schema channel.
            max_trials: the number of configurations to evaluate at most.
            time_limit_seconds: wall-clock budget of the whole search; 0 for
                none.
            epochs: training epochs per trial (early stopping may cut them).
            seed: fixes the search's random stream and each trial's weights.
            warmup: an optional channel of an earlier run's TunerResults;
                its best configurations are evaluated first.
            num_parallel_trials: trials at once on this node (worker
                processes; one GPU each when there are GPUs).
            keep_best_checkpoints: trials whose weights stay on disk.
            max_model_size: largest parameter count to train; 0: no limit.
            history_dir, scope: the pipeline's run history
                (`components/run_history`), where an interrupted search is
                kept for the next attempt or run; None: beside the outputs.
            warm_start: 0 makes the search ignore `warmup`; None (the
                property stays unset) or 1 uses it.

        `max_trials`, `time_limit_seconds`, `epochs`, `seed` and
        `warm_start` may be run-time parameters of the pipeline
        (`RuntimeParameter`s with ptype int, as Kubeflow runs take them);
        their defaults are checked here, and the orchestrator checks the
        type of what a run sets.
        """
        if isinstance(transform_config, dict):
            transform_config = feature_kinds.TransformConfig.from_dict(
                transform_config
            )
        if _default(max_trials) < 1:
            raise ValueError(
                f"max_trials must be at least 1; received "
                f"{_default(max_trials)}."
            )
        if num_parallel_trials < 1 or keep_best_checkpoints < 1:
            raise ValueError(
                "num_parallel_trials and keep_best_checkpoints must be at "
                f"least 1; received {num_parallel_trials} and "
                f"{keep_best_checkpoints}."
            )
        if _default(time_limit_seconds) < 0 or _default(epochs) < 1:
            raise ValueError(
                "time_limit_seconds must be >= 0 and epochs >= 1; received "
                f"{_default(time_limit_seconds)} and {_default(epochs)}."
            )
        if _default(warm_start) not in (None, 0, 1):
            raise ValueError(
                f"warm_start must be 0 or 1; received {_default(warm_start)}."
            )
        # Unset, not None, when not given: what earlier pipelines stored.
        optional = (
            {} if warm_start is None else {spec.WARM_START_KEY: warm_start}
        )
        component_spec = spec.AutoKerasTunerSpec(
            examples=examples,
            transform_graph=transform_graph,
            schema=schema,
            max_trials=max_trials,
            time_limit_seconds=time_limit_seconds,
            epochs=epochs,
            seed=seed,
            warmup=warmup,
            num_parallel_trials=num_parallel_trials,
            keep_best_checkpoints=keep_best_checkpoints,
            max_model_size=max_model_size,
            custom_config=json.dumps(transform_config.to_dict()),
            history_dir=history_dir,
            scope=scope,
            best_hyperparameters=types.Channel(
                type=standard_artifacts.HyperParameters
            ),
            tuner_results=types.Channel(type=standard_artifacts.TunerResults),
            report_html=types.Channel(type=report_artifacts.HTML),
            report_markdown=types.Channel(type=report_artifacts.Markdown),
            **optional,
        )
        super().__init__(spec=component_spec)


def _default(value):
    """A run-time parameter's default, or the value itself."""
    if isinstance(value, data_types.RuntimeParameter):
        return value.default
    return value
