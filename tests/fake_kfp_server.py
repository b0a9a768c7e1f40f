"""A local HTTP server that stands in for a Kubeflow Pipelines cluster.

There is no cluster here. This speaks the KFP v2beta1 REST calls that
kfp.Client 2.17 makes for upload, run, schedule and list (paths, query
parameters, multipart upload, JSON bodies and the grpc-gateway error shape)
and keeps what it receives, so tests can check what a cluster would have been
sent. It validates an uploaded package the way the backend does at its core:
the first YAML document must parse strictly as a PipelineSpec. It does not
run anything.
"""

import email.parser
import email.policy
import http.server
import itertools
import json
import threading
import urllib.parse

import yaml
from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

API = "/apis/v2beta1"
CREATED_AT = "2026-01-01T00:00:00Z"
# grpc-gateway codes of the HTTP statuses used here.
GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5}


class ApiError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


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
                "string_value")
    return None


def _parse_package(content):
    try:
        document = next(yaml.safe_load_all(content))
        json_format.ParseDict(document, pipeline_spec_pb2.PipelineSpec())
    except Exception as error:  # the backend answers 400 for any of these
        raise ApiError(400, f"Failed to parse the pipeline spec: {error}")
    return document


def _uploaded_file(headers, body):
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + headers["Content-Type"].encode() + b"\r\n\r\n"
        + body
    )
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == (
                "uploadfile"):
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
            self._reply(error.status, {
                "error": error.message, "code": GRPC_CODES.get(
                    error.status, 2), "message": error.message,
                "details": [],
            })

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _check_auth(self, query):
        state = self.state
        if state.token is not None and self.headers.get(
                "Authorization") != f"Bearer {state.token}":
            raise ApiError(401, "Request header error: there is no user "
                           "identity header.")
        namespace = query.get("namespace", [None])[0]
        if namespace in state.forbidden_namespaces:
            raise ApiError(403, f"User is not authorized to access "
                           f"namespace {namespace}")

    def _route(self, method, path, query, body):
        state = self.state
        if (method, path) == ("GET", f"{API}/healthz"):
            return {"multi_user": False, "pipeline_store": "database"}
        if (method, path) == ("GET", f"{API}/pipelines"):
            name = _display_name_filter(query)
            found = [p for p in state.pipelines.values()
                     if name is None or p["display_name"] == name]
            return {"pipelines": found, "total_size": len(found)}
        if (method, path) == ("POST", f"{API}/pipelines/upload"):
            return self._upload(query, body)
        if (method, path) == ("POST", f"{API}/pipelines/upload_version"):
            return self._upload_version(query, body)
        if method == "GET" and path.startswith(f"{API}/pipelines/") and (
                path.endswith("/versions")):
            pipeline_id = path.split("/")[-2]
            if pipeline_id not in state.versions:
                raise ApiError(404, f"Pipeline {pipeline_id} not found")
            versions = sorted(state.versions[pipeline_id],
                              key=lambda v: v["pipeline_version_id"],
                              reverse=True)
            size = int(query.get("page_size", ["10"])[0])
            return {"pipeline_versions": versions[:size],
                    "total_size": len(versions)}
        if (method, path) == ("GET", f"{API}/experiments"):
            name = _display_name_filter(query)
            found = [e for e in state.experiments.values()
                     if name is None or e["display_name"] == name]
            return {"experiments": found, "total_size": len(found)}
        if (method, path) == ("POST", f"{API}/experiments"):
            experiment = json.loads(body)
            experiment.update(experiment_id=state.new_id("experiment"),
                              created_at=CREATED_AT, storage_state="AVAILABLE")
            state.experiments[experiment["experiment_id"]] = experiment
            return experiment
        if (method, path) == ("POST", f"{API}/runs"):
            run = self._check_run(json.loads(body))
            run.update(run_id=state.new_id("run"), state="PENDING",
                       created_at=CREATED_AT)
            state.runs.append(run)
            return run
        if (method, path) == ("GET", f"{API}/runs"):
            runs = [r for r in reversed(state.runs)
                    if "experiment_id" not in query
                    or r["experiment_id"] == query["experiment_id"][0]]
            return {"runs": runs, "total_size": len(runs)}
        if (method, path) == ("POST", f"{API}/recurringruns"):
            recurring = self._check_run(json.loads(body))
            recurring.update(recurring_run_id=state.new_id("recurring"),
                             status="ENABLED", created_at=CREATED_AT)
            state.recurring_runs.append(recurring)
            return recurring
        raise ApiError(404, f"Not Found: {method} {path}")

    def _upload(self, query, body):
        state = self.state
        spec = _parse_package(_uploaded_file(self.headers, body))
        pipeline_id = state.new_id("pipeline")
        pipeline = {"pipeline_id": pipeline_id,
                    "display_name": query["name"][0],
                    "created_at": CREATED_AT}
        state.pipelines[pipeline_id] = pipeline
        state.versions[pipeline_id] = [self._version(
            pipeline_id, query["name"][0], spec)]
        return pipeline

    def _upload_version(self, query, body):
        state = self.state
        pipeline_id = query["pipelineid"][0]
        if pipeline_id not in state.pipelines:
            raise ApiError(404, f"Pipeline {pipeline_id} not found")
        spec = _parse_package(_uploaded_file(self.headers, body))
        version = self._version(pipeline_id, query["name"][0], spec)
        state.versions[pipeline_id].append(version)
        return version

    def _version(self, pipeline_id, name, spec):
        return {"pipeline_id": pipeline_id,
                "pipeline_version_id": self.state.new_id("version"),
                "display_name": name, "created_at": CREATED_AT,
                "pipeline_spec": spec}

    def _check_run(self, run):
        """Checks a run's version and parameters as the backend does."""
        reference = run.get("pipeline_version_reference") or {}
        versions = self.state.versions.get(reference.get("pipeline_id"), [])
        matching = [v for v in versions if v["pipeline_version_id"]
                    == reference.get("pipeline_version_id")]
        if not matching:
            raise ApiError(404, f"Pipeline version "
                           f"{reference.get('pipeline_version_id')} not found")
        declared = matching[0]["pipeline_spec"]["root"]["inputDefinitions"][
            "parameters"]
        for name in (run.get("runtime_config") or {}).get("parameters") or {}:
            if name not in declared:
                raise ApiError(400, f"Invalid input error: parameter {name} "
                               "is not an input of the pipeline")
        return run


def serve(state):
    """Starts the server in a thread; returns (server, endpoint URL)."""
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
