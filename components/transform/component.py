"""`tfx.components.Transform` with our executor (`executor.py`)."""

from tfx import v1 as tfx
from tfx.dsl.components.base import executor_spec

from components.transform import executor


class Transform(tfx.components.Transform):
    """`tfx.components.Transform` with the executor that hands
    `preprocessing_fn` the column table."""

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)
