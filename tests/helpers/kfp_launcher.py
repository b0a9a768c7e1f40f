"""Runs a compiled pipeline's containers as KFP 2's driver and launcher do.

There is no cluster here. For each task of the compiled YAML this module does
what open-source KFP 2 does for it, reproduced from the source of
kubeflow/pipelines master (commit 7b70c7b, 2026-08-21; paths below are under
`backend/src/`) and of Argo Workflows v4.0.8 (KFP's `go.mod`; paths marked
"argo:"). It runs the container's command as a subprocess of our runtime (the
image's content) instead of a pod. Every behaviour below is the code's, with
its file and line; what is NOT reproduced is listed at the end.

Run and parameters
------------------
- The run's parameters are the runtime config's values, checked as the API
  server checks them before it creates the run (apiserver/template/
  v2_template.go:449-539 `validatePipelineJobInputs`: a parameter the root
  does not declare, a value of the wrong JSON type (a number for
  NUMBER_INTEGER / NUMBER_DOUBLE, a string for STRING, ...: 484-517) or a
  required one missing (475-481) refuses the run; 1.5 for an integer
  passes). The compiler then fills each parameter left out with the root's
  `inputDefinitions.parameters.*.defaultValue`, or null when optional
  without one (v2/compiler/argocompiler/argo.go:102-113).
- A task's parameter comes from a `runtimeValue.constant` (the value as
  compiled; `{{$.pipeline_job_uuid}}` and its siblings are replaced:
  v2/driver/resolve.go:422-454), from `componentInputParameter` (the root's
  value: resolve.go:389-405; a null one is left out when the component's
  input is optional, else the task fails: resolve.go:333-347) or from an
  upstream `taskOutputParameter` (resolve.go:577-694). The driver then checks
  each against the component's `inputDefinitions` (resolve.go:169-256): a
  STRING input given a non-string is turned into text (numbers
  `strconv.FormatFloat(f, 'f', -1)`: 1 -> "1"; v2/metadata/converter.go:
  15-48), any other type mismatch fails the task.
- Values travel as google.protobuf.Value, so every number is a double, and
  the ExecutorInput is written by Go's protojson (v2/driver/driver.go:282,
  v2/component/launcher_v2.go:1054): an integer arrives as the JSON number
  `1`, never `1.0` or `"1"` (`go_json` writes numbers the same way:
  `1`, `0.5`, `1e+21`, `1e-7`).
- The launcher adds the component's own parameter defaults for inputs the
  task left out before it fills `{{$}}` (launcher_v2.go:425-431, 1310-1331).

ExecutorInput
-------------
- Input artifacts are read back from ML Metadata: `name` is the MLMD artifact
  id as a string, `uri` the URI recorded, `metadata` the recorded custom
  properties (v2/metadata/converter.go:181-221), and `type` is
  `{"instanceSchema": ""}` whatever the producer declared:
  GetOutputArtifactsByExecutionId leaves `Schema: ""` (v2/metadata/
  client.go:1141-1145) and OutputArtifact.ToRuntimeArtifact copies it into
  `instanceSchema` (client.go:245-260), called from resolve.go:776-802.
  Recording an output (client.go:1214-1274, converter.go:110-171) turns a
  bool into 1/0, wraps a list as {"list": [...]} and a struct as
  {"struct": {...}}, refuses null, and adds `display_name` (the output key)
  and `store_session_info` (JSON of the bucket session) unless present.
- Outputs: the run's pipeline root is ROOT/<pipelineInfo.name>/<run id>
  (client.go:420 via driver/root_dag.go:97-125; ROOT is the run's pipeline
  root, else the kfp-launcher ConfigMap's, else
  `minio://mlpipeline/v2/artifacts`: v2/config/env.go:38, 86-92). Each
  execution of the driver draws a fresh UUID (driver/container.go:116-122)
  and an output artifact's URI is
  RUNROOT/<task>/<uuid>/<output key> (driver.go:767, 778;
  client.go:391-406 joins with "/" and drops a query string), its `name` the
  output key, its `type` the declared one and `metadata` the declared
  `outputDefinitions.artifacts.*.metadata` (left out when none:
  driver.go:770-784). Output parameters get `/tmp/kfp/outputs/<name>`
  (driver.go:786-790). `outputFile` is LocalPathForURI(RUNROOT/<task>/<uuid>)
  + "/output_metadata.json" (driver.go:794-799), e.g.
  `/minio/mlpipeline/v2/artifacts/<pipeline>/<run>/<task>/<uuid>/
  output_metadata.json`.
- Logs: with the API server's default PUBLISH_LOGS=true
  (argocompiler/container.go:144-149; manifests/kustomize/base/pipeline/
  ml-pipeline-apiserver-deployment.yaml:114-115) the driver adds an output
  artifact `executor-logs` of type `{"schemaTitle": "system.Artifact"}` to
  EVERY task (driver.go:747-760); the launcher suffixes its URI with
  "-<retry index>" (launcher_v2.go:538-598, 0 without a retry policy),
  writes the command's stdout and stderr there (launcher_v2.go:632-653,
  699-711) and uploads it even when the command failed (launcher_v2.go:
  786-790). `publish_logs=False` is an installation that set it false.
- The URIs in the ExecutorInput stay remote (`minio://...`): the container
  maps them itself (KFP's Python SDK does; our `components.kfp_entrypoint`
  does, under $KFP_TEST_POD_ROOT).

Object store and staging
------------------------
- A `minio://BUCKET/...`, `s3://BUCKET/...` or `gs://BUCKET/...` pipeline
  root is backed by `object_store_dir`: SCHEME://B/K <-> object_store_dir/B/K.
  A pipeline root that is a plain path is refused by KFP's root DAG driver
  (driver/root_dag.go:115 -> v2/objectstore/config.go:130-139
  "unrecognized pipeline root format") and the launcher could not stage it
  (launcher_v2.go:1239-1253, 1295-1298); here it is a convenience, as if
  every pod mounted it at the same path: a URI is its own local path and
  nothing is copied; `outputFile` is then the driver's fallback
  /tmp/kfp_outputs/output_metadata.json (driver.go:796-799), in the pod.
- Every attempt runs in a fresh pod: the scratch folders /minio, /s3, /gcs
  are emptyDir volumes of the executor pod (argocompiler/container.go:58-63,
  472-515, 540-569), so nothing written locally survives into another task
  or into a retry. Here each attempt gets its own "pod root" folder
  STAGING_ROOT/<task>/attempt-<n>, passed to the container as
  KFP_TEST_POD_ROOT (in a pod it is unset and means "/"): pod path /P is
  POD_ROOT/P (staging paths, `outputFile`, output parameter files).
- Before the command (launcher_v2.go:657-697): every input artifact with a
  recognised scheme is downloaded to its LocalPathForURI path
  (/minio/<bucket>/<key>, /s3/..., /gcs/...: launcher_v2.go:927-1004,
  1239-1253) as objectstore.DownloadBlob does (v2/objectstore/
  object_store.go:176-205: every object under the key, so a directory
  without files does not arrive, and nothing at all when nothing is
  there); then the PARENT folder of each output's local path is made
  (launcher_v2.go:1280-1307).
- After the command exits 0 (launcher_v2.go:462-471, 778-856): the
  ExecutorOutput at `outputFile` is read (none: empty; a field protojson
  does not know, or bad JSON, fails the task: launcher_v2.go:1208-1237);
  missing output parameters are read from their files (484-515); each output
  artifact is merged with `artifacts[key].artifacts[0]` of the
  ExecutorOutput (mergeRuntimeArtifacts, 1188-1206: a non-empty `uri`
  REPLACES the URI, `metadata` keys are added over the driver's, a
  `customPath` replaces the local path; `name` and `type` are ignored;
  never for executor-logs), uploaded from its local path with
  objectstore.UploadBlob (object_store.go:111-144: every file under it,
  nothing deleted in the store; a local path that does not exist is only a
  warning and the artifact is still recorded; a URI outside the run's
  prefix fails the task: objectstore/config.go:101-112) and recorded in MLMD
  as the task's output. A URI with no recognised scheme is recorded without
  upload (launcher_v2.go:811-818).
- When the command fails (non-zero, killed) only executor-logs is uploaded
  and recorded (launcher_v2.go:448-458, 786-790): no output artifact
  reaches the store or downstream tasks.

Retries
-------
- The Argo compiler gives a task with a `retryPolicy` a `retryStrategy` on
  the executor pod's template only (argocompiler/container.go:375-388,
  581-592); the driver is a separate template without one
  (container.go:204-308) whose output, the pod spec patch holding the
  ExecutorInput, is the executor's input (container.go:327-369, dag.go:
  325-336). So a retry is a new pod with the SAME ExecutorInput: the same
  output URIs, the same MLMD execution; only KFP_RETRY_INDEX (Argo's
  {{retries}}: argocompiler/common.go:58-67) and with it the executor-logs
  URI change.
- Argo's decision (argo: workflow/controller/operator.go:995-1156), with the
  policy's values as the compiler passes them (container.go:603-689:
  maxRetryCount; backoffDuration and backoffMaxDuration in whole seconds,
  "0" when absent: 655-661; backoffFactor formatted with %v): retry while
  attempts <= maxRetryCount (1153-1156) after waiting
  backoffDuration * factor^(attempts-1) (1071-1086; an integer factor, 1.5
  is an Argo error: argo: util/intstr/parametrizable.go:12-25); give up when
  now is past first start + backoffMaxDuration or the wait would end after
  it (1045-1058, 1099-1102) -- so a policy without backoffMaxDuration never
  retries -- and stop a retry's container at that deadline (1112; argo:
  workflow/controller/workflowpod.go:666-675, workflow/executor/
  executor.go:1320). The policy is OnFailure (argo: pkg/apis/workflow/
  v1alpha1/workflow_types.go:2295-2304): a non-zero exit or a killed
  container is retried.
- By default the backoff is not slept but added to a virtual clock, which
  the max-duration rules read; `sleep=time.sleep` waits for real.

Resolvers
---------
KFP never runs a resolver: the API server compiles the run to an Argo
workflow, and its visitor fails on an executor that is neither a container
nor an importer (v2/compiler/visitor.go:125-134, from argocompiler/argo.go:
242; argocompiler/dag.go:348-349 and argo.go:369-370 refuse resolvers as
well), so the run is not created (apiserver/template/v2_template.go:
402-405). `run_task` and `run_all` raise `KfpRefused` for such a spec.

Not reproduced: scheduling, images, resources, GPUs, Kubernetes platform
config (secrets, volumes), the cache (KFP reuses outputs only when a task
enables it), conditions, loops, nested DAGs and importers (these raise),
parameter macros such as [[RunUUID]] (v2_template.go:347-376), the driver's
`{"IfPresent": ...}` argument clauses, and the launcher's second upload
attempt (launcher_v2.go:858-900; a local copy fails the same way twice).
"""

import copy
import dataclasses
import decimal
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import yaml

EXECUTOR_INPUT_PLACEHOLDER = "{{$}}"
STAGING_ROOT_ENV = "KFP_TEST_POD_ROOT"
EXECUTOR_LOGS = "executor-logs"
# launcher_v2.go:526, used when the pipeline root has no recognised scheme.
LEGACY_OUTPUT_FILE = "/tmp/kfp_outputs/output_metadata.json"
DEFAULT_PIPELINE_ROOT = "minio://mlpipeline/v2/artifacts"  # config/env.go:38
# launcher_v2.go:1239-1253 LocalPathForURI (oci:// is a Modelcar: unsupported).
LOCAL_FOLDERS = {"gs://": "/gcs/", "minio://": "/minio/", "s3://": "/s3/"}
# objectstore/config.go:118.
BUCKET_PATTERN = re.compile(r"(^[a-z][a-z0-9]+:///?)([^/?]+)(/[^?]*)?(\?.+)?$")
# driver/util.go:45.
INPUT_PARAMETER_PLACEHOLDER = re.compile(
    r"\{\{\$\.inputs\.parameters\['(.+?)']}}"
)
RUNTIME_CONSTANTS = (  # resolve.go:435-449
    "{{$.pipeline_job_name}}",
    "{{$.pipeline_job_resource_name}}",
    "{{$.pipeline_job_uuid}}",
    "{{$.pipeline_task_name}}",
    "{{$.pipeline_task_uuid}}",
    "{{$.pipeline_job_create_time_utc}}",
    "{{$.pipeline_job_schedule_time_utc}}",
)
# Session info json.Marshal'ed into store_session_info (client.go:1243-1250)
# for a root without query string and no `providers` in the kfp-launcher
# ConfigMap: config/env.go:177-193 (minio), config/s3.go:90-96,
# config/gcs.go:70-76.
SESSION_INFO = {
    "minio://": {
        "Provider": "minio",
        "Params": {
            "accessKeyKey": "accesskey",
            "disableSSL": "true",
            "endpoint": "seaweedfs.kubeflow:9000",
            "fromEnv": "false",
            "maxRetries": "5",
            "region": "minio",
            "secretKeyKey": "secretkey",
            "secretName": "mlpipeline-minio-artifact",
        },
    },
    "s3://": {"Provider": "s3", "Params": {"fromEnv": "true"}},
    "gs://": {"Provider": "gs", "Params": {"fromEnv": "true"}},
}
# protojson names of the messages an ExecutorOutput holds (pipeline_spec.proto
# ExecutorOutput, ArtifactList, RuntimeArtifact, ArtifactTypeSchema): any
# other field fails protojson.Unmarshal (launcher_v2.go:1232).
EXECUTOR_OUTPUT_FIELDS = {
    "parameters",
    "artifacts",
    "parameterValues",
    "parameter_values",
}
ARTIFACT_FIELDS = {
    "name",
    "type",
    "uri",
    "properties",
    "customProperties",
    "custom_properties",
    "metadata",
    "customPath",
    "custom_path",
}
TYPE_FIELDS = {
    "schemaTitle",
    "schema_title",
    "instanceSchema",
    "instance_schema",
    "schemaUri",
    "schema_uri",
    "schemaVersion",
    "schema_version",
}


class KfpRefused(Exception):
    """What KFP's API server, compiler or driver refuses before any pod of
    the task (or the run) starts."""


class LauncherError(Exception):
    """What fails a pod after (or instead of) its command: the launcher
    exits non-zero and the pod fails (and may be retried)."""


class TaskFailed(AssertionError):
    """A task whose last allowed attempt failed."""

    def __init__(self, task, attempts, reason):
        self.task, self.attempts, self.reason = task, attempts, reason
        last = attempts[-1] if attempts else None
        detail = ""
        if last is not None:
            detail = last.error or f"exited {last.returncode}"
            if last.killed:
                detail += f" (killed: {last.killed})"
            detail += ":\n" + last.log[-6000:]
        super().__init__(
            f"{task} failed after {len(attempts)} attempt(s), {reason}; "
            f"last attempt {detail}"
        )


@dataclasses.dataclass
class Attempt:
    """One pod of a task."""

    index: int
    pod_root: str
    argv: list
    env: dict
    executor_input: dict  # as the container got it ({{$}})
    waited: float = 0.0  # backoff before it (slept or virtual)
    started: float = 0.0  # on the launcher's clock
    finished: float = 0.0
    returncode: int = None
    killed: str = None  # "kill_after", "deadline", "timeout"
    log: str = ""  # the command's stdout and stderr, as executor-logs holds
    error: str = None  # the launcher's own failure after the command
    recorded: dict = None  # output key -> RuntimeArtifact recorded in MLMD
    output_parameters: dict = None

    @property
    def succeeded(self):
        return self.returncode == 0 and self.error is None and not self.killed

    @property
    def seconds(self):
        return self.finished - self.started


def load_spec(path):
    """The PipelineSpec (first YAML document) of a compiled pipeline."""
    with open(path) as f:
        return next(yaml.safe_load_all(f))


def task_order(spec):
    """Task names with every producer before its consumers."""
    tasks = spec["root"]["dag"]["tasks"]
    ordered, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for upstream in tasks[name].get("dependentTasks", []):
            visit(upstream)
        ordered.append(name)

    for name in sorted(tasks):
        visit(name)
    return ordered


def refusal(spec):
    """Why KFP's API server refuses to create a run of `spec`, or None."""
    executors = spec.get("deploymentSpec", {}).get("executors", {})
    for task_name, task in spec["root"]["dag"]["tasks"].items():
        name = task["componentRef"]["name"]
        label = spec["components"][name].get("executorLabel")
        kind = next(iter(executors.get(label, {})), None)
        if kind in (None, "container", "importer"):
            continue
        return (
            f"KFP 2 cannot run this pipeline: task {task_name!r} has a "
            f"{kind} executor ({label!r}). The API server compiles a run to "
            "an Argo workflow and its compiler stops at it with 'error "
            f'processing component name="{name}": executor(label='
            f'"{label}"): non-container and non-importer executor not '
            "implemented' (backend/src/v2/compiler/visitor.go:125-134, from "
            "argocompiler/argo.go:242; argocompiler/dag.go:348-349 'resolver "
            "executors not implemented'), so the run is never created "
            "(apiserver/template/v2_template.go:402-405) and no task runs. "
            "Real KFP never runs a resolver: compile the pipeline without it."
        )
    return None


# --- Go's encodings ---------------------------------------------------------


def _shortest(value):
    return decimal.Decimal(repr(float(value)))


def format_float_f(value):
    """strconv.FormatFloat(value, 'f', -1, 64)."""
    text = format(_shortest(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _go_number(value):
    """A double as protojson writes it (encoding/json's rules)."""
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(f"protojson cannot write {number} in a Value")
    size = abs(number)
    if size == 0 or 1e-6 <= size < 1e21:
        return format_float_f(number)
    mantissa, exponent = repr(number).split("e")
    sign, digits = exponent[0], exponent[1:].lstrip("0") or "0"
    if sign == "+" and len(digits) < 2:
        digits = digits.rjust(2, "0")
    return f"{mantissa}e{sign}{digits}"


def go_json(value):
    """JSON as Go's protojson writes it (dict order is kept: build maps
    sorted, as protojson sorts map keys)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _go_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                json.dumps(str(k), ensure_ascii=False) + ":" + go_json(v)
                for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    raise TypeError(f"not a protobuf Value: {value!r}")


def _as_received(value):
    """`value` as a Python client parsing the protojson would see it."""
    return json.loads(go_json(value))


def _sorted_map(mapping):
    return {k: mapping[k] for k in sorted(mapping)}


def pb_value_to_text(value):
    """metadata.PbValueToText (converter.go:15-48)."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_float_f(value)
    if isinstance(value, str):
        return value
    return go_json(value)


def _pb_value_to_string(value):
    """driver pbValueToString (driver/util.go:138-163)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value)
        if number.is_integer():
            return str(int(number))
        digits = _shortest(number)
        exponent = digits.adjusted()
        if exponent < -4 or exponent >= 6:  # %g, shortest: eprec 6
            mantissa, power = f"{digits:e}".split("e")
            sign, power = power[0], power[1:].lstrip("0") or "0"
            return f"{mantissa}e{sign}{power.rjust(2, '0')}"
        return format_float_f(number)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return go_json(value)


def _text_to_value(text, parameter_type):
    """metadata.TextToPbValue (converter.go:50-96)."""
    try:
        if parameter_type == "STRING":
            return text
        if parameter_type == "NUMBER_INTEGER":
            return int(text.strip())
        if parameter_type == "NUMBER_DOUBLE":
            return float(text.strip())
        if parameter_type == "BOOLEAN":
            return {
                "1": True,
                "t": True,
                "true": True,
                "0": False,
                "f": False,
                "false": False,
            }[text.strip().lower()]
        if parameter_type in ("LIST", "STRUCT"):
            value = json.loads(text)
            if isinstance(value, list if parameter_type == "LIST" else dict):
                return value
    except (ValueError, KeyError):
        pass
    raise LauncherError(
        f"TextToPbValue(text={text!r}, type={parameter_type!r}) failed"
    )


def generate_output_uri(root, paths, preserve_query):
    """metadata.GenerateOutputURI (client.go:391-406)."""
    parts = root.split("?")
    query = ""
    if len(parts) == 2:
        root = parts[0]
        if preserve_query:
            query = "?" + parts[1]
    joined = os.path.normpath("/".join(paths)).lstrip("/")
    return f"{root.rstrip('/')}/{joined}{query}"


def local_path_for_uri(uri):
    """component.LocalPathForURI (launcher_v2.go:1239-1253), or None."""
    for scheme, folder in LOCAL_FOLDERS.items():
        if uri.startswith(scheme):
            return folder + uri[len(scheme) :]
    if uri.startswith("oci://"):
        raise NotImplementedError("oci:// artifacts (Modelcar) are not run")
    return None


def parse_bucket(root):
    """objectstore.ParseBucketPathToConfig (objectstore/config.go:130-152):
    (scheme, bucket, prefix, query)."""
    match = BUCKET_PATTERN.match(root)
    if not match:
        raise KfpRefused(
            f"parse bucket config failed: unrecognized pipeline root format: "
            f"{root!r} (objectstore/config.go:130-133)"
        )
    scheme, bucket, prefix, query = match.groups()
    if scheme not in LOCAL_FOLDERS:
        raise KfpRefused(
            f"parse bucket config failed: unsupported Cloud bucket: {root!r} "
            "(objectstore/config.go:137-139)"
        )
    prefix = (prefix or "").lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return scheme, bucket, prefix, query or ""


def _duration_seconds(duration):
    """Duration.Seconds of a protobuf Duration in JSON ("60s")."""
    if duration is None:
        return 0
    if isinstance(duration, dict):
        return int(duration.get("seconds", 0))
    return int(float(str(duration).rstrip("s")))


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


JSON_TYPES = {  # v2_template.go:484-517
    "NUMBER_DOUBLE": _is_number,
    "NUMBER_INTEGER": _is_number,
    "STRING": lambda v: isinstance(v, str),
    "BOOLEAN": lambda v: isinstance(v, bool),
    "LIST": lambda v: isinstance(v, list),
    "STRUCT": lambda v: isinstance(v, dict),
}


class Launcher:
    """Runs the tasks of one KFP run of `spec`.

    Args:
        spec: the PipelineSpec dict (`load_spec`).
        pipeline_root: the run's pipeline root: `minio://BUCKET/PREFIX`,
            `s3://...` or `gs://...` (backed by `object_store_dir`), or a
            local directory (not KFP: see the module docstring).
        parameters: the run's parameter values (the runtime config).
        workdir: the containers' working directory (default: the pipeline
            root when local, else each attempt's pod root).
        run_id: the KFP run id (default: a new UUID): outputs are under
            ROOT/<pipeline name>/<run id>/.
        object_store_dir: the folder standing for the buckets:
            SCHEME://B/K is object_store_dir/B/K.
        staging_root: where the pods' local folders are made (default: a new
            temporary folder): STAGING_ROOT/<task>/attempt-<n>.
        publish_logs: the API server's PUBLISH_LOGS (KFP's default: true).
        env: extra environment for every container.
        sleep: called with each backoff in seconds (default: none, the wait
            goes on a virtual clock).
        on_start: default `on_start` of `run_task`.
    """

    def __init__(
        self,
        spec,
        pipeline_root,
        parameters=None,
        workdir=None,
        *,
        run_id=None,
        object_store_dir=None,
        staging_root=None,
        publish_logs=True,
        env=None,
        sleep=None,
        on_start=None,
    ):
        self.spec = spec
        self.pipeline_name = spec["pipelineInfo"]["name"]
        self.run_id = run_id or str(uuid.uuid4())
        self.root = pipeline_root or DEFAULT_PIPELINE_ROOT
        self.remote = "://" in self.root
        self.run_root = generate_output_uri(
            self.root, [self.pipeline_name, self.run_id], True
        )
        if self.remote:
            scheme, bucket, prefix, query = parse_bucket(self.run_root)
            self._prefixed_bucket = scheme + os.path.normpath(
                os.path.join(bucket, prefix)
            )
            if not object_store_dir:
                raise ValueError(
                    f"pipeline root {self.root!r} needs object_store_dir"
                )
            info = SESSION_INFO[scheme]
            if query:  # config/minio.go:35-49, s3.go:90-96
                info = {
                    "Provider": info["Provider"],
                    "Params": {"fromEnv": "true"},
                }
            self._session_info = json.dumps(info, separators=(",", ":"))
        else:
            self._session_info = "null"
        self.object_store_dir = object_store_dir
        self._staging_root = staging_root
        self.workdir = workdir or (None if self.remote else pipeline_root)
        self.publish_logs = publish_logs
        self.extra_env = dict(env or {})
        self.sleep = sleep
        self.on_start = on_start
        self.parameters = self._runtime_parameters(parameters or {})
        self.outputs = {}  # task -> output key -> [RuntimeArtifact in MLMD]
        self.output_parameters = {}  # task -> key -> value
        self.commands = {}  # task -> argv of its last attempt
        self.seconds = {}  # task -> wall time of its last attempt
        self.attempts = {}  # task -> [Attempt]
        self.executor_inputs = {}  # task -> ExecutorInput of its last attempt
        self.driver_inputs = {}  # task -> the driver's ExecutorInput
        self.envs = {}  # task -> environment of its last attempt
        self._artifact_ids = iter(range(1, 1 << 62))
        self._virtual_seconds = 0.0

    @property
    def staging_root(self):
        """Where the pods' folders are (made on first use)."""
        if self._staging_root is None:
            self._staging_root = tempfile.mkdtemp(prefix="kfp-pods-")
        return self._staging_root

    # --- the run --------------------------------------------------------

    def _runtime_parameters(self, given):
        """validatePipelineJobInputs (v2_template.go:449-539), then the
        compiler's defaults (argo.go:102-113)."""
        declared = (
            self.spec["root"].get("inputDefinitions", {}).get("parameters", {})
        )
        extra = sorted(set(given) - set(declared))
        if extra:
            raise KfpRefused(
                "parameter(s) provided are not required by pipeline: "
                + ", ".join(extra)
                + " (v2_template.go:526-536)"
            )
        values = {}
        for name, definition in declared.items():
            kind = definition.get("parameterType")
            if name in given:
                check = JSON_TYPES.get(kind)
                if check is None or not check(given[name]):
                    raise KfpRefused(
                        f"input parameter {name} requires type {kind}, but "
                        f"got {given[name]!r} (v2_template.go:484-517)"
                    )
                values[name] = given[name]
            elif definition.get("defaultValue") is not None:
                values[name] = definition["defaultValue"]
            elif definition.get("isOptional"):
                values[name] = None
            else:
                raise KfpRefused(
                    f"parameter {name} is not optional, yet has neither "
                    "default value nor user provided value "
                    "(v2_template.go:475-481)"
                )
        return values

    def _component(self, task_name):
        task = self.spec["root"]["dag"]["tasks"][task_name]
        return task, self.spec["components"][task["componentRef"]["name"]]

    def executor(self, task_name):
        _, component = self._component(task_name)
        return self.spec["deploymentSpec"]["executors"][
            component["executorLabel"]
        ]

    def _refuse(self):
        reason = refusal(self.spec)
        if reason:
            raise KfpRefused(reason)

    def _now(self):
        return time.monotonic() + self._virtual_seconds

    # --- the driver -----------------------------------------------------

    def _resolve_parameter(self, task_name, source):
        """resolveInputParameter (resolve.go:375-497); None: left out."""
        if "componentInputParameter" in source:
            name = source["componentInputParameter"]
            if name not in self.parameters:
                raise KfpRefused(
                    f"parent DAG does not have input parameter {name}"
                )
            return self.parameters[name]
        if "taskOutputParameter" in source:
            producer = source["taskOutputParameter"]
            return self.output_parameters[producer["producerTask"]].get(
                producer["outputParameterKey"]
            )
        if "runtimeValue" in source:
            value = source["runtimeValue"].get("constant")
            if isinstance(value, str) and "{{$.workspace_path}}" in value:
                raise NotImplementedError("workspaces are not run")
            if value in RUNTIME_CONSTANTS:
                return {
                    "{{$.pipeline_job_name}}": self.run_id,
                    "{{$.pipeline_job_resource_name}}": self.run_id,
                    "{{$.pipeline_job_uuid}}": self.run_id,
                    "{{$.pipeline_task_name}}": task_name,
                    "{{$.pipeline_task_uuid}}": "1",
                    "{{$.pipeline_job_create_time_utc}}": "",
                    "{{$.pipeline_job_schedule_time_utc}}": "",
                }[value]
            return value
        raise NotImplementedError(f"parameter source {source} is not run")

    def _resolve_parameters(self, task_name, task, component):
        definitions = component.get("inputDefinitions", {}).get(
            "parameters", {}
        )
        values = {}
        for name, source in (
            task.get("inputs", {}).get("parameters", {}).items()
        ):
            definition = definitions.get(name, {})
            if definition.get("parameterType") == "TASK_CONFIG":
                continue  # resolve.go:325-331
            if "parameterExpressionSelector" in source:
                raise NotImplementedError("parameterExpressionSelector")
            value = self._resolve_parameter(task_name, source)
            if value is None and "componentInputParameter" in source:
                if definition.get("isOptional"):
                    continue  # resolve.go:339-344
                raise LauncherError(
                    f"the resolved input parameter is null: {name}"
                )
            literals = definition.get("literals")
            if literals and value not in literals:
                raise KfpRefused(
                    f"validating parameter {name!r}: {value!r} "
                    f"is not one of {literals}"
                )
            values[name] = value
        missing = object()
        for name, definition in definitions.items():  # resolve.go:169-256
            kind = definition.get("parameterType")
            value = values.get(name, missing)
            if value is missing:
                if definition.get("isOptional"):
                    continue
                if definition.get("defaultValue") is None:
                    raise LauncherError(
                        "neither value nor default value provided for "
                        f"non-optional parameter {name!r}"
                    )
                value = None  # a nil Value (resolve.go:184-201)
                if kind == "STRING":
                    values[name] = ""
                    continue
                raise LauncherError(
                    f"parameter {name} has unknown protobuf.Value type: <nil>"
                )
            if kind == "STRING":
                if not isinstance(value, str):
                    values[name] = pb_value_to_text(value)
                continue
            accepted = {
                "NUMBER_DOUBLE": _is_number,
                "NUMBER_INTEGER": _is_number,
                "BOOLEAN": lambda v: isinstance(v, bool),
                "LIST": lambda v: isinstance(v, list),
            }.get(kind, lambda v: isinstance(v, dict))
            if value is None:
                raise LauncherError(f"got null for input parameter {name!r}")
            if not accepted(value):
                raise LauncherError(
                    f"input parameter {name!r} type mismatch: expect {kind}, "
                    f"got {value!r}"
                )
        return _sorted_map(values)

    def _resolve_artifacts(self, task):
        artifacts = {}
        for name, source in (
            task.get("inputs", {}).get("artifacts", {}).items()
        ):
            if "taskOutputArtifact" not in source:
                raise KfpRefused(
                    f"parent DAG does not have input artifact {name}"
                )
            producer = source["taskOutputArtifact"]
            task_name = producer["producerTask"]
            key = producer["outputArtifactKey"]
            if key not in self.outputs.get(task_name, {}):
                raise KeyError(
                    f"{task_name} has recorded no output {key!r}: has it run?"
                )
            recorded = self.outputs[task_name][key]
            if not recorded:
                raise KeyError(f"{task_name}'s output {key!r} is empty")
            # One MLMD artifact per key (client.go:1135-1146).
            artifact = recorded[-1]
            artifacts[name] = {
                "artifacts": [
                    {
                        "name": artifact.get("name", ""),
                        "type": {
                            "instanceSchema": ""
                        },  # client.go:1144, 245-260
                        "uri": artifact.get("uri", ""),
                        "metadata": _sorted_map(
                            artifact.get("metadata") or {}
                        ),
                    }
                ]
            }
        return _sorted_map(artifacts)

    def _provision_outputs(self, task_name, component):
        """provisionOutputs (driver.go:733-802)."""
        definitions = dict(
            component.get("outputDefinitions", {}).get("artifacts", {})
        )
        if self.publish_logs:
            definitions[EXECUTOR_LOGS] = {
                "artifactType": {"schemaTitle": "system.Artifact"}
            }
        task_root = generate_output_uri(
            self.run_root, [task_name, str(uuid.uuid4())], False
        )
        artifacts = {}
        for name in sorted(definitions):
            artifact = {
                "name": name,
                "type": definitions[name].get("artifactType", {}),
                "uri": generate_output_uri(task_root, [name], False),
            }
            if definitions[name].get("metadata") is not None:
                artifact["metadata"] = _sorted_map(
                    definitions[name]["metadata"]
                )
            artifacts[name] = {"artifacts": [artifact]}
        outputs = {}
        parameters = component.get("outputDefinitions", {}).get(
            "parameters", {}
        )
        if parameters:
            outputs["parameters"] = {
                name: {"outputFile": f"/tmp/kfp/outputs/{name}"}
                for name in sorted(parameters)
            }
        if artifacts:
            outputs["artifacts"] = artifacts
        local_root = local_path_for_uri(task_root)
        outputs["outputFile"] = (
            local_root + "/output_metadata.json"
            if local_root
            else LEGACY_OUTPUT_FILE
        )  # driver.go:794-799
        return outputs

    def executor_input(self, task_name):
        """The ExecutorInput the driver builds (a new output UUID each
        call: one driver run)."""
        task, component = self._component(task_name)
        inputs = {}
        artifacts = self._resolve_artifacts(task)
        if artifacts:
            inputs["artifacts"] = artifacts
        parameters = self._resolve_parameters(task_name, task, component)
        if parameters:
            inputs["parameterValues"] = parameters
        return {
            "inputs": inputs,
            "outputs": self._provision_outputs(task_name, component),
        }

    def _driver_args(self, container, executor_input):
        """resolveContainerArgs (driver/util.go:263-288): input parameter
        placeholders in command and args."""
        values = executor_input["inputs"].get("parameterValues", {})

        def resolve(arg):
            if "$.outputs" in arg:
                return arg
            if arg.lstrip().startswith('{"IfPresent":'):
                raise NotImplementedError("IfPresent arguments are not run")

            def one(match):
                if match.group(1) not in values:
                    raise LauncherError(
                        f"parameter {match.group(1)!r} not found in executor "
                        "input"
                    )
                return _pb_value_to_string(values[match.group(1)])

            return INPUT_PARAMETER_PLACEHOLDER.sub(one, arg)

        return [resolve(a) for a in container.get("command", [])] + [
            resolve(a) for a in container.get("args", [])
        ]

    # --- the launcher ---------------------------------------------------

    def _pod_path(self, pod_root, path):
        return os.path.join(pod_root, path.lstrip("/"))

    def _artifact_path(self, artifact, pod_root):
        """retrieveArtifactPath (launcher_v2.go:1255-1263) in this pod;
        None: no recognised scheme."""
        if artifact.get("customPath"):
            return self._pod_path(pod_root, artifact["customPath"])
        path = local_path_for_uri(artifact.get("uri", ""))
        if path is not None:
            return self._pod_path(pod_root, path)
        if not self.remote and os.path.isabs(artifact.get("uri", "")):
            return artifact["uri"]  # a local root: its own path (not KFP)
        return None

    def _staged(self, artifact):
        return local_path_for_uri(artifact.get("uri", "")) is not None

    def _store_path(self, uri):
        scheme = next(s for s in LOCAL_FOLDERS if uri.startswith(s))
        bucket, _, key = uri[len(scheme) :].partition("/")
        if not key.strip("/"):
            raise LauncherError(f"URI {uri!r} has an empty key")
        if ".." in key.split("/"):  # object_store.go:146-148
            raise LauncherError(
                f"path traversal detected: blob key {key!r} "
                "contains '..' component"
            )
        if not self.object_store_dir:
            raise LauncherError(f"no object store for {uri!r}")
        return os.path.join(self.object_store_dir, bucket, key)

    def _placeholders(self, executor_input):
        """getPlaceholders (launcher_v2.go:1077-1173); its error is dropped
        and no placeholder is filled (launcher_v2.go:1052-1054)."""
        try:
            return self._placeholders_or_fail(executor_input)
        except LauncherError:
            return {}

    def _placeholders_or_fail(self, executor_input):
        found = {}
        for name, listed in (
            executor_input["inputs"].get("artifacts", {}).items()
        ):
            if not listed["artifacts"]:
                continue
            artifact = listed["artifacts"][0]
            uri_key = f"{{{{$.inputs.artifacts['{name}'].uri}}}}"
            found[uri_key] = artifact["uri"]
            path = self._pod_side_path(artifact)
            if path is not None:
                found[f"{{{{$.inputs.artifacts['{name}'].path}}}}"] = path
        for name, listed in (
            executor_input["outputs"].get("artifacts", {}).items()
        ):
            artifact = listed["artifacts"][0]
            uri_key = f"{{{{$.outputs.artifacts['{name}'].uri}}}}"
            found[uri_key] = artifact["uri"]
            path = self._pod_side_path(artifact)
            if path is None:
                raise LauncherError(
                    f"resolve output artifact {name!r}'s local path"
                )
            found[f"{{{{$.outputs.artifacts['{name}'].path}}}}"] = path
        for name, value in (
            executor_input["inputs"].get("parameterValues", {}).items()
        ):
            found[f"{{{{$.inputs.parameters['{name}']}}}}"] = (
                format_float_f(value)
                if _is_number(value)
                else pb_value_to_text(value)
            )
        for name, parameter in (
            executor_input["outputs"].get("parameters", {}).items()
        ):
            found[f"{{{{$.outputs.parameters['{name}'].output_file}}}}"] = (
                parameter["outputFile"]
            )
        return found

    def _pod_side_path(self, artifact):
        """The local path as the container sees it (inside the pod)."""
        if artifact.get("customPath"):
            return artifact["customPath"]
        path = local_path_for_uri(artifact.get("uri", ""))
        if (
            path is None
            and not self.remote
            and os.path.isabs(artifact.get("uri", ""))
        ):
            return artifact["uri"]
        return path

    def _compile_args(self, argv, executor_input):
        """compileCmdAndArgs (launcher_v2.go:1051-1074)."""
        text = go_json(executor_input)
        placeholders = self._placeholders(executor_input)
        compiled = [argv[0].replace(EXECUTOR_INPUT_PLACEHOLDER, text)]
        for arg in argv[1:]:
            arg = arg.replace(EXECUTOR_INPUT_PLACEHOLDER, text)
            for placeholder, replacement in placeholders.items():
                arg = arg.replace(placeholder, replacement)
            compiled.append(arg)
        return compiled

    def _download(self, executor_input, pod_root):
        """downloadArtifacts (launcher_v2.go:927-1004)."""
        for listed in executor_input["inputs"].get("artifacts", {}).values():
            for artifact in listed["artifacts"]:
                if (artifact.get("metadata") or {}).get("_kfp_workspace"):
                    continue
                if not self._staged(artifact):
                    continue  # "Skipping downloading": launcher_v2.go:956-961
                local = self._artifact_path(artifact, pod_root)
                source = self._store_path(artifact["uri"])
                if os.path.isfile(source):
                    _copy_file(source, local)
                elif os.path.isdir(source):
                    for folder, _, files in os.walk(source):
                        for name in files:
                            path = os.path.join(folder, name)
                            _copy_file(
                                path,
                                os.path.join(
                                    local, os.path.relpath(path, source)
                                ),
                            )

    def _upload(self, local, uri):
        """objectstore.UploadBlob (object_store.go:111-144); False: the
        local path does not exist (a warning in KFP)."""
        target = self._store_path(uri)
        if not os.path.exists(local):
            return False
        if not os.path.isdir(local):
            _copy_file(local, target)
            return True
        for entry in sorted(os.scandir(local), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False):
                self._upload(entry.path, uri.rstrip("/") + "/" + entry.name)
            elif os.path.isdir(entry.path):
                raise LauncherError(
                    f"unable to complete copying {entry.path!r}: is a "
                    "directory (a symlink to a folder)"
                )
            else:
                _copy_file(entry.path, os.path.join(target, entry.name))
        return True

    def _record(self, output_name, artifact):
        """RecordArtifact (client.go:1214-1274) then ToRuntimeArtifact as
        the driver reads it back (client.go:245-260, converter.go:181)."""
        metadata = {}
        for key, value in (artifact.get("metadata") or {}).items():
            if key == "_kfp_workspace":
                continue
            if value is None:
                raise LauncherError(
                    f"unable to produce MLMD artifact for output "
                    f"{output_name!r}: unknown/unsupported value type "
                    f"(null) for metadata {key!r}"
                )
            if isinstance(value, bool):
                value = 1 if value else 0
            elif isinstance(value, list):
                value = {"list": value}
            elif isinstance(value, dict):
                value = {"struct": value}
            metadata[key] = value
        metadata.setdefault("display_name", output_name)
        metadata.setdefault("store_session_info", self._session_info)
        return _as_received(
            {
                "name": str(next(self._artifact_ids)),
                "type": {"instanceSchema": ""},
                "uri": artifact["uri"],
                "metadata": _sorted_map(metadata),
            }
        )

    def _upload_outputs(
        self, executor_input, executor_output, pod_root, succeeded
    ):
        """uploadOutputArtifacts (launcher_v2.go:778-856)."""
        artifacts = executor_input["outputs"].get("artifacts", {})
        if not succeeded:
            artifacts = {
                k: v for k, v in artifacts.items() if k == EXECUTOR_LOGS
            }
        written = (executor_output or {}).get("artifacts", {})
        recorded = {}
        for name, listed in artifacts.items():
            for artifact in listed["artifacts"]:
                artifact = copy.deepcopy(artifact)
                merged = (written.get(name) or {}).get("artifacts") or []
                if merged and name != EXECUTOR_LOGS:
                    _merge_runtime_artifacts(merged[0], artifact)
                local = self._artifact_path(artifact, pod_root)
                if local is None:
                    if name == EXECUTOR_LOGS:
                        continue
                elif self.remote and self._staged(artifact):
                    uri = artifact["uri"]
                    if not uri.startswith(self._prefixed_bucket) or not uri[
                        len(self._prefixed_bucket) :
                    ].strip("/"):
                        raise LauncherError(
                            f"failed to upload output artifact {name!r}: URI "
                            f"{uri!r} does not have expected bucket prefix "
                            f"{self._prefixed_bucket!r} "
                            "(objectstore/config.go:101-112)"
                        )
                    if not self._upload(local, uri) and name == EXECUTOR_LOGS:
                        continue
                elif not os.path.exists(local) and name == EXECUTOR_LOGS:
                    continue
                recorded.setdefault(name, []).append(
                    self._record(name, artifact)
                )
        return recorded

    def _read_executor_output(self, path):
        """getExecutorOutputFile (launcher_v2.go:1208-1237)."""
        if not os.path.exists(path):
            return {}
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            written = json.loads(text)
        except ValueError as error:
            raise LauncherError(
                f"failed to unmarshall ExecutorOutput in file {path!r}: "
                f"{error}"
            ) from None
        _check_executor_output(written, path)
        return written

    def _collect_output_parameters(
        self, executor_input, executor_output, component, pod_root
    ):
        """collectOutputParameters (launcher_v2.go:484-515)."""
        values = dict(
            executor_output.get("parameterValues")
            or executor_output.get("parameter_values")
            or {}
        )
        definitions = component.get("outputDefinitions", {}).get(
            "parameters", {}
        )
        for name, parameter in (
            executor_input["outputs"].get("parameters", {}).items()
        ):
            if name in values:
                continue
            kind = definitions[name].get("parameterType")
            path = self._pod_path(pod_root, parameter["outputFile"])
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as error:
                raise LauncherError(
                    f"failed to read output parameter name={name!r} "
                    f"type={kind!r} path={parameter['outputFile']!r}: "
                    f"{error}"
                ) from None
            values[name] = _text_to_value(text, kind)
        return values

    def _environment(self, task_name, container, attempt, pod_root, retried):
        env = dict(os.environ)
        env.update(
            {  # argocompiler/common.go:42-56
                "KFP_POD_NAME": f"{self.pipeline_name}-{task_name}-{attempt}".lower(),
                "KFP_POD_UID": str(uuid.uuid4()),
            }
        )
        if retried:  # common.go:58-67, container.go:586-592
            env["KFP_RETRY_INDEX"] = str(attempt)
        for variable in container.get("env", []):  # driver.go:292-295
            env[variable["name"]] = variable.get("value", "")
        env[STAGING_ROOT_ENV] = pod_root
        env.update(self.extra_env)
        return env

    def _attempt(
        self,
        task_name,
        index,
        driver_input,
        argv,
        component,
        container,
        retried,
        deadline,
        timeout,
        kill_at,
        on_start,
    ):
        pod_root = os.path.join(
            self.staging_root, task_name, f"attempt-{index}"
        )
        if os.path.exists(pod_root):
            shutil.rmtree(pod_root)
        os.makedirs(pod_root)
        executor_input = copy.deepcopy(driver_input)
        logs = (
            executor_input["outputs"].get("artifacts", {}).get(EXECUTOR_LOGS)
        )
        if logs:  # launcher_v2.go:538-598
            suffix = "-" + (str(index) if retried else "0")
            artifact = logs["artifacts"][0]
            if not artifact["uri"].endswith(suffix):
                artifact["uri"] += suffix
        with_defaults = copy.deepcopy(executor_input)  # launcher_v2.go:1310
        values = with_defaults["inputs"].setdefault("parameterValues", {})
        for name, definition in (
            component.get("inputDefinitions", {}).get("parameters", {}).items()
        ):
            if (
                name not in values
                and definition.get("defaultValue") is not None
            ):
                values[name] = definition["defaultValue"]
        with_defaults["inputs"]["parameterValues"] = _sorted_map(values)
        if not values:
            del with_defaults["inputs"]["parameterValues"]
        compiled = self._compile_args(argv, with_defaults)
        if compiled[0] == "python":
            compiled[0] = sys.executable  # the image's python
        env = self._environment(task_name, container, index, pod_root, retried)
        attempt = Attempt(
            index=index,
            pod_root=pod_root,
            argv=compiled,
            env=env,
            executor_input=_as_received(with_defaults),
        )
        attempt.started = self._now()
        try:
            self._download(executor_input, pod_root)
            for parameter in (
                executor_input["outputs"].get("parameters", {}).values()
            ):
                os.makedirs(
                    os.path.dirname(
                        self._pod_path(pod_root, parameter["outputFile"])
                    ),
                    exist_ok=True,
                )
            for listed in (
                executor_input["outputs"].get("artifacts", {}).values()
            ):
                for artifact in listed["artifacts"]:
                    path = self._artifact_path(artifact, pod_root)
                    if path is None:
                        raise LauncherError(
                            "failed to generate local storage path for "
                            f"output artifact {artifact['name']!r}"
                        )
                    os.makedirs(os.path.dirname(path), exist_ok=True)
        except LauncherError as error:
            attempt.error = str(error)
        if attempt.error is None:
            log_path = (
                self._artifact_path(logs["artifacts"][0], pod_root)
                if logs
                else None
            )
            limits = []
            if kill_at is not None:
                limits.append((kill_at, "kill_after"))
            if deadline is not None:
                limits.append((max(0.0, deadline - self._now()), "deadline"))
            self._run(attempt, task_name, log_path, timeout, limits, on_start)
        attempt.finished = self._now()
        output_file = self._pod_path(
            pod_root, executor_input["outputs"]["outputFile"]
        )
        executor_output = None
        if attempt.returncode == 0 and not attempt.killed:
            try:
                executor_output = self._read_executor_output(output_file)
            except LauncherError as error:
                attempt.error = str(error)
        if attempt.succeeded:
            try:
                attempt.output_parameters = _as_received(
                    _sorted_map(
                        self._collect_output_parameters(
                            executor_input,
                            executor_output,
                            component,
                            pod_root,
                        )
                    )
                )
            except LauncherError as error:
                attempt.error = str(error)  # returns before any upload
                return attempt
            try:
                attempt.recorded = self._upload_outputs(
                    executor_input, executor_output, pod_root, True
                )
            except LauncherError as error:
                attempt.error = str(error)
            return attempt
        try:
            attempt.recorded = self._upload_outputs(
                executor_input, None, pod_root, False
            )
        except LauncherError:
            pass  # its error is dropped (launcher_v2.go:451)
        return attempt

    def _run(self, attempt, task_name, log_path, timeout, limits, on_start):
        """The command, its output tee'd into executor-logs
        (launcher_v2.go:699-716); `limits` are (seconds, reason) kills."""
        log_file = None
        if log_path:
            os.makedirs(os.path.dirname(log_path), exist_ok=True)
            log_file = open(log_path, "wb")
        chunks = []
        cwd = self.workdir or attempt.pod_root
        os.makedirs(cwd, exist_ok=True)
        process = subprocess.Popen(
            attempt.argv,
            cwd=cwd,
            env=attempt.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        killed = []

        def kill(reason):
            if process.poll() is None and not killed:
                killed.append(reason)
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        def pump():
            for chunk in iter(lambda: process.stdout.read1(65536), b""):
                chunks.append(chunk)
                if log_file:
                    log_file.write(chunk)
                    log_file.flush()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        timers = [
            threading.Timer(seconds, kill, (reason,))
            for seconds, reason in limits
        ]
        for timer in timers:
            timer.start()
        try:
            hook = on_start or self.on_start
            if hook is not None:
                hook(task_name, attempt.index, process)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill("timeout")
            process.wait()
        except BaseException:
            kill("the test's hook failed")
            process.wait()
            raise
        finally:
            for timer in timers:
                timer.cancel()
            reader.join()
            process.stdout.close()
            if log_file:
                log_file.close()
        attempt.returncode = process.returncode
        attempt.killed = killed[0] if killed else None
        attempt.log = b"".join(chunks).decode("utf-8", "replace")
        if attempt.killed == "timeout":
            raise subprocess.TimeoutExpired(
                attempt.argv, timeout, output=attempt.log
            )

    def _retry_decision(self, policy, attempts):
        """Argo's processNodeRetries (argo: workflow/controller/
        operator.go:1042-1156) with the compiled retryStrategy
        (argocompiler/container.go:603-689): (stop reason or None, seconds
        to wait, deadline of the next attempt)."""
        done = len(attempts)
        limit = int(policy.get("maxRetryCount", 0))
        base = _duration_seconds(policy.get("backoffDuration"))
        max_duration = _duration_seconds(policy.get("backoffMaxDuration"))
        factor = float(policy.get("backoffFactor", 0))
        now = self._now()
        deadline = attempts[0].started + max_duration
        if now > deadline:
            return "Max duration limit exceeded", 0, None
        if not factor.is_integer():
            raise KfpRefused(
                f"Argo: value '{factor:g}' cannot be resolved to an int "
                "(backoffFactor; argo: util/intstr/parametrizable.go:12-25)"
            )
        wait = base * int(factor) ** (done - 1) if factor > 0 else base
        waiting_deadline = attempts[-1].finished + wait
        if waiting_deadline > deadline:
            return "Backoff would exceed max duration limit", 0, None
        to_wait = 0.0
        if now < waiting_deadline and done <= limit:
            to_wait = waiting_deadline - now
        if done > limit:
            return "No more retries left", 0, None
        return None, to_wait, deadline

    def run_task(self, task_name, timeout=900, kill_after=None, on_start=None):
        """Runs one task, retried as Argo would; returns the last attempt's
        CompletedProcess (stdout: stdout and stderr together, as KFP logs
        them).

        Args:
            timeout: seconds an attempt may take here (a test's guard, not
                KFP's): past it the command is killed and TimeoutExpired
                raised, without retry.
            kill_after: kills the command (its process group, SIGKILL, as a
                killed pod): seconds into the first attempt, a sequence of
                seconds-or-None per attempt, or a callable(attempt index) ->
                seconds or None.
            on_start: callable(task, attempt index, Popen) called as each
                attempt's command starts.
        Raises:
            KfpRefused: KFP would not start it (a resolver in the spec, a
                bad parameter).
            TaskFailed: its last allowed attempt failed.
        """
        self._refuse()
        task, component = self._component(task_name)
        executor = self.executor(task_name)
        if "container" not in executor:
            raise NotImplementedError(
                f"{task_name}: only container executors are run here"
            )
        if task.get("triggerPolicy", {}).get("condition"):
            raise NotImplementedError(f"{task_name}: conditions")
        if "parameterIterator" in task or "artifactIterator" in task:
            raise NotImplementedError(f"{task_name}: loops")
        container = executor["container"]
        try:  # the driver pod, which Argo does not retry
            driver_input = self.executor_input(task_name)
            argv = self._driver_args(container, driver_input)
        except LauncherError as error:
            raise TaskFailed(
                task_name, [], f"its driver failed: {error}"
            ) from error
        self.driver_inputs[task_name] = _as_received(driver_input)
        policy = task.get("retryPolicy")
        attempts = self.attempts[task_name] = []
        while True:
            deadline, waited = None, 0.0
            if attempts:
                if policy is None:
                    raise TaskFailed(task_name, attempts, "no retryPolicy")
                reason, waited, deadline = self._retry_decision(
                    policy, attempts
                )
                if reason:
                    raise TaskFailed(task_name, attempts, reason)
                if waited:
                    if self.sleep is not None:
                        self.sleep(waited)
                    else:
                        self._virtual_seconds += waited
            index = len(attempts)
            if callable(kill_after):
                kill_at = kill_after(index)
            elif isinstance(kill_after, (list, tuple)):
                kill_at = (
                    kill_after[index] if index < len(kill_after) else None
                )
            else:
                kill_at = kill_after if index == 0 else None
            attempt = self._attempt(
                task_name,
                index,
                driver_input,
                argv,
                component,
                container,
                policy is not None,
                deadline,
                timeout,
                kill_at,
                on_start,
            )
            attempt.waited = waited
            attempts.append(attempt)
            self.commands[task_name] = attempt.argv
            self.seconds[task_name] = attempt.seconds
            self.executor_inputs[task_name] = attempt.executor_input
            self.envs[task_name] = attempt.env
            if attempt.succeeded:
                break
        self.outputs[task_name] = attempt.recorded
        self.output_parameters[task_name] = attempt.output_parameters
        return subprocess.CompletedProcess(
            attempt.argv, attempt.returncode, stdout=attempt.log
        )

    def run_all(self, timeout=900, kill_after=None, on_start=None):
        """Runs every task in dependency order; `kill_after`: task ->
        `run_task`'s kill_after."""
        self._refuse()
        for task_name in task_order(self.spec):
            self.run_task(
                task_name,
                timeout=timeout,
                kill_after=(kill_after or {}).get(task_name),
                on_start=on_start,
            )


def _copy_file(source, target):
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(target):
        raise LauncherError(f"{target!r} is a folder in the object store")
    shutil.copyfile(source, target)


def _merge_runtime_artifacts(source, target):
    """mergeRuntimeArtifacts (launcher_v2.go:1188-1206)."""
    if source.get("uri"):
        target["uri"] = source["uri"]
    if source.get("metadata") is not None:
        if target.get("metadata") is None:
            target["metadata"] = dict(source["metadata"])
        else:
            target["metadata"] = {**target["metadata"], **source["metadata"]}
    custom_path = source.get("customPath") or source.get("custom_path")
    if custom_path:
        target["customPath"] = custom_path


def _check_executor_output(written, path):
    """The fields protojson.Unmarshal accepts in an ExecutorOutput."""

    def fail(what):
        raise LauncherError(
            f"failed to unmarshall ExecutorOutput in file {path!r}: {what}"
        )

    if not isinstance(written, dict):
        fail("not an object")
    for key in written:
        if key not in EXECUTOR_OUTPUT_FIELDS:
            fail(f"unknown field {key!r}")
    for name, listed in (written.get("artifacts") or {}).items():
        if not isinstance(listed, dict) or set(listed) - {"artifacts"}:
            fail(f"artifacts[{name!r}] is not an ArtifactList")
        for artifact in listed.get("artifacts") or []:
            if not isinstance(artifact, dict):
                fail(f"artifacts[{name!r}] holds a non-object")
            unknown = set(artifact) - ARTIFACT_FIELDS
            if unknown:
                fail(f"unknown field {sorted(unknown)[0]!r}")
            if set(artifact.get("type") or {}) - TYPE_FIELDS:
                fail(f"unknown field in artifacts[{name!r}] type")
            if artifact.get("metadata") is not None and not isinstance(
                artifact["metadata"], dict
            ):
                fail(f"artifacts[{name!r}] metadata is not a Struct")
            for text in ("uri", "name"):
                if not isinstance(artifact.get(text, ""), str):
                    fail(f"artifacts[{name!r}] {text} is not a string")
