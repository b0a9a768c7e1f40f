"""The pipeline's resolver nodes, and the scope that keeps them in their
pipeline.

The latest TunerResults (the tuner's warm start) and the latest blessed Model
(the Evaluator's baseline) must come from earlier runs of the same pipeline,
even where many pipelines share one ML Metadata store (a cluster).
"""

from tfx import v1 as tfx

# Every TunerResults, Model and ModelBlessing the pipeline writes carries
# this custom property: its pipeline and target (`pipeline_scope`). Local
# runs do not need it (TFX compiles each resolver's query to the pipeline's
# context in MLMD); the compiled Kubeflow resolvers filter on it
# (`kubeflow_runner.scope_resolver_queries`), since theirs match the type
# only.
SCOPE_PROPERTY = "autokeras_tfx_scope"
TUNER_RESULTS_RESOLVER_ID = "latest_tuner_results_resolver"
BLESSED_MODEL_RESOLVER_ID = "latest_blessed_model_resolver"


def pipeline_scope(pipeline_name, transform_config):
    """`<pipeline>/<label>/<task>`: runs whose results may feed each other.

    The label and task are in it so that a pipeline recompiled for another
    target (a new version under the same name) starts afresh; a multi-task
    run has every label and task, joined by "," (`a,b/classification,
    regression`).
    """
    return (
        f"{pipeline_name}/{transform_config.label_text}/"
        f"{transform_config.task_text}"
    )


def tag_scope(scope, *channels):
    """Marks the artifacts of these output channels with `scope`."""
    for channel in channels:
        channel.additional_custom_properties[SCOPE_PROPERTY] = scope


def latest_tuner_results_resolver():
    """The latest TunerResults of this pipeline (warm start)."""
    return tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestArtifactStrategy,
        tuner_results=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.TunerResults
        ),
    ).with_id(TUNER_RESULTS_RESOLVER_ID)


def latest_blessed_model_resolver():
    """The latest blessed Model of this pipeline (the Evaluator's
    baseline)."""
    return tfx.dsl.Resolver(
        strategy_class=tfx.dsl.experimental.LatestBlessedModelStrategy,
        model=tfx.dsl.Channel(type=tfx.types.standard_artifacts.Model),
        model_blessing=tfx.dsl.Channel(
            type=tfx.types.standard_artifacts.ModelBlessing
        ),
    ).with_id(BLESSED_MODEL_RESOLVER_ID)
