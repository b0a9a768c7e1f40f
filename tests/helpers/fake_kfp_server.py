"""A local HTTP server that stands in for a Kubeflow Pipelines cluster.

There is no cluster here. This speaks the KFP v2beta1 REST calls that
kfp.Client 2.17 makes for upload, run, schedule and list (paths, query
parameters, multipart upload, JSON bodies and the grpc-gateway error shape)
and keeps what it receives, so tests can check what a cluster would have been
sent. It validates an uploaded package the way the backend does at its core:
the first YAML document must parse strictly as a PipelineSpec. It does not
run anything.

Creating a run or a recurring run is refused when the real API server would
refuse it: the stored package and the request body go through
`kfp-argo-compile` (tests/helpers/kfp_go, built by ./dev into $AKT_KFP_ARGO_COMPILE),
which calls the KFP 2.14.3 API server's own Go code for that request and
answers with the status and body the server's REST gateway would send. The
path it reproduces (kubeflow/pipelines tag 2.14.3):

- run: backend/src/apiserver/server/run_server.go:518-531 (CreateRun,
  "Failed to create a new run") -> run_server.go:137-159 (createRun) ->
  resource/resource_manager.go:515-550 (CreateRun: the version's manifest
  through template.New at resource_manager.go:1524, tmpl.RunWorkflow at :543,
  "Failed to generate the ExecutionSpec", Argo's validation at :547) ->
  template/v2_template.go:305-341 (RunWorkflow: the run's parameters checked
  by validatePipelineJobInputs at :320 and v2_template.go:384-469, then
  argocompiler.Compile at :337, "Failed to compile job" at :340);
- recurring run: server/job_server.go:320-335 (CreateRecurringRun, "Failed
  to create a recurring run") -> job_server.go:97-121 -> resource_manager.go:
  1094-1125 (CreateJob: tmpl.ScheduledWorkflow, "Failed to create a recurring
  run during scheduled workflow creation") -> v2_template.go:91-132
  (ScheduledWorkflow: the same checks and argocompiler.Compile);
- the answer: common/util/error.go:375-401 (ToGRPCError, applied by
  apiserver/interceptor.go:34: a compile error is not a UserError, so it
  becomes gRPC Internal, HTTP 500, "Internal error: <the error chain with
  its Go stacks>"; a bad parameter is an InvalidArgument UserError, HTTP
  400) and the grpc-gateway error body of apiserver/main.go:282-284.

Without the binary the fake cannot tell what the server would refuse, and it
does not guess: run and recurring-run creation answer HTTP 500 saying the
checker is missing (tests that create runs skip before that unless CI=true,
see `require_checker`).
"""

import email.parser
import email.policy
import http.server
import itertools
import json
import os
import subprocess
import tempfile
import threading
import urllib.parse

import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

API = "/apis/v2beta1"
CREATED_AT = "2026-01-01T00:00:00Z"
# grpc-gateway codes of the HTTP statuses used here.
GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 500: 13}
CHECKER_ENV = "AKT_KFP_ARGO_COMPILE"
CHECKER_HINT = (
    "`./dev test` and `./dev setup` build it (tests/helpers/kfp_go) when "
    "Go is on the host's PATH"
)


class ApiError(Exception):
    def __init__(self, status, message, body=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body  # the whole JSON answer, when it is the server's


class CheckerUnavailable(RuntimeError):
    pass


def checker_path():
    """The kfp-argo-compile binary, or None when it is not available."""
    path = os.environ.get(CHECKER_ENV)
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None


def checker_missing():
    """Why checker_path() is None, and what to do."""
    path = os.environ.get(CHECKER_ENV)
    if not path:
        return (
            f"{CHECKER_ENV} is not set to the kfp-argo-compile binary; "
            f"{CHECKER_HINT}"
        )
    return f"{CHECKER_ENV}={path!r} is not an executable file; {CHECKER_HINT}"


def require_checker():
    """Skips the calling test without the binary; fails it under CI=true."""
    import pytest

    if checker_path() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {checker_missing()}.")
        pytest.skip(checker_missing())


def argo_compile(
    package, run=None, recurring_run=None, run_params=None, timeout=120
):
    """Runs a package (YAML text) through kfp-argo-compile.

    `run` / `recurring_run`: the v2beta1 request body (a dict) of the run
    or recurring run to create; `run_params`: parameter values. Returns the
    checker's JSON answer ({"ok": true, "workflow": ...} or {"ok": false,
    "error", "http_status", "http_body"}); raises CheckerUnavailable
    without the binary.
    """
    binary = checker_path()
    if binary is None:
        raise CheckerUnavailable(checker_missing())
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(package)
        f.flush()
        argv = [binary, f.name]
        if run is not None:
            argv += ["--run", json.dumps(run)]
        if recurring_run is not None:
            argv += ["--recurring-run", json.dumps(recurring_run)]
        if run_params is not None:
            argv += ["--run-params", json.dumps(run_params)]
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout
        )
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise RuntimeError(
            f"kfp-argo-compile exited {done.returncode} without a JSON "
            f"answer; stderr: {done.stderr[-2000:]}"
        ) from None
    if done.returncode == 2:
        raise RuntimeError(f"kfp-argo-compile: {answer.get('error')}")
    return answer


class State:
    """What the fake cluster holds."""

    def __init__(self, token=None, forbidden_namespaces=()):
        self.token = token
        self.forbidden_namespaces = set(forbidden_namespaces)
        self.ids = itertools.count(1)
        self.pipelines = {}  # id -> pipeline json
        self.versions = {}  # pipeline id -> list of version json
        self.experiments = {}
        self.runs = []
        self.recurring_runs = []
        self.packages = {}  # pipeline version id -> the uploaded YAML text
        self.requests = []  # (method, path) in order

    def new_id(self, kind):
        return f"{kind}-{next(self.ids)}"


def _display_name_filter(query):
    raw = query.get("filter", [""])[0]
    if not raw:
        return None
    predicates = json.loads(raw).get("predicates", [])
    for predicate in predicates:
        if predicate.get("key") == "display_name":
            return predicate.get("stringValue") or predicate.get(
                "string_value"
            )
    return None


def _parse_package(content):
    try:
        document = next(yaml.safe_load_all(content))
        json_format.ParseDict(document, pipeline_spec_pb2.PipelineSpec())
    except Exception as error:  # the backend answers 400 for any of these
        raise ApiError(
            400, f"Failed to parse the pipeline spec: {error}"
        ) from error
    return document


def _uploaded_file(headers, body):
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: "
        + headers["Content-Type"].encode()
        + b"\r\n\r\n"
        + body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == (
            "uploadfile"
        ):
            return part.get_content()
    raise ApiError(400, "uploadfile is missing")


class Handler(http.server.BaseHTTPRequestHandler):
    state = None  # set by serve()

    def log_message(self, *args):
        pass

    def _reply(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.state.requests.append((method, url.path))
        try:
            self._check_auth(query)
            self._reply(200, self._route(method, url.path, query, body))
        except ApiError as error:
            self._reply(
                error.status,
                error.body
                or {
                    "error": error.message,
                    "code": GRPC_CODES.get(error.status, 2),
                    "message": error.message,
                    "details": [],
                },
            )

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _check_auth(self, query):
        state = self.state
        if (
            state.token is not None
            and self.headers.get("Authorization") != f"Bearer {state.token}"
        ):
            raise ApiError(
                401, "Request header error: there is no user identity header."
            )
        namespace = query.get("namespace", [None])[0]
        if namespace in state.forbidden_namespaces:
            raise ApiError(
                403, f"User is not authorized to access namespace {namespace}"
            )

    def _route(self, method, path, query, body):
        state = self.state
        if (method, path) == ("GET", f"{API}/healthz"):
            return {"multi_user": False, "pipeline_store": "database"}
        if (method, path) == ("GET", f"{API}/pipelines"):
            name = _display_name_filter(query)
            found = [
                p
                for p in state.pipelines.values()
                if name is None or p["display_name"] == name
            ]
            return {"pipelines": found, "total_size": len(found)}
        if (method, path) == ("POST", f"{API}/pipelines/upload"):
            return self._upload(query, body)
        if (method, path) == ("POST", f"{API}/pipelines/upload_version"):
            return self._upload_version(query, body)
        if (
            method == "GET"
            and path.startswith(f"{API}/pipelines/")
            and (path.endswith("/versions"))
        ):
            pipeline_id = path.split("/")[-2]
            if pipeline_id not in state.versions:
                raise ApiError(404, f"Pipeline {pipeline_id} not found")
            versions = sorted(
                state.versions[pipeline_id],
                key=lambda v: v["pipeline_version_id"],
                reverse=True,
            )
            size = int(query.get("page_size", ["10"])[0])
            return {
                "pipeline_versions": versions[:size],
                "total_size": len(versions),
            }
        if (method, path) == ("GET", f"{API}/experiments"):
            name = _display_name_filter(query)
            found = [
                e
                for e in state.experiments.values()
                if name is None or e["display_name"] == name
            ]
            return {"experiments": found, "total_size": len(found)}
        if (method, path) == ("POST", f"{API}/experiments"):
            experiment = json.loads(body)
            experiment.update(
                experiment_id=state.new_id("experiment"),
                created_at=CREATED_AT,
                storage_state="AVAILABLE",
            )
            state.experiments[experiment["experiment_id"]] = experiment
            return experiment
        if (method, path) == ("POST", f"{API}/runs"):
            run = self._check_run(json.loads(body), "run")
            run.update(
                run_id=state.new_id("run"),
                state="PENDING",
                created_at=CREATED_AT,
            )
            state.runs.append(run)
            return run
        if (method, path) == ("GET", f"{API}/runs"):
            runs = [
                r
                for r in reversed(state.runs)
                if "experiment_id" not in query
                or r["experiment_id"] == query["experiment_id"][0]
            ]
            return {"runs": runs, "total_size": len(runs)}
        if (method, path) == ("POST", f"{API}/recurringruns"):
            recurring = self._check_run(json.loads(body), "recurring_run")
            recurring.update(
                recurring_run_id=state.new_id("recurring"),
                status="ENABLED",
                created_at=CREATED_AT,
            )
            state.recurring_runs.append(recurring)
            return recurring
        raise ApiError(404, f"Not Found: {method} {path}")

    def _upload(self, query, body):
        state = self.state
        package = _uploaded_file(self.headers, body)
        spec = _parse_package(package)
        pipeline_id = state.new_id("pipeline")
        pipeline = {
            "pipeline_id": pipeline_id,
            "display_name": query["name"][0],
            "created_at": CREATED_AT,
        }
        state.pipelines[pipeline_id] = pipeline
        state.versions[pipeline_id] = [
            self._version(pipeline_id, query["name"][0], spec, package)
        ]
        return pipeline

    def _upload_version(self, query, body):
        state = self.state
        pipeline_id = query["pipelineid"][0]
        if pipeline_id not in state.pipelines:
            raise ApiError(404, f"Pipeline {pipeline_id} not found")
        package = _uploaded_file(self.headers, body)
        spec = _parse_package(package)
        version = self._version(pipeline_id, query["name"][0], spec, package)
        state.versions[pipeline_id].append(version)
        return version

    def _version(self, pipeline_id, name, spec, package):
        version_id = self.state.new_id("version")
        if isinstance(package, bytes):
            package = package.decode()
        self.state.packages[version_id] = package
        return {
            "pipeline_id": pipeline_id,
            "pipeline_version_id": version_id,
            "display_name": name,
            "created_at": CREATED_AT,
            "pipeline_spec": spec,
        }

    def _check_run(self, run, kind):
        """Refuses the run or recurring run when the API server would."""
        reference = run.get("pipeline_version_reference") or {}
        versions = self.state.versions.get(reference.get("pipeline_id"), [])
        matching = [
            v
            for v in versions
            if v["pipeline_version_id"] == reference.get("pipeline_version_id")
        ]
        if not matching:
            raise ApiError(
                404,
                f"Pipeline version "
                f"{reference.get('pipeline_version_id')} not found",
            )
        package = self.state.packages[matching[0]["pipeline_version_id"]]
        try:
            answer = argo_compile(package, **{kind: run})
        except CheckerUnavailable as error:
            raise ApiError(
                500,
                f"fake KFP server: cannot check this {kind} "
                f"as the API server would: {error}",
            ) from None
        if not answer["ok"]:
            raise ApiError(
                answer["http_status"],
                answer["error"],
                body=answer["http_body"],
            )
        return run


def serve(state):
    """Starts the server in a thread; returns (server, endpoint URL)."""
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
