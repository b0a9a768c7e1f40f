"""`tests/helpers/kfp_launcher.py` does what KFP 2's driver, launcher and Argo do.

Fast: tiny hand-written PipelineSpecs whose containers are `python -c`
scripts reading the ExecutorInput from argv (no TFX). Each test states the
KFP behaviour it proves; the module docstring of kfp_launcher cites the
kubeflow/pipelines and Argo source for each.
"""

import json
import os
import re

import pytest

from tests.helpers import kfp_launcher
from tests.helpers.kfp_launcher import KfpRefused
from tests.helpers.kfp_launcher import Launcher
from tests.helpers.kfp_launcher import TaskFailed

EXAMPLES = "title: tfx.Examples\ntype: object\n"
MODEL = "title: tfx.Model\ntype: object\n"

# The container: reads the ExecutorInput ({{$}}) and what to do (argv[2]),
# maps minio:// URIs under $KFP_TEST_POD_ROOT as our entrypoint does,
# records what it found at its inputs' local paths, writes its outputs and
# output_metadata.json.
SCRIPT = r"""
import json, os, sys, time
ei, todo = json.loads(sys.argv[1]), json.loads(sys.argv[2])
root = os.environ.get("KFP_TEST_POD_ROOT") or "/"
attempt = os.environ.get("KFP_RETRY_INDEX", "0")
print("attempt", attempt, "started", flush=True)

def local(uri):
    for scheme, folder in (("minio://", "minio"), ("s3://", "s3")):
        if uri.startswith(scheme):
            return os.path.join(root, folder, uri[len(scheme):])
    return uri

def pod(path):
    if path.startswith(("/minio/", "/s3/", "/tmp/kfp")):
        return os.path.join(root, path.lstrip("/"))
    return path

seen = {}
for name, listed in ei["inputs"].get("artifacts", {}).items():
    path = local(listed["artifacts"][0]["uri"])
    if os.path.isdir(path):
        seen[name] = sorted(
            os.path.relpath(os.path.join(d, f), path) + end
            for d, subs, files in os.walk(path)
            for f, end in [(f, "") for f in files] + [(s, "/") for s in subs])
    elif os.path.isfile(path):
        with open(path) as f:
            seen[name] = f.read()
    else:
        seen[name] = None
out = {}
for key, listed in ei["outputs"].get("artifacts", {}).items():
    if key == "executor-logs":
        continue
    uri = (listed["artifacts"][0]["uri"]
           + todo.get("uri_suffix", {}).get(key, ""))
    uri = todo.get("uri", {}).get(key, uri)
    path = local(uri)
    for rel, content in todo.get("files", {}).get(key, {}).items():
        target = os.path.join(path, rel) if rel else path
        if content is None:
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                f.write(content)
    if key == todo.get("seen_to"):
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "seen.json"), "w") as f:
            json.dump(seen, f)
    entry = {}
    if key in todo.get("uri_suffix", {}) or key in todo.get("uri", {}):
        entry["uri"] = uri
    if key in todo.get("metadata", {}):
        entry["metadata"] = todo["metadata"][key]
    if entry:
        out[key] = {"artifacts": [entry]}
time.sleep(todo.get("sleep_on_attempt", {}).get(attempt, 0))
result = {"artifacts": out, **todo.get("extra_output", {})}
if "parameters" in todo:
    result["parameterValues"] = todo["parameters"]
for name, text in todo.get("parameter_files", {}).items():
    path = pod(ei["outputs"]["parameters"][name]["outputFile"])
    with open(path, "w") as f:
        f.write(text)
output_file = pod(ei["outputs"]["outputFile"])
os.makedirs(os.path.dirname(output_file), exist_ok=True)
with open(output_file, "w") as f:
    json.dump(result, f)
print("attempt", attempt, "done", flush=True)
sys.exit(todo.get("exit_on_attempt", {}).get(attempt, todo.get("exit", 0)))
"""


def make_spec(tasks, root_parameters=None, name="tiny-pipeline"):
    """A PipelineSpec; each task: name, inputs {name: (producer, key)},
    params {name: (type, source)} with source ("const", v) or ("root", p)
    or ("task", producer, key), outputs {key: declared metadata or None},
    output_params {name: type}, todo (what the script does), retry."""
    spec = {
        "pipelineInfo": {"name": name},
        "schemaVersion": "2.1.0",
        "components": {},
        "deploymentSpec": {"executors": {}},
        "root": {
            "dag": {"tasks": {}},
            "inputDefinitions": {"parameters": root_parameters or {}},
        },
    }
    for task in tasks:
        task_name = task["name"]
        component = {
            "executorLabel": f"{task_name}_executor",
            "inputDefinitions": {},
            "outputDefinitions": {},
        }
        inputs = {}
        if task.get("inputs"):
            component["inputDefinitions"]["artifacts"] = {
                key: {"artifactType": {"instanceSchema": EXAMPLES}}
                for key in task["inputs"]
            }
            inputs["artifacts"] = {
                key: {
                    "taskOutputArtifact": {
                        "producerTask": producer,
                        "outputArtifactKey": output,
                    }
                }
                for key, (producer, output) in task["inputs"].items()
            }
        if task.get("params"):
            component["inputDefinitions"]["parameters"] = {
                key: {"parameterType": kind, **extra}
                for key, (kind, _, *rest) in task["params"].items()
                for extra in [rest[0] if rest else {}]
            }
            sources = {}
            for key, (_, source, *_) in task["params"].items():
                if source[0] == "const":
                    sources[key] = {"runtimeValue": {"constant": source[1]}}
                elif source[0] == "root":
                    sources[key] = {"componentInputParameter": source[1]}
                else:
                    sources[key] = {
                        "taskOutputParameter": {
                            "producerTask": source[1],
                            "outputParameterKey": source[2],
                        }
                    }
            inputs["parameters"] = sources
        outputs = task.get("outputs", {})
        if outputs:
            component["outputDefinitions"]["artifacts"] = {
                key: {
                    "artifactType": {"instanceSchema": EXAMPLES},
                    **({"metadata": metadata} if metadata else {}),
                }
                for key, metadata in outputs.items()
            }
        if task.get("output_params"):
            component["outputDefinitions"]["parameters"] = {
                key: {"parameterType": kind}
                for key, kind in task["output_params"].items()
            }
        spec["components"][task_name] = component
        spec["deploymentSpec"]["executors"][f"{task_name}_executor"] = {
            "container": {
                "image": "autokeras-tfx:cpu",
                "command": ["python", "-c", SCRIPT],
                "args": ["{{$}}", json.dumps(task.get("todo", {}))],
            }
        }
        dag_task = {
            "componentRef": {"name": task_name},
            "taskInfo": {"name": task_name},
            "inputs": inputs,
        }
        upstream = sorted(
            {p for p, _ in task.get("inputs", {}).values()}
            | {
                s[1]
                for _, s, *_ in task.get("params", {}).values()
                if s[0] == "task"
            }
        )
        if upstream:
            dag_task["dependentTasks"] = upstream
        if task.get("retry"):
            dag_task["retryPolicy"] = task["retry"]
        spec["root"]["dag"]["tasks"][task_name] = dag_task
    return spec


def two_tasks(
    producer_todo=None, consumer_todo=None, outputs=None, retry=None
):
    return make_spec(
        [
            {
                "name": "producer",
                "outputs": outputs or {"examples": None},
                "todo": producer_todo
                or {"files": {"examples": {"data.txt": "rows"}}},
                "retry": retry,
            },
            {
                "name": "consumer",
                "inputs": {"examples": ("producer", "examples")},
                "outputs": {"report": None},
                "todo": consumer_todo or {"seen_to": "report"},
            },
        ]
    )


def minio_launcher(tmp_path, spec, **kwargs):
    return Launcher(
        spec,
        "minio://mlpipeline/v2/artifacts",
        workdir=str(tmp_path),
        object_store_dir=str(tmp_path / "store"),
        staging_root=str(tmp_path / "pods"),
        **kwargs,
    )


def store_path(tmp_path, uri):
    assert uri.startswith("minio://")
    return tmp_path / "store" / uri[len("minio://") :]


def read_seen(tmp_path, launcher, task="consumer", key="report"):
    [report] = launcher.outputs[task][key]
    with open(store_path(tmp_path, report["uri"]) / "seen.json") as f:
        return json.load(f)


UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_upstream_artifact_arrives_as_the_driver_sends_it(tmp_path):
    launcher = minio_launcher(tmp_path, two_tasks(), run_id="run-1")
    launcher.run_all()
    produced = launcher.executor_inputs["producer"]["outputs"]["artifacts"]
    [own] = produced["examples"]["artifacts"]
    # The producer's own output carries the declared type ...
    assert own["type"] == {"instanceSchema": EXAMPLES}
    assert own["name"] == "examples" and "metadata" not in own
    # ... its consumer gets it from MLMD: id as name, empty instanceSchema,
    # the recorded custom properties.
    [given] = launcher.executor_inputs["consumer"]["inputs"]["artifacts"][
        "examples"
    ]["artifacts"]
    assert given == {
        "name": launcher.outputs["producer"]["examples"][0]["name"],
        "type": {"instanceSchema": ""},
        "uri": own["uri"],
        "metadata": {
            "display_name": "examples",
            "store_session_info": json.dumps(
                kfp_launcher.SESSION_INFO["minio://"], separators=(",", ":")
            ),
        },
    }
    assert re.fullmatch(r"\d+", given["name"])
    # What the container got is Go protojson: the type is written out.
    text = launcher.commands["consumer"][3]
    assert '"type":{"instanceSchema":""}' in text


def test_output_uris_are_per_run_task_and_driver_run(tmp_path):
    uris = {}
    for run_id in ("run-a", "run-b"):
        launcher = minio_launcher(tmp_path, two_tasks(), run_id=run_id)
        launcher.run_task("producer")
        outputs = launcher.executor_inputs["producer"]["outputs"]
        [examples] = outputs["artifacts"]["examples"]["artifacts"]
        match = re.fullmatch(
            rf"minio://mlpipeline/v2/artifacts/tiny-pipeline/{run_id}/"
            rf"producer/({UUID})/examples",
            examples["uri"],
        )
        assert match, examples["uri"]
        salt = match.group(1)
        assert outputs["outputFile"] == (
            f"/minio/mlpipeline/v2/artifacts/tiny-pipeline/{run_id}/"
            f"producer/{salt}/output_metadata.json"
        )
        [logs] = outputs["artifacts"]["executor-logs"]["artifacts"]
        assert logs["type"] == {"schemaTitle": "system.Artifact"}
        assert logs["uri"].endswith(f"/producer/{salt}/executor-logs-0")
        uris[run_id] = examples["uri"]
        # Each driver run draws a new UUID, even within one run.
        again = launcher.executor_input("producer")["outputs"]["artifacts"]
        assert again["examples"]["artifacts"][0]["uri"] != examples["uri"]
    assert uris["run-a"] != uris["run-b"]


ROOT_PARAMETERS = {
    "max_trials": {
        "parameterType": "NUMBER_INTEGER",
        "defaultValue": 10,
        "isOptional": True,
    },
    "rate": {
        "parameterType": "NUMBER_DOUBLE",
        "defaultValue": 0.5,
        "isOptional": True,
    },
    "data_root": {
        "parameterType": "STRING",
        "defaultValue": "/data",
        "isOptional": True,
    },
    "unset": {"parameterType": "STRING", "isOptional": True},
}


def parameter_spec():
    return make_spec(
        [
            {
                "name": "trainer",
                "outputs": {"model": None},
                "params": {
                    "max_trials": ("NUMBER_INTEGER", ("root", "max_trials")),
                    "rate": ("NUMBER_DOUBLE", ("root", "rate")),
                    "data_root": ("STRING", ("root", "data_root")),
                    "as_text": ("STRING", ("root", "max_trials")),
                    "epochs": ("NUMBER_INTEGER", ("const", 1.0)),
                    "config": ("STRING", ("const", '{"label": "y"}')),
                    "unset": (
                        "STRING",
                        ("root", "unset"),
                        {"isOptional": True},
                    ),
                    "job": ("STRING", ("const", "{{$.pipeline_job_uuid}}")),
                },
            }
        ],
        root_parameters=ROOT_PARAMETERS,
    )


def test_parameters_defaults_overrides_and_json_types(tmp_path):
    launcher = Launcher(parameter_spec(), str(tmp_path / "root"), run_id="r1")
    assert launcher.parameters == {
        "max_trials": 10,
        "rate": 0.5,
        "data_root": "/data",
        "unset": None,
    }
    launcher.run_task("trainer")
    values = launcher.executor_inputs["trainer"]["inputs"]["parameterValues"]
    assert values == {
        "max_trials": 10,
        "rate": 0.5,
        "data_root": "/data",
        "as_text": "10",  # a STRING input given a number: FormatFloat 'f'
        "epochs": 1,
        "config": '{"label": "y"}',
        "job": "r1",
    }  # "unset": null and optional: left out
    text = launcher.commands["trainer"][3]
    # Integers are JSON numbers without a fraction (Go protojson).
    assert re.search(r'"epochs":1[,}]', text)
    assert re.search(r'"max_trials":10[,}]', text)
    assert "1.0" not in text and "10.0" not in text

    overridden = Launcher(
        parameter_spec(),
        str(tmp_path / "root2"),
        parameters={"max_trials": 1, "rate": 2},
    )
    overridden.run_task("trainer")
    text = overridden.commands["trainer"][3]
    assert re.search(r'"max_trials":1[,}]', text)
    assert re.search(r'"rate":2[,}]', text)
    assert '"as_text":"1"' in text


@pytest.mark.parametrize(
    "given",
    [
        {"max_trials": "1"},
        {"max_trials": True},
        {"max_trials": None},
        {"data_root": 3},
        {"not_declared": 1},
    ],
)
def test_the_api_server_refuses_bad_run_parameters(given):
    with pytest.raises(KfpRefused, match="v2_template.go"):
        Launcher(parameter_spec(), "/nowhere", parameters=given)


def test_minio_inputs_are_downloaded_before_and_outputs_uploaded_after(
    tmp_path,
):
    spec = two_tasks(
        producer_todo={
            "files": {
                "examples": {
                    "train/part-0": "a",
                    "eval/part-0": "b",
                    "empty": None,
                }
            }
        }
    )
    launcher = minio_launcher(tmp_path, spec)
    launcher.run_all()
    [examples] = launcher.outputs["producer"]["examples"]
    stored = store_path(tmp_path, examples["uri"])
    assert (stored / "train" / "part-0").read_text() == "a"
    assert not (stored / "empty").exists()  # an object store has no folders
    # The consumer found the files at their staging path during its command,
    # in its own pod: the producer's pod is another folder.
    assert read_seen(tmp_path, launcher)["examples"] == [
        "eval/",
        "eval/part-0",
        "train/",
        "train/part-0",
    ]
    [consumer] = launcher.attempts["consumer"]
    [producer] = launcher.attempts["producer"]
    assert consumer.env["KFP_TEST_POD_ROOT"] == consumer.pod_root
    assert consumer.pod_root != producer.pod_root
    staged = os.path.join(
        consumer.pod_root, "minio", examples["uri"][len("minio://") :]
    )
    assert os.path.isfile(os.path.join(staged, "train", "part-0"))
    # The ExecutorInput keeps the remote URIs.
    given = launcher.executor_inputs["consumer"]["inputs"]["artifacts"]
    assert given["examples"]["artifacts"][0]["uri"].startswith("minio://")
    # The logs went to the store too, with what the command printed.
    [logs] = launcher.outputs["consumer"]["executor-logs"]
    assert "attempt 0 done" in store_path(tmp_path, logs["uri"]).read_text()


def test_a_failed_command_uploads_only_its_logs(tmp_path):
    spec = two_tasks(
        producer_todo={
            "files": {"examples": {"data.txt": "partial"}},
            "exit": 3,
            "metadata": {"examples": {"k": "v"}},
        }
    )
    launcher = minio_launcher(tmp_path, spec)
    with pytest.raises(TaskFailed, match="no retryPolicy"):
        launcher.run_all()
    [attempt] = launcher.attempts["producer"]
    assert attempt.returncode == 3
    assert set(attempt.recorded) == {"executor-logs"}
    assert "producer" not in launcher.outputs
    assert "consumer" not in launcher.commands
    uploaded = sorted(
        p.name for p in (tmp_path / "store").rglob("*") if p.is_file()
    )
    assert uploaded == ["executor-logs-0"]


def test_metadata_and_uri_from_executor_output_reach_downstream(tmp_path):
    spec = two_tasks(
        outputs={"examples": {"scope": "declared"}},
        producer_todo={
            "files": {"examples": {"data.txt": "moved"}},
            "uri_suffix": {"examples": "-v2"},
            "metadata": {
                "examples": {
                    "split_names": '["train", "eval"]',
                    "blessed": True,
                    "span": 0.0,
                    "weights": [1, 2],
                    "nested": {"a": 1},
                }
            },
        },
    )
    launcher = minio_launcher(tmp_path, spec)
    launcher.run_all()
    [given] = launcher.executor_inputs["consumer"]["inputs"]["artifacts"][
        "examples"
    ]["artifacts"]
    produced = launcher.executor_inputs["producer"]["outputs"]["artifacts"]
    # The URI in executor_output.json replaces the driver's, and the
    # upload is taken from the new URI's local path.
    assert given["uri"] == produced["examples"]["artifacts"][0]["uri"] + "-v2"
    assert read_seen(tmp_path, launcher)["examples"] == ["data.txt"]
    assert given["type"] == {"instanceSchema": ""}
    metadata = given["metadata"]
    assert metadata.pop("store_session_info")
    assert metadata == {
        "scope": "declared",  # outputDefinitions metadata, kept
        "display_name": "examples",
        "split_names": '["train", "eval"]',
        "blessed": 1,  # MLMD has no bool
        "span": 0,
        "weights": {"list": [1, 2]},
        "nested": {"struct": {"a": 1}},
    }


def test_executor_output_outside_the_run_or_unknown_fields_fail(tmp_path):
    outside = two_tasks(
        producer_todo={
            "uri": {"examples": "minio://mlpipeline/v2/artifacts/elsewhere/x"}
        }
    )
    with pytest.raises(TaskFailed, match="expected bucket prefix"):
        minio_launcher(tmp_path / "a", outside).run_task("producer")
    unknown = two_tasks(producer_todo={"extra_output": {"artifactz": {}}})
    with pytest.raises(TaskFailed, match="unknown field 'artifactz'"):
        minio_launcher(tmp_path / "b", unknown).run_task("producer")


RETRY = {
    "maxRetryCount": 2,
    "backoffDuration": "5s",
    "backoffFactor": 2.0,
    "backoffMaxDuration": "3600s",
}


def test_a_killed_pod_is_retried_with_the_same_executor_input(tmp_path):
    spec = two_tasks(
        retry=RETRY,
        producer_todo={
            "files": {"examples": {"data.txt": "rows"}},
            "sleep_on_attempt": {"0": 60},
        },
    )
    started = []
    launcher = minio_launcher(
        tmp_path,
        spec,
        on_start=lambda task, attempt, popen: started.append((task, attempt)),
    )
    launcher.run_task("producer", kill_after=0.5)
    first, second = launcher.attempts["producer"]
    assert first.killed == "kill_after" and first.returncode != 0
    # Argo waits until the failed pod's end + backoffDuration.
    assert second.succeeded and second.waited == pytest.approx(5, abs=0.5)
    assert started == [("producer", 0), ("producer", 1)]
    assert [a.env["KFP_RETRY_INDEX"] for a in (first, second)] == ["0", "1"]
    # The driver ran once: same output URIs, only the log URI differs.
    one, two = (a.executor_input["outputs"] for a in (first, second))
    logs = [
        o["artifacts"].pop("executor-logs")["artifacts"][0]["uri"]
        for o in (one, two)
    ]
    assert one == two
    assert logs[0].endswith("-0") and logs[1].endswith("-1")
    # A new pod: the killed attempt's local files are not in it; its
    # outputs never reached the store, the retry's did.
    assert first.pod_root != second.pod_root
    [examples] = launcher.outputs["producer"]["examples"]
    assert (store_path(tmp_path, examples["uri"]) / "data.txt").exists()
    assert (
        examples["uri"] == one["artifacts"]["examples"]["artifacts"][0]["uri"]
    )


def test_retries_stop_at_max_retry_count_with_backoff(tmp_path):
    spec = two_tasks(retry=RETRY, producer_todo={"exit": 1})
    slept = []
    launcher = minio_launcher(tmp_path, spec, sleep=slept.append)
    with pytest.raises(TaskFailed, match="No more retries left"):
        launcher.run_task("producer")
    assert len(launcher.attempts["producer"]) == 3  # 1 + maxRetryCount
    assert [round(s) for s in slept] == [5, 10]  # 5s * 2^(n-1)


def test_retries_respect_backoff_max_duration(tmp_path):
    short = dict(RETRY, backoffMaxDuration="7s")
    launcher = minio_launcher(
        tmp_path / "a", two_tasks(retry=short, producer_todo={"exit": 1})
    )
    with pytest.raises(TaskFailed, match="Backoff would exceed max duration"):
        launcher.run_task("producer")
    assert len(launcher.attempts["producer"]) == 2  # waits 5, then not 10
    # Without backoffMaxDuration the compiler passes "0": never retried.
    bare = {"maxRetryCount": 3}
    launcher = minio_launcher(
        tmp_path / "b", two_tasks(retry=bare, producer_todo={"exit": 1})
    )
    with pytest.raises(TaskFailed, match="Max duration limit exceeded"):
        launcher.run_task("producer")
    assert len(launcher.attempts["producer"]) == 1


def test_resolver_executors_are_refused_before_anything_runs(tmp_path):
    spec = two_tasks()
    spec["components"]["latest_model_resolver"] = {
        "executorLabel": "latest_model_resolver_executor",
        "outputDefinitions": {
            "artifacts": {"model": {"artifactType": {"instanceSchema": MODEL}}}
        },
    }
    spec["deploymentSpec"]["executors"]["latest_model_resolver_executor"] = {
        "resolver": {
            "outputArtifactQueries": {
                "model": {"filter": 'schema_title="tfx.Model" AND state=LIVE'}
            }
        }
    }
    spec["root"]["dag"]["tasks"]["latest_model_resolver"] = {
        "componentRef": {"name": "latest_model_resolver"},
        "taskInfo": {"name": "latest_model_resolver"},
    }
    launcher = minio_launcher(tmp_path, spec)  # reading it is fine
    with pytest.raises(KfpRefused, match=r"visitor\.go:125-134"):
        launcher.run_all()
    with pytest.raises(KfpRefused, match="resolver"):
        launcher.run_task("producer")
    assert launcher.commands == {} and not (tmp_path / "store").exists()


def test_output_parameters_reach_downstream_typed(tmp_path):
    spec = make_spec(
        [
            {
                "name": "counter",
                "output_params": {
                    "count": "NUMBER_INTEGER",
                    "label": "STRING",
                },
                "todo": {
                    "parameter_files": {"count": "7"},
                    "parameters": {"label": "y"},
                },
            },
            {
                "name": "user",
                "params": {
                    "count": ("NUMBER_INTEGER", ("task", "counter", "count")),
                    "label": ("STRING", ("task", "counter", "label")),
                },
            },
        ]
    )
    launcher = minio_launcher(tmp_path, spec)
    launcher.run_all()
    assert launcher.output_parameters["counter"] == {"count": 7, "label": "y"}
    outputs = launcher.executor_inputs["counter"]["outputs"]
    assert outputs["parameters"]["count"] == {
        "outputFile": "/tmp/kfp/outputs/count"
    }
    assert launcher.executor_inputs["user"]["inputs"]["parameterValues"] == {
        "count": 7,
        "label": "y",
    }


def test_a_local_pipeline_root_stages_nothing(tmp_path):
    root = tmp_path / "root"
    launcher = Launcher(two_tasks(), str(root), run_id="r")
    launcher.run_all()
    [examples] = launcher.outputs["producer"]["examples"]
    assert examples["uri"].startswith(f"{root}/tiny-pipeline/r/producer/")
    assert (root / examples["uri"][len(str(root)) + 1 :] / "data.txt").exists()
    assert read_seen_local(launcher)["examples"] == ["data.txt"]
    assert examples["type"] == {"instanceSchema": ""}
    # LocalPathForURI knows no plain path: the driver's fallback, per pod.
    outputs = launcher.executor_inputs["producer"]["outputs"]
    assert outputs["outputFile"] == "/tmp/kfp_outputs/output_metadata.json"


def read_seen_local(launcher):
    [report] = launcher.outputs["consumer"]["report"]
    with open(os.path.join(report["uri"], "seen.json")) as f:
        return json.load(f)


@pytest.mark.parametrize(
    "value, text",
    [
        (1, "1"),
        (1.0, "1"),
        (0.5, "0.5"),
        (1e16, "10000000000000000"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (12345678.9, "12345678.9"),
    ],
)
def test_numbers_are_written_as_go_protojson_writes_them(value, text):
    # The outputs of google.golang.org/protobuf 1.36's protojson.Marshal of
    # structpb.NewNumberValue(value).
    assert kfp_launcher.go_json(value) == text
