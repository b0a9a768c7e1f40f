"""Every artifact URI on a non-local filesystem: the tuner executor (with
resume and warm start), the Trainer's run_fn, the report and the Pusher.

TensorFlow's `ram://` filesystem stands in for `gs://`: it lives in this
process, and `tf.io.gfile` (which TFX's fileio uses) reaches it as it
reaches GCS, while `open`, `glob` and `os.path` do not (they would make a
local directory named `ram:`). The inputs are the real Transform output of
the session's pipeline run, copied into `ram://`.
"""

import json
import os

import pytest
import tensorflow as tf

from tests.helpers import tuner_harness

pytestmark = pytest.mark.slow

RAM = "ram://akt-remote"
gfile = tf.io.gfile


def _upload(local, remote):
    for directory, _, files in os.walk(local):
        target = remote + directory[len(local) :]
        gfile.makedirs(target)
        for name in files:
            gfile.copy(
                os.path.join(directory, name),
                f"{target}/{name}",
                overwrite=True,
            )


def _read_json(uri):
    with gfile.GFile(uri) as f:
        return json.loads(f.read())


def _no_local_ram_directory():
    # What builtin open/os.makedirs would leave behind on a URL.
    assert not os.path.exists("ram:"), "a local 'ram:' directory was made"


@pytest.fixture(scope="module")
def remote_inputs(pipeline_run):
    """(examples URI, transform graph URI) on ram://."""
    examples, graph = tuner_harness.transform_outputs(pipeline_run[0])
    _upload(examples, f"{RAM}/inputs/transformed_examples")
    _upload(graph, f"{RAM}/inputs/transform_graph")
    yield f"{RAM}/inputs/transformed_examples", f"{RAM}/inputs/transform_graph"
    gfile.rmtree(RAM)


def _remote_request(remote_inputs, output, warmup_uri=None, **settings):
    examples, graph = remote_inputs
    return tuner_harness.request_for(
        examples, graph, output, warmup_uri=warmup_uri, **settings
    )


@pytest.fixture(scope="module")
def straight(remote_inputs):
    """An uninterrupted 3-trial search, every output on ram://."""
    output = f"{RAM}/straight"
    results = tuner_harness.run(
        _remote_request(remote_inputs, output, max_trials=3)
    )
    return output, results


def test_tuner_executor_writes_every_output_on_the_remote_filesystem(
    straight,
):
    output, results = straight
    best_uri, results_uri = tuner_harness.outputs(output)
    assert [t["status"] for t in results["trials"]] == ["COMPLETED"] * 3
    assert _read_json(f"{best_uri}/best_hyperparameters.txt")["values"]
    assert len(_read_json(f"{results_uri}/tuner_results.json")) == 3
    # The search state (oracle, every trial) and the kept checkpoint.
    assert gfile.exists(f"{results_uri}/search/trials/oracle.json")
    trial_files = gfile.glob(f"{results_uri}/search/trials/trial_*/trial.json")
    assert len(trial_files) == 3
    assert gfile.glob(f"{results_uri}/search/trials/trial_*/checkpoint*")
    assert gfile.glob(f"{results_uri}/logs/*")  # TensorBoard
    # The report: in tuner_results, and one file AT each report URI.
    html_uri, markdown_uri = tuner_harness.report_outputs(output)
    for uri in (html_uri, markdown_uri):
        assert gfile.exists(uri) and not gfile.isdir(uri), uri
    with gfile.GFile(html_uri) as f:
        page = f.read()
    with gfile.GFile(f"{results_uri}/report.html") as f:
        assert f.read() == page
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    # No v1 KFP UI metadata, no temporary file left behind.
    assert sorted(n.rstrip("/") for n in gfile.listdir(results_uri)) == [
        "logs",
        "report.html",
        "report.md",
        "search",
        "search_results.json",
        "tuner_results.json",
    ]
    _no_local_ram_directory()


class _Killed(BaseException):
    """Stands in for SIGKILL: no `except Exception` catches it."""


def test_a_search_killed_mid_trial_resumes_on_the_remote_filesystem(
    remote_inputs, straight, monkeypatch
):
    from search_space import tuner as tuner_lib

    _, straight_results = straight
    output = f"{RAM}/resumed"
    request = _remote_request(remote_inputs, output, max_trials=3)
    fit_once = tuner_lib.SearchTuner._fit_once
    calls = []

    def killed_in_second_trial(self, trial, *args, **kwargs):
        calls.append(trial.trial_id)
        if len(calls) == 2:
            raise _Killed()  # mid-trial: the trial is RUNNING in the state
        return fit_once(self, trial, *args, **kwargs)

    monkeypatch.setattr(
        tuner_lib.SearchTuner, "_fit_once", killed_in_second_trial
    )
    with pytest.raises(_Killed):
        tuner_harness.run(request)
    monkeypatch.setattr(tuner_lib.SearchTuner, "_fit_once", fit_once)
    first, killed = calls
    # The same execution again (a pod retry): the state is read back from
    # ram://, and the search continues.
    results = tuner_harness.run(request)
    trials = {t["trial_id"]: t for t in results["trials"]}
    assert [t["status"] for t in results["trials"]] == ["COMPLETED"] * 3
    assert trials[first]["attempts"] == 1  # finished before: not re-run
    assert trials[killed]["attempts"] == 2  # interrupted: run again
    assert [t["hyperparameters"] for t in results["trials"]] == [
        t["hyperparameters"] for t in straight_results["trials"]
    ]
    best_uri, _ = tuner_harness.outputs(output)
    straight_best, _ = tuner_harness.outputs(straight[0])
    assert _relative_checkpoints(
        _read_json(f"{best_uri}/best_hyperparameters.txt"), output
    ) == _relative_checkpoints(
        _read_json(f"{straight_best}/best_hyperparameters.txt"), straight[0]
    )
    _no_local_ram_directory()


def _relative_checkpoints(best, output):
    """The best_hyperparameters with each trial's checkpoint path made
    relative to its run's output, which it must lie under."""
    recipes = [best["final_fit"]] + [
        c["final_fit"] for c in best.get("ensemble_candidates", [])
    ]
    for recipe in recipes:
        if recipe.get("checkpoint"):
            assert recipe["checkpoint"].startswith(str(output) + "/"), (
                recipe["checkpoint"],
                output,
            )
            recipe["checkpoint"] = recipe["checkpoint"][len(str(output)) :]
    return best


def test_warm_start_reads_earlier_results_on_the_remote_filesystem(
    remote_inputs, straight
):
    straight_output, _ = straight
    best_uri, previous_results = tuner_harness.outputs(straight_output)
    results = tuner_harness.run(
        _remote_request(
            remote_inputs,
            f"{RAM}/warm",
            warmup_uri=previous_results,
            max_trials=1,
        )
    )
    [first] = results["trials"]
    assert first["origin"].startswith("warm start 1/")
    assert (
        first["hyperparameters"]
        == _read_json(f"{best_uri}/best_hyperparameters.txt")["values"]
    )


def _artifact(cls, uri, **properties):
    item = cls()
    item.uri = uri
    for name, value in properties.items():
        setattr(item, name, value)
    return [item]


@pytest.fixture(scope="module")
def trained(remote_inputs, straight):
    """The standard TFX Trainer running our run_fn, all URIs on ram://:
    (the model URI, the file patterns its data accessor was asked for)."""
    from tfx.components.trainer import executor as trainer_executor
    from tfx.components.util import tfxio_utils
    from tfx.proto import trainer_pb2
    from tfx.types import standard_artifacts
    from tfx.types import standard_component_specs as keys
    from tfx.utils import proto_utils

    from components.util import transformed_data as data

    examples, graph = remote_inputs
    best_uri, _ = tuner_harness.outputs(straight[0])
    model_uri = f"{RAM}/trainer/model"
    input_dict = {
        keys.EXAMPLES_KEY: _artifact(
            standard_artifacts.Examples,
            examples,
            split_names='["train", "eval"]',
        ),
        keys.TRANSFORM_GRAPH_KEY: _artifact(
            standard_artifacts.TransformGraph, graph
        ),
        keys.HYPERPARAMETERS_KEY: _artifact(
            standard_artifacts.HyperParameters, best_uri
        ),
    }
    output_dict = {
        keys.MODEL_KEY: _artifact(standard_artifacts.Model, model_uri),
        keys.MODEL_RUN_KEY: _artifact(
            standard_artifacts.ModelRun, f"{RAM}/trainer/model_run"
        ),
    }
    custom_config = {**tuner_harness.TAXI_CONFIG.to_dict(), "epochs": 1}
    exec_properties = {
        keys.RUN_FN_KEY: "components.trainer.train.run_fn",
        keys.TRAIN_ARGS_KEY: proto_utils.proto_to_json(
            trainer_pb2.TrainArgs(splits=["train"])
        ),
        keys.EVAL_ARGS_KEY: proto_utils.proto_to_json(
            trainer_pb2.EvalArgs(splits=["eval"])
        ),
        keys.CUSTOM_CONFIG_KEY: json.dumps(custom_config),
    }
    reads = []
    make_factory = tfxio_utils.get_tf_dataset_factory_from_artifact

    def recording_factory(*args, **kwargs):
        # The real TFXIO factory the Trainer's data accessor is built on.
        factory = make_factory(*args, **kwargs)

        def dataset(patterns, options, schema):
            reads.append(list(patterns))
            return factory(patterns, options, schema)

        return dataset

    def direct_read(*args, **kwargs):
        raise AssertionError("the TFRecords were read without the accessor")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            tfxio_utils,
            "get_tf_dataset_factory_from_artifact",
            recording_factory,
        )
        patch.setattr(data, "_parsed_batches", direct_read)
        trainer_executor.GenericExecutor().Do(
            input_dict, output_dict, exec_properties
        )
    return model_uri, reads


def test_trainer_run_fn_reads_and_writes_on_the_remote_filesystem(trained):
    model_uri, reads = trained
    # Every example came through the data accessor (TFXIO) from ram://.
    assert sorted(reads) == [
        [f"{RAM}/inputs/transformed_examples/Split-{split}/*"]
        for split in ("eval", "train")
    ]
    assert gfile.exists(f"{model_uri}/Format-Serving/saved_model.pb")
    assert gfile.exists(f"{model_uri}/Format-Keras/model.keras")
    served = tf.saved_model.load(f"{model_uri}/Format-Serving")
    assert "serving_default" in served.signatures
    _no_local_ram_directory()


def test_pusher_pushes_from_and_to_the_remote_filesystem(trained):
    from tfx.components.pusher import executor as pusher_executor
    from tfx.proto import pusher_pb2
    from tfx.types import standard_artifacts
    from tfx.types import standard_component_specs as keys
    from tfx.utils import proto_utils

    model_uri, _ = trained

    blessing_uri = f"{RAM}/evaluator/blessing"
    gfile.makedirs(blessing_uri)
    with gfile.GFile(f"{blessing_uri}/BLESSED", "w") as f:
        f.write("")
    [blessing] = _artifact(standard_artifacts.ModelBlessing, blessing_uri)
    blessing.set_int_custom_property("blessed", 1)
    serving = f"{RAM}/serving"
    pushed_uri = f"{RAM}/pusher/pushed_model"
    gfile.makedirs(pushed_uri)
    [pushed] = _artifact(standard_artifacts.PushedModel, pushed_uri)
    pusher_executor.Executor().Do(
        {
            keys.MODEL_KEY: _artifact(standard_artifacts.Model, model_uri),
            keys.MODEL_BLESSING_KEY: [blessing],
        },
        {keys.PUSHED_MODEL_KEY: [pushed]},
        {
            keys.PUSH_DESTINATION_KEY: proto_utils.proto_to_json(
                pusher_pb2.PushDestination(
                    filesystem=pusher_pb2.PushDestination.Filesystem(
                        base_directory=serving
                    )
                )
            ),
            keys.CUSTOM_CONFIG_KEY: None,
        },
    )
    assert pushed.get_int_custom_property("pushed") == 1
    [version] = gfile.listdir(serving)
    assert gfile.exists(f"{serving}/{version.rstrip('/')}/saved_model.pb")
    _no_local_ram_directory()
