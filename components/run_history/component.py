"""The run-history components."""

from tfx import types
from tfx.dsl.components.base import base_component
from tfx.dsl.components.base import executor_spec
from tfx.types import standard_artifacts

from components.run_history import executor
from components.run_history.spec import RunHistoryLookupSpec
from components.run_history.spec import RunHistoryRecorderSpec


class RunHistoryLookup(base_component.BaseComponent):
    """The latest earlier search and pushed model of this pipeline's scope.

    Outputs `tuner_results` (holding `search_results.json`, or nothing on a
    first run) and `baseline_model` (holding `Format-Serving/`, the latest
    pushed model, or nothing when none was pushed or its columns no longer
    match the data).
    """

    SPEC_CLASS = RunHistoryLookupSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.LookupExecutor)

    def __init__(self, schema, history_dir, scope, run_id=""):
        super().__init__(
            spec=RunHistoryLookupSpec(
                schema=schema,
                history_dir=history_dir,
                scope=scope,
                run_id=run_id,
                tuner_results=types.Channel(
                    type=standard_artifacts.TunerResults
                ),
                baseline_model=types.Channel(type=standard_artifacts.Model),
            )
        )


class RunHistoryRecorder(base_component.BaseComponent):
    """Records this run's search, and its model when the Pusher pushed it."""

    SPEC_CLASS = RunHistoryRecorderSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.RecorderExecutor)

    def __init__(
        self,
        schema,
        tuner_results,
        pushed_model,
        history_dir,
        scope,
        run_id="",
    ):
        super().__init__(
            spec=RunHistoryRecorderSpec(
                schema=schema,
                tuner_results=tuner_results,
                pushed_model=pushed_model,
                history_dir=history_dir,
                scope=scope,
                run_id=run_id,
            )
        )
