"""Our container entrypoint mends what open-source KFP really sends.

Fast checks of each mend on ExecutorInputs in the driver's and launcher's
form; the whole compiled pipeline runs through it in
`tests/pipelines/test_kubeflow_pod_runs.py`.
"""

import importlib
import json
import os
import pathlib
import re

import pytest
import tfx
import yaml

from components import kfp_entrypoint

EXAMPLES_TYPE = {"instanceSchema": "title: tfx.Examples\ntype: object\n"}
SCHEMA_TYPE = {"instanceSchema": "title: tfx.Schema\ntype: object\n"}
# `autokeras-tfx kfp compile --label payment_type` at e5b22de, the last
# commit before the per-component layout.
BEFORE_LAYOUT = (
    pathlib.Path(__file__).parent
    / "testdata"
    / "kfp_pipeline_before_layout.yaml"
)
OUR_REFERENCE = re.compile(r"(?<![\w.])components(?:\.\w+)+")


def driver_input(uri_in, uri_out, parameters=None):
    """An ExecutorInput as KFP's driver builds it: the upstream artifact's
    type has an empty instanceSchema (backend/src/v2/metadata/client.go)."""
    return {
        "inputs": {
            "artifacts": {
                "examples": {
                    "artifacts": [
                        {
                            "name": "x",
                            "uri": uri_in,
                            "type": {"instanceSchema": ""},
                            "metadata": {"span": 0},
                        }
                    ]
                }
            },
            "parameterValues": parameters or {},
        },
        "outputs": {
            "artifacts": {
                "schema": {
                    "artifacts": [
                        {
                            "name": "y",
                            "uri": uri_out,
                            "type": SCHEMA_TYPE,
                        }
                    ]
                }
            },
            "outputFile": "/tmp/kfp_outputs/output_metadata.json",
        },
    }


def argv_for(executor_input):
    return [
        "--executor_class_path",
        "some.Executor",
        "--json_serialized_invocation_args",
        json.dumps(executor_input),
        "--json_serialized_inputs_spec_args",
        json.dumps(
            {"artifacts": {"examples": {"artifactType": EXAMPLES_TYPE}}}
        ),
        "--runner=DirectRunner",
    ]


def test_empty_types_get_the_declared_type_and_beam_args_stay():
    argv, _, _ = kfp_entrypoint.prepare(
        argv_for(driver_input("gs://b/in", "gs://b/out"))
    )
    sent = json.loads(argv[3])
    [artifact] = sent["inputs"]["artifacts"]["examples"]["artifacts"]
    assert artifact["type"] == EXAMPLES_TYPE
    assert artifact["metadata"] == {"span": 0}
    # gs:// stays: TensorFlow opens it.
    assert artifact["uri"] == "gs://b/in"
    assert argv[0:2] == ["--executor_class_path", "some.Executor"]
    assert argv[-1] == "--runner=DirectRunner"


def test_the_drivers_executor_logs_output_is_not_tfxs():
    executor_input = driver_input("gs://b/in", "gs://b/out")
    # driver.go provisionOutputs, with the API server's PUBLISH_LOGS on.
    executor_input["outputs"]["artifacts"]["executor-logs"] = {
        "artifacts": [
            {
                "name": "executor-logs",
                "uri": "gs://b/logs",
                "type": {"schemaTitle": "system.Artifact"},
            }
        ]
    }
    argv, _, _ = kfp_entrypoint.prepare(argv_for(executor_input))
    assert set(json.loads(argv[3])["outputs"]["artifacts"]) == {"schema"}


def test_an_input_without_any_type_is_refused_with_its_name():
    executor_input = driver_input("gs://b/in", "gs://b/out")
    argv = argv_for(executor_input)
    argv[5] = json.dumps({"artifacts": {}})
    with pytest.raises(kfp_entrypoint.EntrypointError, match="'examples'"):
        kfp_entrypoint.prepare(argv)


def test_minio_artifacts_use_the_launchers_local_paths_and_go_back(
    tmp_path,
):
    staging = str(tmp_path)
    executor_input = driver_input(
        "minio://mlpipeline/v2/artifacts/p/run/ExampleGen/examples",
        "s3://bucket/p/run/SchemaGen/schema",
    )
    argv, restored, output_file = kfp_entrypoint.prepare(
        argv_for(executor_input), staging_root=staging
    )
    sent = json.loads(argv[3])
    local_in = sent["inputs"]["artifacts"]["examples"]["artifacts"][0]["uri"]
    local_out = sent["outputs"]["artifacts"]["schema"]["artifacts"][0]["uri"]
    # launcher_v2.go LocalPathForURI: /minio/<bucket>/<key>, /s3/<...>.
    assert local_in == os.path.join(
        staging, "minio/mlpipeline/v2/artifacts/p/run/ExampleGen/examples"
    )
    assert local_out == os.path.join(
        staging, "s3/bucket/p/run/SchemaGen/schema"
    )
    assert os.path.isdir(os.path.dirname(local_out))
    assert restored == {
        local_in: "minio://mlpipeline/v2/artifacts/p/run/ExampleGen/examples",
        local_out: "s3://bucket/p/run/SchemaGen/schema",
    }
    # The pod's outputFile is a local path too, rebased the same way.
    assert output_file == os.path.join(
        staging, "tmp/kfp_outputs/output_metadata.json"
    )

    # TFX writes the local path into the ExecutorOutput; the launcher
    # would take it as the artifact's new URI (mergeRuntimeArtifacts).
    written = tmp_path / "output_metadata.json"
    # Metadata may name staged paths too (the Evaluator's blessing does).
    written.write_text(
        json.dumps(
            {
                "artifacts": {
                    "schema": {
                        "artifacts": [
                            {
                                "uri": local_out,
                                "metadata": {
                                    "k": 1,
                                    "current_model": local_in
                                    + "/Format-Serving",
                                    "other": "/elsewhere",
                                },
                            }
                        ]
                    }
                }
            }
        )
    )
    kfp_entrypoint.restore_output_uris(str(written), restored)
    assert json.loads(written.read_text())["artifacts"]["schema"]["artifacts"][
        0
    ] == {
        "uri": "s3://bucket/p/run/SchemaGen/schema",
        "metadata": {
            "k": 1,
            "other": "/elsewhere",
            "current_model": "minio://mlpipeline/v2/artifacts/p/run/"
            "ExampleGen/examples/Format-Serving",
        },
    }


@pytest.mark.parametrize(
    "value",
    [
        "minio://mlpipeline/data",
        '{"filesystem": {"base_directory": "s3://bucket/serving"}}',
    ],
)
def test_paths_kfp_does_not_stage_are_refused_by_parameter(value):
    executor_input = driver_input(
        "gs://b/in", "gs://b/out", parameters={"input_base": value}
    )
    with pytest.raises(
        kfp_entrypoint.EntrypointError,
        match="'input_base' holds '(minio|s3)://",
    ):
        kfp_entrypoint.prepare(argv_for(executor_input))


def test_a_refusal_exits_2_before_tfx_runs(capsys):
    executor_input = driver_input(
        "gs://b/in", "gs://b/out", parameters={"input_base": "minio://b/d"}
    )
    assert kfp_entrypoint.main(argv_for(executor_input)) == 2
    assert "cannot open minio://" in capsys.readouterr().err


def test_the_locked_tfx_is_the_one_the_entrypoint_was_written_against():
    # A TFX upgrade changes the v2 entrypoint this module wraps: re-read
    # it (kubeflow_v2_run_executor, kubeflow_v2_entrypoint_utils), then
    # move TESTED_TFX_VERSION.
    assert tfx.__version__.startswith(kfp_entrypoint.TESTED_TFX_VERSION + ".")


def _resolves(reference):
    """Whether `reference` is an importable module or a name in one."""
    try:
        importlib.import_module(reference)
        return True
    except ImportError:
        module, _, name = reference.rpartition(".")
        try:
            return hasattr(importlib.import_module(module), name)
        except ImportError:
            return False


def _prepared_tasks(compiled):
    """(task, executor class path, parameter values) of every task of a
    compiled spec, as our entrypoint hands them to TFX's."""
    spec = next(yaml.safe_load_all(compiled.read_text()))
    executors = spec["deploymentSpec"]["executors"]
    for name, task in sorted(spec["root"]["dag"]["tasks"].items()):
        component = spec["components"][task["componentRef"]["name"]]
        container = executors[component["executorLabel"]]["container"]
        assert container["command"] == [
            "python",
            "-m",
            "components.kfp_entrypoint",
        ]
        constants = {
            key: value["runtimeValue"]["constant"]
            for key, value in task["inputs"].get("parameters", {}).items()
            if "runtimeValue" in value
        }
        executor_input = {
            "inputs": {"parameterValues": constants},
            "outputs": {"outputFile": "/tmp/out.json"},
        }
        argv = [
            json.dumps(executor_input) if arg == "{{$}}" else arg
            for arg in container["args"]
        ]
        prepared, _, _ = kfp_entrypoint.prepare(argv)
        _, class_path = kfp_entrypoint._flag_value(
            prepared, kfp_entrypoint.EXECUTOR_CLASS_FLAG
        )
        _, invocation = kfp_entrypoint._flag_value(
            prepared, kfp_entrypoint.INVOCATION_FLAG
        )
        yield (
            name,
            class_path,
            json.loads(invocation)["inputs"]["parameterValues"],
        )


def test_a_pipeline_compiled_before_the_layout_finds_every_module(caplog):
    """A recurring run keeps the spec it was created with while the image
    moves on: every reference to our code in it must still import."""
    seen = set()
    with caplog.at_level("WARNING"):
        for task, class_path, parameters in _prepared_tasks(BEFORE_LAYOUT):
            for reference in OUR_REFERENCE.findall(
                class_path + json.dumps(parameters)
            ):
                assert _resolves(reference), (task, reference)
                seen.add(reference)
    assert {
        "components.autokeras_tuner.executor.Executor",
        "components.feature_kinds_gen.executor.Executor",
        "components.transform.executor.Executor",
        "components.example_gen.csv_executor.Executor",
        "components.trainer.train.run_fn",
        "components.transform.preprocessing.preprocessing_fn",
        "components.evaluator.eval_metrics",
    } <= seen
    assert not seen & set(kfp_entrypoint.MOVED_REFERENCES)
    assert "Recompile the pipeline" in caplog.text


def test_current_references_are_left_as_they_are():
    current = sorted(set(kfp_entrypoint.MOVED_REFERENCES.values()))
    executor_input = {
        "inputs": {
            "parameterValues": {"module": json.dumps({"module": current})}
        }
    }
    argv = ["--executor_class_path", current[0]]
    assert kfp_entrypoint.follow_moved_references(argv, executor_input) == []
    assert argv == ["--executor_class_path", current[0]]
    assert all(_resolves(reference) for reference in current)
