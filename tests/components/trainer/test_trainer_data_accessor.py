"""The Trainer's run_fn reads its examples through `fn_args.data_accessor`
(TFXIO), the real one TFX builds for the Trainer
(`fn_args_utils.get_common_fn_args`), on the session pipeline's Transform
output; without a data accessor it reads the files itself.
"""

import glob
import json
import logging
import os

import numpy as np
import pytest

from tests.helpers import tuner_harness

pytestmark = pytest.mark.slow


class _FactorySpy:
    """Records each call of the real TFXIO dataset factory it wraps."""

    def __init__(self, factory):
        self._factory = factory
        self.calls = []

    def __call__(self, patterns, options, schema):
        self.calls.append((list(patterns), options, schema))
        return self._factory(patterns, options, schema)


def _artifact(cls, uri, **properties):
    item = cls()
    item.uri = uri
    for name, value in properties.items():
        setattr(item, name, value)
    return [item]


def _fn_args(pipeline_output, model_uri, **custom_config):
    """The FnArgs TFX's Trainer executor gives run_fn, built the same way."""
    from tfx.components.trainer import fn_args_utils
    from tfx.proto import trainer_pb2
    from tfx.types import standard_artifacts
    from tfx.types import standard_component_specs as keys
    from tfx.utils import path_utils
    from tfx.utils import proto_utils

    examples, graph = tuner_harness.transform_outputs(pipeline_output)
    input_dict = {
        keys.EXAMPLES_KEY: _artifact(
            standard_artifacts.Examples,
            examples,
            split_names='["train", "eval"]',
        ),
        keys.TRANSFORM_GRAPH_KEY: _artifact(
            standard_artifacts.TransformGraph, graph
        ),
    }
    config = {
        # One model: these tests are about reading (the ensemble's own
        # test asks for one).
        **tuner_harness.TAXI_CONFIG.to_dict(),
        "epochs": 1,
        "ensemble": 1,
        **custom_config,
    }
    exec_properties = {
        keys.TRAIN_ARGS_KEY: proto_utils.proto_to_json(
            trainer_pb2.TrainArgs(splits=["train"])
        ),
        keys.EVAL_ARGS_KEY: proto_utils.proto_to_json(
            trainer_pb2.EvalArgs(splits=["eval"])
        ),
        keys.CUSTOM_CONFIG_KEY: json.dumps(config),
    }
    fn_args = fn_args_utils.get_common_fn_args(input_dict, exec_properties)
    # What the executor adds (tfx/components/trainer/executor.py).
    fn_args.transform_output = fn_args.transform_graph_path
    fn_args.serving_model_dir = path_utils.serving_model_dir(model_uri)
    [best] = glob.glob(
        os.path.join(
            str(pipeline_output),
            "pipeline_root",
            "AutoKerasTuner",
            "best_hyperparameters",
            "*",
            "best_hyperparameters.txt",
        )
    )
    with open(best) as f:
        fn_args.hyperparameters = json.load(f)
    return fn_args


def _split_pattern(pipeline_output, split):
    from tfx.types import artifact_utils
    from tfx.types import standard_artifacts

    examples, _ = tuner_harness.transform_outputs(pipeline_output)
    artifacts = _artifact(
        standard_artifacts.Examples,
        examples,
        split_names='["train", "eval"]',
    )
    return os.path.join(artifact_utils.get_split_uri(artifacts, split), "*")


def _no_direct_reads(monkeypatch):
    from components.util import transformed_data as data

    def direct_read(*args, **kwargs):
        raise AssertionError("the TFRecords were read without the accessor")

    monkeypatch.setattr(data, "_parsed_batches", direct_read)


def test_run_fn_reads_through_the_data_accessor(
    pipeline_run, tmp_path, monkeypatch, caplog
):
    import tensorflow as tf
    import tensorflow_transform as tft

    from components.trainer import train as trainer

    output, _ = pipeline_run
    fn_args = _fn_args(output, str(tmp_path / "model"))
    assert fn_args.train_files == [_split_pattern(output, "train")]
    assert fn_args.eval_files == [_split_pattern(output, "eval")]
    spy = _FactorySpy(fn_args.data_accessor.tf_dataset_factory)
    fn_args.data_accessor = fn_args.data_accessor._replace(
        tf_dataset_factory=spy
    )
    _no_direct_reads(monkeypatch)
    with caplog.at_level(logging.INFO, logger="components.trainer.epoch_log"):
        trainer.run_fn(fn_args)

    # Once per split (retrain: train, early-stopped on eval), one pass, in
    # file order, with the Transform output's schema.
    schema = tft.TFTransformOutput(
        fn_args.transform_output
    ).transformed_metadata.schema
    assert sorted(patterns for patterns, _, _ in spy.calls) == [
        fn_args.eval_files,
        fn_args.train_files,
    ]
    for _, options, called_schema in spy.calls:
        assert options.num_epochs == 1 and not options.shuffle
        assert called_schema == schema
    # The model trained on those examples (val_loss: on the eval split) and
    # was exported.
    [epoch] = [
        r.getMessage()
        for r in caplog.records
        if r.name == "components.trainer.epoch_log"
    ]
    assert epoch.startswith("epoch 1/1") and "val_loss" in epoch
    model_dir = tmp_path / "model"
    assert (model_dir / "Format-Serving" / "saved_model.pb").exists()
    served = tf.saved_model.load(str(model_dir / "Format-Serving"))
    assert "serving_default" in served.signatures


def test_run_fn_without_a_data_accessor_reads_the_files(
    pipeline_run, tmp_path, monkeypatch
):
    from components.trainer import train as trainer
    from components.util import transformed_data as data

    output, _ = pipeline_run
    fn_args = _fn_args(output, str(tmp_path / "model"))
    fn_args.data_accessor = None  # a hand-built FnArgs
    parsed = data._parsed_batches
    reads = []

    def direct_read(files, *args, **kwargs):
        reads.append(sorted(files))
        return parsed(files, *args, **kwargs)

    monkeypatch.setattr(data, "_parsed_batches", direct_read)
    trainer.run_fn(fn_args)
    assert sorted(reads) == [
        sorted(glob.glob(_split_pattern(output, split)))
        for split in ("eval", "train")
    ]
    assert (tmp_path / "model" / "Format-Serving" / "saved_model.pb").exists()


@pytest.mark.parametrize("mode", ["refit", "retrain"])
def test_the_accessor_gives_the_direct_readers_arrays(
    pipeline_run, tmp_path, mode
):
    """Same columns, dtypes, shapes and rows as the tuner's direct reader
    (refit: train then eval)."""
    import tensorflow_transform as tft

    from components.trainer import final_fit
    from components.trainer import train as trainer
    from components.util import feature_kinds

    output, _ = pipeline_run
    fn_args = _fn_args(output, str(tmp_path / "model"))
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    config = feature_kinds.TransformConfig.from_dict(fn_args.custom_config)
    train = sorted(glob.glob(_split_pattern(output, "train")))
    evaluation = sorted(glob.glob(_split_pattern(output, "eval")))
    sources = {
        "train_batches": trainer._accessor_batches(
            fn_args.data_accessor, fn_args.train_files, tft_output
        ),
        "eval_batches": trainer._accessor_batches(
            fn_args.data_accessor, fn_args.eval_files, tft_output
        ),
    }

    def loaded(**batches):
        kwargs = final_fit.fit_arguments(
            mode, {}, 8, train, evaluation, tft_output, config, **batches
        )
        return [kwargs["x"]] + (
            [kwargs["validation_data"]] if mode == "retrain" else []
        )

    for (x, y), (direct_x, direct_y) in zip(loaded(**sources), loaded()):
        assert sorted(x) == sorted(direct_x)
        for name in direct_x:
            assert x[name].dtype == direct_x[name].dtype, name
            assert x[name].shape == direct_x[name].shape, name
            np.testing.assert_array_equal(x[name], direct_x[name])
        assert y.dtype == direct_y.dtype and y.shape == direct_y.shape
        np.testing.assert_array_equal(y, direct_y)


def test_a_split_over_the_memory_limit_streams_from_the_accessor(
    pipeline_run, tmp_path
):
    import tensorflow_transform as tft

    from components.trainer import train as trainer
    from components.util import feature_kinds
    from components.util import transformed_data as data

    output, _ = pipeline_run
    fn_args = _fn_args(output, str(tmp_path / "model"))
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    config = feature_kinds.TransformConfig.from_dict(fn_args.custom_config)
    train = sorted(glob.glob(_split_pattern(output, "train")))
    label = data.label_keys(config)
    streamed = data.load_split(
        train,
        tft_output,
        label,
        batch_size=64,
        in_memory_limit_bytes=0,
        batches=trainer._accessor_batches(
            fn_args.data_accessor, fn_args.train_files, tft_output
        ),
    )
    direct_x, direct_y = data.load_split(train, tft_output, label)
    rows = list(streamed.as_numpy_iterator())
    assert len(rows) == -(-len(direct_y) // 64)  # one pass, batches of 64
    np.testing.assert_array_equal(
        np.concatenate([y for _, y in rows]), direct_y
    )
    for name in direct_x:
        np.testing.assert_array_equal(
            np.concatenate([x[name] for x, _ in rows]), direct_x[name]
        )


def test_an_ensemble_is_exported_as_one_serving_model(
    pipeline_run, tmp_path, monkeypatch, caplog
):
    """The session search's two trials, averaged: the serving signature and
    TF Serving's session loader answer with the ensemble, which the
    Evaluator and Pusher then treat as any model."""
    from components.trainer import ensemble
    from components.trainer import train as trainer
    from tests.helpers import serving_loaders

    output, _ = pipeline_run
    fn_args = _fn_args(output, str(tmp_path / "model"), ensemble=3)
    assert len(fn_args.hyperparameters["ensemble_candidates"]) == 1
    chosen = []
    choose = ensemble.choose_size

    def always_two(heads, predictions, y):
        _, scores = choose(heads, predictions, y)
        chosen.append(scores)
        return 2, scores  # the export path of an ensemble, whatever won

    monkeypatch.setattr(ensemble, "choose_size", always_two)
    with caplog.at_level(logging.INFO, logger="components.trainer"):
        trainer.run_fn(fn_args)
    [scores] = chosen
    assert len(scores) == 2 and all(np.isfinite(scores))
    assert any(
        "serving the best 2 averaged" in r.getMessage() for r in caplog.records
    )
    import tensorflow as tf

    served = str(tmp_path / "model" / "Format-Serving")
    raw = glob.glob(
        os.path.join(
            str(output),
            "pipeline_root",
            "CsvExampleGen",
            "examples",
            "*",
            "Split-test",
            "*",
        )
    )
    records = np.array(
        [
            r.numpy()
            for r in tf.data.TFRecordDataset(
                raw, compression_type="GZIP"
            ).take(8)
        ],
        dtype=object,
    )
    answers = serving_loaders.object_loader_answers(served, records)
    assert answers["probabilities"].shape[0] == 8
    np.testing.assert_allclose(
        answers["probabilities"].sum(axis=1), 1.0, rtol=1e-5
    )
    serving_loaders.assert_same_answers(
        answers, serving_loaders.session_loader_answers(served, records)
    )


def _exported_models(monkeypatch):
    """The models run_fn hands to the serving export, in order."""
    from components.trainer import model_export

    exported = []
    export = model_export.export_serving_model

    def recording(model, *args, **kwargs):
        exported.append(model)
        return export(model, *args, **kwargs)

    monkeypatch.setattr(model_export, "export_serving_model", recording)
    return exported


def _eval_loss(model, output, fn_args):
    import tensorflow_transform as tft

    from components.trainer import final_fit
    from components.util import feature_kinds

    splits = final_fit.fit_data(
        final_fit.WARM,
        sorted(glob.glob(_split_pattern(output, "train"))),
        sorted(glob.glob(_split_pattern(output, "eval"))),
        tft.TFTransformOutput(fn_args.transform_output),
        feature_kinds.TransformConfig.from_dict(fn_args.custom_config),
    )
    x, y = splits["validation_data"]
    return model.evaluate(x, y, verbose=0, return_dict=True)["loss"]


def test_a_retrained_model_reproduces_the_best_trial(
    pipeline_run, tmp_path, monkeypatch
):
    """`final_fit=retrain` (the default): the best trial's configuration
    trained again with its seed, batch size, epoch budget and the same
    seeded batches ends at the trial's own score on eval: the model served
    is the one the search chose."""
    from components.trainer import train as trainer

    output, summary = pipeline_run
    # The session pipeline searched with --epochs 8 (conftest.py).
    fn_args = _fn_args(
        output, str(tmp_path / "model"), final_fit="retrain", epochs=8
    )
    exported = _exported_models(monkeypatch)
    trainer.run_fn(fn_args)
    [model] = exported
    assert _eval_loss(model, output, fn_args) == pytest.approx(
        summary["best_trial"]["score"], abs=1e-4
    )


def test_a_warm_start_begins_at_the_best_trials_checkpoint(
    pipeline_run, tmp_path, monkeypatch, caplog
):
    """`final_fit=warm`: the best trial's best-epoch weights are loaded
    (their eval loss is the trial's score), and the served model is never
    worse on eval than they are."""
    from components.trainer import train as trainer

    output, summary = pipeline_run
    fn_args = _fn_args(
        output, str(tmp_path / "model"), final_fit="warm", epochs=3
    )
    exported = _exported_models(monkeypatch)
    with caplog.at_level(logging.INFO, logger="components.trainer"):
        trainer.run_fn(fn_args)
    recipe = fn_args.hyperparameters["final_fit"]
    [start] = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("warm start:")
    ]
    assert f"trial {recipe['trial_number']}'s best epoch" in start, start
    start_loss = float(start.rsplit(" ", 1)[1])
    # The search scored trials by eval val_loss at their best epoch: the
    # loaded weights are that epoch's.
    assert summary["best_trial"]["score"] == pytest.approx(
        start_loss, abs=2e-3
    )
    [model] = exported
    assert _eval_loss(model, output, fn_args) <= start_loss + 1e-4


def test_a_warm_start_without_a_checkpoint_retrains(
    pipeline_run, tmp_path, monkeypatch, caplog
):
    from components.trainer import train as trainer

    output, _ = pipeline_run
    fn_args = _fn_args(
        output, str(tmp_path / "model"), final_fit="warm", epochs=1
    )
    # As when keep_best_checkpoints pruned it.
    fn_args.hyperparameters["final_fit"]["checkpoint"] = None
    with caplog.at_level(logging.INFO, logger="components.trainer"):
        trainer.run_fn(fn_args)
    assert any(
        "kept no checkpoint; retraining it" in r.getMessage()
        for r in caplog.records
    )
    assert (tmp_path / "model" / "Format-Serving" / "saved_model.pb").exists()
