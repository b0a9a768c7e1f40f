"""TFX's Evaluator executor, given no baseline when the lookup found none.

The run-history lookup always outputs a `baseline_model` artifact (a task
output exists on every orchestrator); on a first run, or when the latest
pushed model cannot read this data, it is empty. TFX's executor would try
to load it, so an empty one is dropped here and the Evaluator runs as it
does without a baseline (change thresholds skipped, rubber stamp).
"""

from tfx.components.evaluator import executor as tfx_evaluator_executor
from tfx.types import standard_component_specs

from components.run_history import executor as history_executor

BASELINE_KEY = standard_component_specs.BASELINE_MODEL_KEY


class Executor(tfx_evaluator_executor.Executor):
    def Do(self, input_dict, output_dict, exec_properties):
        baseline = input_dict.get(BASELINE_KEY) or []
        if baseline and not history_executor.has_baseline(baseline[0]):
            input_dict = {
                k: v for k, v in input_dict.items() if k != BASELINE_KEY
            }
        super().Do(input_dict, output_dict, exec_properties)
