"""`tfx.components.Evaluator` with the executor above."""

from tfx import v1 as tfx
from tfx.dsl.components.base import executor_spec

from components.evaluator import executor


class Evaluator(tfx.components.Evaluator):
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)
