"""Runs the whole pipeline on Apache Beam: BeamDagRunner, SQLite MLMD.

Each component runs as a step of one Beam pipeline (the orchestration), and
the data stages (ExampleGen, StatisticsGen, Transform, Evaluator) run their
own Beam jobs with `beam_pipeline_args`: DirectRunner with one process per
core by default, or a distributed engine's flags (`deploy_config.beam_args`
for Flink, Spark and Dataflow).

Also the pipeline file of `tfx pipeline create --engine beam --pipeline_path
pipelines/beam_runner.py` and `tfx run create --engine beam`, configured by
the AKT_* variables of `env_config.py`, AKT_BEAM_ARGS included.
"""

from tfx.orchestration.beam import beam_dag_runner

from pipelines import deploy_config
from pipelines import env_config
from pipelines import local_runner


def create_beam_pipeline(
    data_root,
    transform_config,
    output_dir,
    pipeline_name,
    beam_pipeline_args=deploy_config.DIRECT_MULTI_PROCESS_ARGS,
    **search_args,
):
    """The local pipeline (same paths and SQLite MLMD) with Beam args."""
    return local_runner.create_local_pipeline(
        data_root=data_root,
        transform_config=transform_config,
        output_dir=output_dir,
        pipeline_name=pipeline_name,
        beam_pipeline_args=list(beam_pipeline_args),
        **search_args,
    )


def run(pipeline):
    beam_dag_runner.BeamDagRunner().run(pipeline)


def pipeline_from_env():
    """The pipeline the `tfx` CLI sees; defaults to the bundled taxi demo."""
    return create_beam_pipeline(
        data_root=env_config.data_root(),
        transform_config=env_config.transform_config(),
        output_dir=env_config.output_dir(),
        pipeline_name=env_config.pipeline_name(),
        beam_pipeline_args=env_config.beam_args(
            deploy_config.DIRECT_MULTI_PROCESS_ARGS
        ),
        **env_config.search_args(),
    )


if __name__ == "__main__":
    run(pipeline_from_env())
