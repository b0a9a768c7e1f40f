"""The container entrypoint of every compiled Kubeflow task.

`python -m components.kfp_entrypoint ARGS` takes the arguments of TFX's v2
entrypoint (`tfx.orchestration.kubeflow.v2.container.
kubeflow_v2_run_executor`: `--executor_class_path`,
`--json_serialized_invocation_args`, `--json_serialized_inputs_spec_args`,
then Beam flags), mends the ExecutorInput that open-source KFP's driver and
launcher really send, runs TFX's entrypoint through its command line, and
mends the ExecutorOutput it writes:

- **Empty artifact types.** KFP's driver hands an upstream artifact to its
  consumer with `type: {instanceSchema: ""}` (kubeflow/pipelines
  `backend/src/v2/metadata/client.go`, GetOutputArtifactsByExecutionId
  leaves the schema empty; `OutputArtifact.ToRuntimeArtifact` copies it),
  and TFX 1.21 cannot tell the artifact's class from that
  (`kubeflow_v2_entrypoint_utils._retrieve_class_path`, tensorflow/tfx#7768).
  Such a type is replaced by the one the component declares for that input
  (`--json_serialized_inputs_spec_args`, which TFX's compiler writes into
  every task).
- **`minio://` and `s3://` artifacts.** TensorFlow 2.21 opens neither. KFP's
  launcher downloads each input artifact before the command and uploads each
  output artifact after it succeeds, from the local path `LocalPathForURI`
  gives (`/minio/<bucket>/<key>`, `/s3/<bucket>/<key>`;
  `backend/src/v2/component/launcher_v2.go` `downloadArtifacts`,
  `uploadOutputArtifacts`, `LocalPathForURI`), the way KFP's own Python
  components read and write them. The executor is given those local paths;
  the ExecutorOutput is written back with the remote URIs (also in
  metadata, where the Evaluator names its model and baseline), since the
  launcher takes a URI found there as the artifact's new URI
  (`mergeRuntimeArtifacts`) and would otherwise record a pod-local path.
  `gs://` artifacts are left as they are: TensorFlow opens them directly.
- **The driver's `executor-logs` output.** With the API server's default
  PUBLISH_LOGS, KFP's driver adds an output artifact `executor-logs`
  (`system.Artifact`) to every task (`backend/src/v2/driver/driver.go`
  provisionOutputs), which the launcher fills with the command's output
  itself; TFX would try to import its type as a class. It is left out of
  what TFX sees.
- **Paths that are not artifacts** (the data root, the serving and history
  directories) are never staged by KFP: a `minio://` or `s3://` one stops
  the task at once with the parameter's name and what to use instead.

- **Pipelines compiled before the per-component layout** name our executors
  and functions by their former module paths (`components.executor.Executor`,
  `components.trainer.run_fn`, ...), and a recurring run keeps its compiled
  spec while the image under its tag moves on. Each such reference, in
  `--executor_class_path` and in the parameters, is mapped to its new path
  (`MOVED_REFERENCES`), with a warning to recompile.

`KFP_TEST_POD_ROOT` rebases the pod's local paths (the staging folders
and `outputFile`), as `tests/helpers/kfp_launcher.py` runs every pod in a folder of
its own; in a KFP pod it is unset and means `/`.
"""

import json
import logging
import os
import re
import runpy
import sys

import tfx

LOGGER = logging.getLogger(__name__)
TFX_ENTRYPOINT = (
    "tfx.orchestration.kubeflow.v2.container.kubeflow_v2_run_executor"
)
# The version whose entrypoint arguments and ExecutorInput handling this
# module was written against (tests/components/test_kfp_entrypoint.py checks the lock).
TESTED_TFX_VERSION = "1.21"
INVOCATION_FLAG = "--json_serialized_invocation_args"
INPUTS_SPEC_FLAG = "--json_serialized_inputs_spec_args"
# A test harness's stand-in for the pod's `/` (tests/helpers/kfp_launcher.py runs
# each pod in a folder of its own); not a setting: a pod leaves it unset.
POD_ROOT_ENV = "KFP_TEST_POD_ROOT"
# The launcher's own output of every task (driver.go provisionOutputs).
EXECUTOR_LOGS = "executor-logs"
# Scheme -> the launcher's local folder (launcher_v2.go LocalPathForURI).
STAGED_SCHEMES = {"minio://": "minio", "s3://": "s3"}
UNSTAGED_URL = re.compile(r"\b(minio|s3)://[^\s\"']*")
# Our references in specs compiled before the per-component layout (up to
# e5b22de) -> where they live now (tests/components/test_kfp_entrypoint.py
# runs a spec compiled then).
MOVED_REFERENCES = {
    "components.executor.Executor": "components.autokeras_tuner.executor.Executor",
    "components.feature_kinds_gen.Executor": "components.feature_kinds_gen.executor.Executor",
    "components.transform.Executor": "components.transform.executor.Executor",
    "components.csv_example_gen.Executor": "components.example_gen.csv_executor.Executor",
    "components.image_example_gen.Executor": "components.example_gen.image_executor.Executor",
    "components.trainer.run_fn": "components.trainer.train.run_fn",
    "components.preprocessing.preprocessing_fn": "components.transform.preprocessing.preprocessing_fn",
    "components.eval_metrics": "components.evaluator.eval_metrics",
}
_MOVED = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(old) for old in MOVED_REFERENCES)
    + r")(?![\w])"
)
EXECUTOR_CLASS_FLAG = "--executor_class_path"


class EntrypointError(ValueError):
    """The task's input cannot work; the message says what to change."""


def _flag_value(argv, flag):
    """(index of the value, value) of `flag VALUE` or `flag=VALUE`."""
    for i, arg in enumerate(argv):
        if arg == flag and i + 1 < len(argv):
            return i + 1, argv[i + 1]
        if arg.startswith(flag + "="):
            return i, arg[len(flag) + 1 :]
    return None, None


def _set_flag(argv, index, flag, value):
    argv[index] = value if argv[index - 1] == flag else f"{flag}={value}"


def _has_type(artifact_type):
    return bool(
        (artifact_type or {}).get("instanceSchema")
        or (artifact_type or {}).get("schemaTitle")
    )


def fill_input_types(executor_input, inputs_spec):
    """Gives every input artifact with an empty type its declared type."""
    declared = (inputs_spec or {}).get("artifacts", {})
    for name, listed in (
        executor_input.get("inputs", {}).get("artifacts", {}).items()
    ):
        for artifact in listed.get("artifacts", []):
            if _has_type(artifact.get("type")):
                continue
            artifact_type = declared.get(name, {}).get("artifactType")
            if not _has_type(artifact_type):
                raise EntrypointError(
                    f"Input artifact {name!r} arrived without a type and the "
                    f"task declares none for it ({INPUTS_SPEC_FLAG}); "
                    "recompile the pipeline with `autokeras-tfx kfp compile`."
                )
            artifact["type"] = dict(artifact_type)


def local_path(uri, staging_root="/"):
    """The launcher's local path of a `minio://` or `s3://` URI, else
    None."""
    for scheme, folder in STAGED_SCHEMES.items():
        if uri.startswith(scheme):
            return os.path.join(staging_root, folder, uri[len(scheme) :])
    return None


def pod_path(path, staging_root="/"):
    """A pod-local absolute path, rebased under the staging root."""
    if not path or staging_root in ("", "/"):
        return path
    return os.path.join(staging_root, path.lstrip("/"))


def drop_launcher_outputs(executor_input):
    executor_input.get("outputs", {}).get("artifacts", {}).pop(
        EXECUTOR_LOGS, None
    )


def stage_uris(executor_input, staging_root="/"):
    """Points staged artifacts at their local paths; returns {local path:
    remote URI} of every staged artifact."""
    restored = {}
    for side in ("inputs", "outputs"):
        for listed in (
            executor_input.get(side, {}).get("artifacts", {}).values()
        ):
            for artifact in listed.get("artifacts", []):
                path = local_path(artifact.get("uri", ""), staging_root)
                if path is None:
                    continue
                restored[path] = artifact["uri"]
                if side == "outputs":
                    # TFX writes files under the URI; the launcher made
                    # only its parent (launcher_v2.go prepareOutputFolders).
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                artifact["uri"] = path
    return restored


def _follow_moves(text):
    return _MOVED.sub(lambda match: MOVED_REFERENCES[match.group(1)], text)


def follow_moved_references(argv, executor_input):
    """Maps former module paths to current ones, in the executor class path
    and in string parameters; returns the references that were moved."""
    moved = set()
    index, class_path = _flag_value(argv, EXECUTOR_CLASS_FLAG)
    if class_path is not None and _follow_moves(class_path) != class_path:
        moved.add(class_path)
        _set_flag(argv, index, EXECUTOR_CLASS_FLAG, _follow_moves(class_path))
    parameters = executor_input.get("inputs", {}).get("parameterValues", {})
    for name, value in parameters.items():
        if isinstance(value, str) and _MOVED.search(value):
            moved.update(match.group(1) for match in _MOVED.finditer(value))
            parameters[name] = _follow_moves(value)
    if moved:
        LOGGER.warning(
            "This task was compiled by an earlier autokeras-tfx, before the "
            "per-component layout: %s now live at %s. Recompile the pipeline "
            "with `autokeras-tfx kfp compile` and upload it again.",
            ", ".join(sorted(moved)),
            ", ".join(MOVED_REFERENCES[m] for m in sorted(moved)),
        )
    return sorted(moved)


def refuse_unstaged_urls(executor_input):
    """Stops at a parameter holding a `minio://` or `s3://` path."""
    for name, value in (
        executor_input.get("inputs", {}).get("parameterValues", {}).items()
    ):
        if not isinstance(value, str):
            continue
        match = UNSTAGED_URL.search(value)
        if match:
            raise EntrypointError(
                f"Parameter {name!r} holds {match.group(0)!r}: TensorFlow "
                "2.21 cannot open minio:// or s3:// paths, and KFP stages "
                "only artifacts, not paths given as parameters. Put the data "
                "root, the serving directory and the history directory on "
                "gs:// or on a volume mounted into every pod, and compile "
                "or run with that path."
            )


def _remote(value, restored):
    """`value` with a staged local path (or a path under one) made remote
    again; anything else unchanged."""
    if not isinstance(value, str):
        return value
    for path, uri in restored.items():
        if value == path or value.startswith(path + "/"):
            return uri + value[len(path) :]
    return value


def restore_output_uris(output_file, restored):
    """Writes the remote URIs back into the ExecutorOutput: each output's
    URI, and metadata naming a staged artifact (the Evaluator records its
    model's and baseline's URIs on the blessing)."""
    if not restored or not os.path.exists(output_file):
        return
    with open(output_file) as f:
        executor_output = json.load(f)
    for listed in executor_output.get("artifacts", {}).values():
        for artifact in listed.get("artifacts", []):
            if "uri" in artifact:
                artifact["uri"] = _remote(artifact["uri"], restored)
            metadata = artifact.get("metadata") or {}
            for key, value in metadata.items():
                metadata[key] = _remote(value, restored)
    with open(output_file, "w") as f:
        json.dump(executor_output, f)


def _check_tfx_version():
    if not tfx.__version__.startswith(TESTED_TFX_VERSION + "."):
        LOGGER.warning(
            "components.kfp_entrypoint was written against TFX %s's v2 "
            "entrypoint; this image has TFX %s.",
            TESTED_TFX_VERSION,
            tfx.__version__,
        )


def prepare(argv, staging_root="/"):
    """(argv for TFX's entrypoint, {local path: remote URI}, output file)."""
    argv = list(argv)
    index, text = _flag_value(argv, INVOCATION_FLAG)
    if text is None:
        raise EntrypointError(
            f"{INVOCATION_FLAG} is missing: this entrypoint takes the "
            "arguments KubeflowV2DagRunner compiles for TFX's entrypoint."
        )
    executor_input = json.loads(text)
    _, spec_text = _flag_value(argv, INPUTS_SPEC_FLAG)
    fill_input_types(executor_input, json.loads(spec_text or "{}"))
    follow_moved_references(argv, executor_input)
    refuse_unstaged_urls(executor_input)
    drop_launcher_outputs(executor_input)
    restored = stage_uris(executor_input, staging_root)
    outputs = executor_input.setdefault("outputs", {})
    output_file = pod_path(outputs.get("outputFile", ""), staging_root)
    if output_file:
        outputs["outputFile"] = output_file
    _set_flag(argv, index, INVOCATION_FLAG, json.dumps(executor_input))
    return argv, restored, output_file


def main(argv=None):
    logging.basicConfig(level=logging.INFO)
    _check_tfx_version()
    staging_root = os.environ.get(POD_ROOT_ENV) or "/"
    try:
        tfx_argv, restored, output_file = prepare(
            sys.argv[1:] if argv is None else argv, staging_root
        )
    except EntrypointError as error:
        print(f"autokeras-tfx: error: {error}", file=sys.stderr)
        return 2
    sys.argv = [TFX_ENTRYPOINT] + tfx_argv
    # TFX's entrypoint as its own command line runs it (absl's app.run,
    # which exits): no private function of it is called.
    try:
        runpy.run_module(TFX_ENTRYPOINT, run_name="__main__")
        code = 0
    except SystemExit as done:
        code = (
            done.code
            if isinstance(done.code, int)
            else (0 if done.code is None else 1)
        )
    if code == 0:
        restore_output_uris(output_file, restored)
    return code


if __name__ == "__main__":
    sys.exit(main())
