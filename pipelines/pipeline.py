"""The autokeras-tfx pipeline, assembled from TFX components and ours.

CsvExampleGen (or ImageExampleGen, ImportExampleGen) -> StatisticsGen ->
SchemaGen -> ExampleValidator -> FeatureKindsGen -> RunHistoryLookup ->
Transform -> AutoKerasTuner -> Trainer -> Evaluator (vs. the latest pushed
model) -> Pusher -> RunHistoryRecorder.

`create_pipeline` picks the ExampleGen (`example_gen_component`), builds
the Evaluator's config (`eval_config`) and wires the stages
(`wire_stages`). This module only assembles; runners choose the
orchestrator, paths and metadata store.
"""

import re

import tensorflow_data_validation as tfdv
from tensorflow_model_analysis.proto import config_pb2 as tfma_config
from tfx import v1 as tfx
from tfx.components import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec

from components.autokeras_tuner import component as autokeras_component
from components.autokeras_tuner import spec as tuner_spec
from components.evaluator.component import Evaluator
from components.example_gen import csv_executor as csv_example_gen
from components.example_gen import image_executor as image_example_gen
from components.feature_kinds_gen.component import FeatureKindsGen
from components.run_history.component import RunHistoryLookup
from components.run_history.component import RunHistoryRecorder
from components.trainer import ensemble as ensemble_lib
from components.trainer import final_fit as final_fit_lib
from components.trainer import model_export
from components.transform.component import Transform
from components.util import feature_kinds

PIPELINE_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
PREPROCESSING_FN = "components.transform.preprocessing.preprocessing_fn"
RUN_FN = "components.trainer.train.run_fn"


def validate_pipeline_name(name):
    """Returns `name`, or raises ValueError when Kubeflow would refuse it."""
    if not PIPELINE_NAME_PATTERN.fullmatch(name or ""):
        raise ValueError(
            f"Pipeline name {name!r} is invalid: it must match "
            "[a-z0-9][a-z0-9-]* (lower-case letters, digits and '-', "
            "starting with a letter or digit), as Kubeflow requires."
        )
    return name


# Fewer evaluation rows than this cannot judge a model: not blessed.
MIN_EVAL_ROWS = 30
# train:eval:test hash buckets of ExampleGen. The tuner scores trials on
# eval and the Trainer early-stops on it; the Evaluator blesses on test
# only, rows no search decision has seen.
SPLIT_NAMES = ("train", "eval", "test")
DEFAULT_SPLIT = (8, 1, 1)
# Smaller tables hold out more, so that eval and test each keep enough rows
# to tell models apart (at 8:1:1 a 1,000-row table leaves 100 of each).
SMALL_TABLE_SPLIT = (3, 1, 1)
SMALL_TABLE_ROWS = 5000


def split_for_rows(rows):
    """The default split for a table of `rows` rows (None: unknown)."""
    if rows is not None and rows < SMALL_TABLE_ROWS:
        return SMALL_TABLE_SPLIT
    return DEFAULT_SPLIT


def example_gen_output_config(split=DEFAULT_SPLIT):
    """ExampleGen's Output proto: train/eval/test by hash, `split` buckets."""
    if len(split) != 3 or any(int(b) < 1 for b in split):
        raise ValueError(
            "The split is three positive bucket counts train,eval,test "
            f"(e.g. 8,1,1); received {split!r}."
        )
    return tfx.proto.Output(
        split_config=tfx.proto.SplitConfig(
            splits=[
                tfx.proto.SplitConfig.Split(name=name, hash_buckets=int(b))
                for name, b in zip(SPLIT_NAMES, split)
            ]
        )
    )


EVAL_METRICS_MODULE = "components.evaluator.eval_metrics"


def _thresholded(class_name, threshold, module=None):
    """A MetricConfig whose threshold applies to the overall slice only.

    Thresholds sit on the MetricConfig itself: TFMA keys them like the
    computed metric (unweighted). On the MetricsSpec they get another key,
    and TFMA reports "Metric not found" and blesses nothing.
    """
    return tfma_config.MetricConfig(
        class_name=class_name,
        module=module or "",
        per_slice_thresholds=[
            tfma_config.PerSliceMetricThreshold(
                slicing_specs=[tfma_config.SlicingSpec()],
                threshold=threshold,
            )
        ],
    )


def _bound(lower=None, upper=None):
    bound = tfma_config.GenericValueThreshold()
    if lower is not None:
        bound.lower_bound.value = lower
    if upper is not None:
        bound.upper_bound.value = upper
    return tfma_config.MetricThreshold(value_threshold=bound)


def eval_config(
    config,
    min_accuracy=None,
    max_regression_loss=None,
    min_eval_rows=MIN_EVAL_ROWS,
):
    """TFMA config: metrics, and the thresholds that bless a model.

    A candidate is blessed when all hold, for every label of a multi-task
    run (each label is one TFMA output, named by its served prediction,
    `<label key>_probabilities` or `<label key>_predictions`):
    - the evaluation has at least `min_eval_rows` rows;
    - it beats the trivial predictor on the same rows (majority class /
      the mean; `components.evaluator.eval_metrics`), unless an absolute
      bound is given instead (`min_accuracy` for classification labels,
      `max_regression_loss` for regression labels);
    - it is not worse than the latest blessed model, when there is one
      (TFX drops change thresholds when there is no baseline).
    """
    multi = config.is_multi_task
    label_keys, metrics_specs = {}, []
    for position, (name, task) in enumerate(config.label_tasks):
        key = feature_kinds.safe_key(name)
        metrics, prediction_key = _label_metrics(
            task,
            min_accuracy,
            max_regression_loss,
            # Rows are counted once: the same rows carry every label.
            (min_eval_rows or 0) if position == 0 else None,
        )
        if not multi:
            return tfma_config.EvalConfig(
                model_specs=[
                    _model_spec(label_key=key, prediction_key=prediction_key)
                ],
                slicing_specs=[tfma_config.SlicingSpec()],
                metrics_specs=[tfma_config.MetricsSpec(metrics=metrics)],
            )
        # TFMA reads a multi-output model's predictions by output name, so
        # the output is named as the served tensor (`species_probabilities`)
        # and mapped to its label.
        output = model_export.multi_task_output_key(key, prediction_key)
        label_keys[output] = key
        metrics_specs.append(
            tfma_config.MetricsSpec(metrics=metrics, output_names=[output])
        )
    return tfma_config.EvalConfig(
        model_specs=[_model_spec(label_keys=label_keys)],
        slicing_specs=[tfma_config.SlicingSpec()],
        metrics_specs=metrics_specs,
    )


def _model_spec(**keys):
    return tfma_config.ModelSpec(
        signature_name=model_export.SERVING_SIGNATURE,
        preprocessing_function_names=[model_export.TRANSFORM_SIGNATURE],
        **keys,
    )


def _label_metrics(task, min_accuracy, max_regression_loss, min_eval_rows):
    """(metric configs, serving prediction key) of one label."""
    if task == feature_kinds.CLASSIFICATION:
        metric, prediction_key = "SparseCategoricalAccuracy", "probabilities"
        direction = tfma_config.MetricDirection.HIGHER_IS_BETTER
        trivial = "AccuracyOverTrivial"
        absolute = None if min_accuracy is None else _bound(lower=min_accuracy)
    else:
        metric, prediction_key = "MeanSquaredError", "predictions"
        direction = tfma_config.MetricDirection.LOWER_IS_BETTER
        trivial = "MseOverTrivial"
        absolute = (
            None
            if max_regression_loss is None
            else _bound(upper=max_regression_loss)
        )
    not_worse = tfma_config.MetricThreshold(
        change_threshold=tfma_config.GenericChangeThreshold(
            direction=direction, absolute={"value": 0.0}
        )
    )
    if absolute is not None:
        not_worse.value_threshold.CopyFrom(absolute.value_threshold)
    metrics = []
    if min_eval_rows:
        metrics.append(
            _thresholded("ExampleCount", _bound(lower=min_eval_rows))
        )
    elif min_eval_rows is not None:  # 0: counted, no bar
        metrics.append(tfma_config.MetricConfig(class_name="ExampleCount"))
    metrics.append(_thresholded(metric, not_worse))
    if absolute is None:
        # Strictly better than the trivial predictor.
        metrics.append(
            _thresholded(trivial, _bound(lower=1e-9), EVAL_METRICS_MODULE)
        )
    return metrics, prediction_key


def pipeline_scope(pipeline_name, transform_config):
    """`<pipeline>/<label>/<task>`: the runs whose results may feed each
    other (a multi-task run joins labels and tasks with ",")."""
    return (
        f"{pipeline_name}/{transform_config.label_text}/"
        f"{transform_config.task_text}"
    )


def default_history_dir(serving_model_dir):
    """`<serving_model_dir>-history`: as durable and as reachable from
    every pod as the served models themselves."""
    return serving_model_dir.rstrip("/") + "-history"


def create_pipeline(
    pipeline_name,
    pipeline_root,
    data_root,
    transform_config,
    serving_model_dir,
    history_dir=None,
    run_id="",
    metadata_connection_config=None,
    input_format="csv",
    max_trials=10,
    time_limit_seconds=0,
    tuner_epochs=10,
    trainer_epochs=10,
    trainer_epochs_follow_search=False,
    seed=0,
    min_accuracy=None,
    max_regression_loss=None,
    min_eval_rows=MIN_EVAL_ROWS,
    beam_pipeline_args=None,
    num_parallel_trials=1,
    warm_start=True,
    tflite=False,
    enable_cache=False,
    split=DEFAULT_SPLIT,
    final_fit=None,
    ensemble=None,
    keep_checkpoints=1,
):
    """Returns the TFX pipeline.

    Args:
        pipeline_name: [a-z0-9][a-z0-9-]*, as Kubeflow requires.
        pipeline_root: where every component writes its artifacts.
        data_root: the directory holding the raw CSV or TFRecord files (or
            a str `RuntimeParameter` of it).
        transform_config: a `feature_kinds.TransformConfig` (label, task,
            feature kinds).
        serving_model_dir: where the Pusher copies blessed models.
        history_dir: where runs leave their search and pushed model for
            the next run (`components/run_history`); None: beside the
            serving directory, `<serving_model_dir>-history`.
        run_id: unique to this run where TFX's execution cache is on (it
            keeps the cache from reusing an earlier run's lookup).
        metadata_connection_config: the MLMD connection (None lets the
            orchestrator supply one, as Kubeflow does).
        input_format: "csv" (CsvExampleGen), "tfrecord" (ImportExampleGen
            of tf.Example records) or "images" (one folder per class;
            `components/example_gen/image_executor.py`).
        max_trials, time_limit_seconds, tuner_epochs, seed: the search
            budget. Each may be an int `RuntimeParameter` that a Kubeflow
            run sets; the Trainer's custom_config then holds the seed's
            default (a run's own seed reaches the Trainer through the
            tuner's best_hyperparameters).
        trainer_epochs: epochs for the final model (early stopping applies).
        trainer_epochs_follow_search: the final model's epochs are instead
            the search's `tuner_epochs` as the run set them (a Kubeflow
            run-time parameter).
        min_accuracy: classification models below it are not blessed
            (None: they must beat the majority class instead).
        max_regression_loss: regression models whose MSE is above it are not
            blessed (None: they must beat predicting the mean instead).
        min_eval_rows: fewer evaluation rows than this bless nothing (0:
            no minimum).
        beam_pipeline_args: arguments for the Beam-based data components.
        num_parallel_trials: trials the tuner runs at once (one per GPU).
        warm_start: start the search from the best configurations of the
            latest earlier run's search (scheduled retraining). An int
            `RuntimeParameter` (1/0) wires the warm start and lets each run
            switch it on or off.
        tflite: the Trainer also writes a TFLite file of a tabular model
            (`components/trainer/model_export.py`).
        split: train, eval and test hash buckets of ExampleGen
            (`split_for_rows`); the Evaluator blesses on test.
        final_fit: how the Trainer trains the final model
            (`components.trainer.final_fit.FINAL_FIT_MODES`; None: its default).
        ensemble: the most trials the Trainer ensembles
            (`components/trainer/ensemble.py`; 1: none; None: its default).
        keep_checkpoints: how many of the best trials keep their weights
            in the tuner's results (the warm-started final fit starts from
            them; a benchmark keeps every trial's).
        enable_cache: TFX's execution cache: a rerun reuses every stage
            whose inputs and parameters are unchanged (the local runner
            turns it on so that a killed run continues; on Kubeflow the
            ExampleGen driver that fingerprints the input files does not
            run, so a cache hit there would miss new data).
    """
    validate_pipeline_name(pipeline_name)
    components = wire_stages(
        example_gen=example_gen_component(
            input_format, data_root, transform_config, split
        ),
        transform_config=transform_config,
        history=run_history_properties(
            pipeline_name,
            transform_config,
            serving_model_dir,
            history_dir,
            run_id,
        ),
        tuner_properties=dict(
            max_trials=max_trials,
            time_limit_seconds=time_limit_seconds,
            epochs=tuner_epochs,
            seed=seed,
            num_parallel_trials=num_parallel_trials,
            keep_best_checkpoints=keep_checkpoints,
            # Unset unless a run decides: a bool only wires it or not.
            warm_start=warm_start if _is_run_time(warm_start) else None,
        ),
        warm_start=_is_run_time(warm_start) or bool(warm_start),
        trainer_config=trainer_custom_config(
            transform_config,
            epochs=trainer_epochs,
            seed=_compile_time_value(seed),
            epochs_follow_search=trainer_epochs_follow_search,
            final_fit=final_fit,
            ensemble=ensemble,
            tflite=tflite,
        ),
        evaluation=eval_config(
            transform_config,
            min_accuracy,
            max_regression_loss,
            min_eval_rows,
        ),
        serving_model_dir=serving_model_dir,
    )
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name,
        pipeline_root=pipeline_root,
        components=components,
        enable_cache=enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args or [],
    )


def _is_run_time(value):
    return isinstance(value, tfx.dsl.experimental.RuntimeParameter)


def _compile_time_value(value):
    """A run-time parameter's default, or the value itself."""
    return value.default if _is_run_time(value) else value


def example_gen_component(input_format, data_root, transform_config, split):
    """The ExampleGen of `input_format`: "csv", "tfrecord" or "images".

    Each writes the train/eval/test split of `split` buckets
    (`example_gen_output_config`).
    """
    output_config = example_gen_output_config(split)
    if input_format == "csv":
        # TFX's FileBasedExampleGen with our CSV reader (BOM, gzip, quoted
        # newlines; rows without a label dropped); same node id as before.
        return FileBasedExampleGen(
            input_base=data_root,
            output_config=output_config,
            custom_config={
                csv_example_gen.LABEL_KEY: (
                    list(transform_config.label_names)
                    if transform_config.is_multi_task
                    else transform_config.label
                )
            },
            custom_executor_spec=executor_spec.BeamExecutorSpec(
                csv_example_gen.Executor
            ),
        ).with_id("CsvExampleGen")
    if input_format == "tfrecord":
        return tfx.components.ImportExampleGen(
            input_base=data_root,
            output_config=output_config,
        )
    if input_format == "images":
        # FileBasedExampleGen with our reader of class folders: encoded
        # bytes + the folder name as label (components/example_gen).
        return FileBasedExampleGen(
            input_base=data_root,
            output_config=output_config,
            custom_executor_spec=executor_spec.BeamExecutorSpec(
                image_example_gen.Executor
            ),
        ).with_id("ImageExampleGen")
    raise ValueError(
        f"input_format must be 'csv', 'tfrecord' or 'images'; received "
        f"{input_format!r}."
    )


def run_history_properties(
    pipeline_name, transform_config, serving_model_dir, history_dir, run_id
):
    """The run history's folder, scope and run id, as its components and
    the tuner take them (`components/run_history`)."""
    return {
        "history_dir": history_dir or default_history_dir(serving_model_dir),
        "scope": pipeline_scope(pipeline_name, transform_config),
        "run_id": run_id,
    }


def trainer_custom_config(
    transform_config,
    epochs,
    seed,
    epochs_follow_search=False,
    final_fit=None,
    ensemble=None,
    tflite=False,
):
    """The Trainer's custom_config: the TransformConfig and the final fit's
    options (`components/trainer/train.py` reads them)."""
    return {
        **transform_config.to_dict(),
        final_fit_lib.EPOCHS_OPTION: epochs,
        final_fit_lib.SEED_OPTION: seed,
        **(
            {tuner_spec.EPOCHS_FOLLOW_SEARCH_OPTION: True}
            if epochs_follow_search
            else {}
        ),
        **({final_fit_lib.FINAL_FIT_OPTION: final_fit} if final_fit else {}),
        **({ensemble_lib.ENSEMBLE_OPTION: ensemble} if ensemble else {}),
        model_export.TFLITE_OPTION: tflite,
    }


def wire_stages(
    example_gen,
    transform_config,
    history,
    tuner_properties,
    warm_start,
    trainer_config,
    evaluation,
    serving_model_dir,
):
    """The pipeline's 12 components, each wired to the outputs it reads.

    Args:
        example_gen: from `example_gen_component`.
        transform_config: the `feature_kinds.TransformConfig`.
        history: from `run_history_properties`.
        tuner_properties: the AutoKerasTuner's parameters (budget, seed,
            parallel trials, kept checkpoints, warm_start).
        warm_start: whether the tuner gets the earlier run's search as its
            `warmup` input.
        trainer_config: from `trainer_custom_config`.
        evaluation: the Evaluator's TFMA config (`eval_config`).
        serving_model_dir: where the Pusher copies blessed models.

    Returns:
        The components in pipeline order: ExampleGen, StatisticsGen,
        SchemaGen, ExampleValidator, FeatureKindsGen, RunHistoryLookup,
        Transform, AutoKerasTuner, Trainer, Evaluator, Pusher,
        RunHistoryRecorder.
    """
    examples = example_gen.outputs["examples"]
    statistics_gen = tfx.components.StatisticsGen(
        examples=examples,
        # Natural-language and image domains for SchemaGen's schema.
        stats_options=tfdv.StatsOptions(enable_semantic_domain_stats=True),
    )
    schema_gen = tfx.components.SchemaGen(
        statistics=statistics_gen.outputs["statistics"],
        infer_feature_shape=False,
    )
    example_validator = tfx.components.ExampleValidator(
        statistics=statistics_gen.outputs["statistics"],
        schema=schema_gen.outputs["schema"],
    )
    feature_kinds_gen = FeatureKindsGen(
        statistics=statistics_gen.outputs["statistics"],
        schema=schema_gen.outputs["schema"],
        examples=examples,
        transform_config=transform_config,
    )
    curated_schema = feature_kinds_gen.outputs["curated_schema"]
    transform = _transform(examples, curated_schema, transform_config)
    # The latest earlier run's search (warm start) and pushed model (the
    # Evaluator's baseline), from records every orchestrator can read: no
    # resolver nodes, which open-source Kubeflow cannot run.
    lookup = RunHistoryLookup(schema=curated_schema, **history)
    tuner = autokeras_component.AutoKerasTuner(
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=curated_schema,
        transform_config=transform_config,
        warmup=lookup.outputs["tuner_results"] if warm_start else None,
        history_dir=history["history_dir"],
        scope=history["scope"],
        **tuner_properties,
    )
    trainer = tfx.components.Trainer(
        run_fn=RUN_FN,
        examples=transform.outputs["transformed_examples"],
        transform_graph=transform.outputs["transform_graph"],
        schema=curated_schema,
        hyperparameters=tuner.outputs["best_hyperparameters"],
        train_args=tfx.proto.TrainArgs(splits=["train"]),
        eval_args=tfx.proto.EvalArgs(splits=["eval"]),
        custom_config=trainer_config,
    )
    evaluator = Evaluator(
        examples=examples,
        model=trainer.outputs["model"],
        baseline_model=lookup.outputs["baseline_model"],
        # Rows neither the search nor the Trainer's early stopping saw.
        example_splits=["test"],
        eval_config=evaluation,
    )
    pusher = tfx.components.Pusher(
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"],
        push_destination=tfx.proto.PushDestination(
            filesystem=tfx.proto.PushDestination.Filesystem(
                base_directory=serving_model_dir
            )
        ),
    )
    recorder = RunHistoryRecorder(
        schema=curated_schema,
        tuner_results=tuner.outputs["tuner_results"],
        pushed_model=pusher.outputs["pushed_model"],
        **history,
    )
    return [
        example_gen,
        statistics_gen,
        schema_gen,
        example_validator,
        feature_kinds_gen,
        lookup,
        transform,
        tuner,
        trainer,
        evaluator,
        pusher,
        recorder,
    ]


def _transform(examples, schema, transform_config):
    """Transform of the train and eval splits with our preprocessing_fn."""
    return Transform(
        examples=examples,
        schema=schema,
        preprocessing_fn=PREPROCESSING_FN,
        custom_config=transform_config.to_dict(),
        # Vocabularies see both splits: a class or category that only
        # occurs in eval would otherwise have no id, and the label's -1
        # would break training and evaluation.
        splits_config=tfx.proto.SplitsConfig(
            analyze=["train", "eval"], transform=["train", "eval"]
        ),
        # StatisticsGen already profiled the raw data; Transform's own pre-
        # and post-transform statistics cost a TFDV pass per column and
        # nothing reads them (tests/benchmarks/bench_transform.py).
        disable_statistics=True,
        # The analyzer cache serves incremental runs over new spans, which
        # this pipeline does not wire; Transform is faster without it
        # (tests/benchmarks/bench_transform.py).
        disable_analyzer_cache=True,
    )
