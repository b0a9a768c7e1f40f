"""The server side of `autokeras-tfx kfp`: upload, run, schedule, runs.

Every call goes through `kfp.Client` (the KFP v2beta1 REST API). Errors from
the server (HTTP status and its message) and an unreachable endpoint become a
`KfpError` whose message names the endpoint, the object and what to do.
"""

import datetime
import json
import os
import warnings

import kfp
import kfp_server_api
import urllib3

from pipelines import deploy_config

RUN_PARAMETERS = {
    # CLI attribute -> run-time parameter of the compiled pipeline.
    "data_root": deploy_config.DATA_ROOT_PARAMETER,
    "max_trials": deploy_config.MAX_TRIALS_PARAMETER,
    "time_limit": deploy_config.TIME_LIMIT_PARAMETER,
    "seed": deploy_config.SEED_PARAMETER,
    "epochs": deploy_config.EPOCHS_PARAMETER,
    "warm_start": deploy_config.WARM_START_PARAMETER,
}


class KfpError(Exception):
    """A problem the user can fix; the message says how."""


class _Client(kfp.Client):
    """kfp.Client whose start-up health check is asked once.

    kfp.Client retries a failing health check five times, five seconds apart,
    then raises a TimeoutError that hides the server's answer (a 401, say).
    """

    def get_kfp_healthz(self, sleep_duration=5):
        return self._healthz_api.healthz_service_get_healthz()


def _server_message(error):
    try:
        body = json.loads(error.body)
        return body.get("message") or body.get("error") or error.reason
    except (TypeError, ValueError, AttributeError):
        return (error.body or b"").decode(errors="replace").strip() or (
            error.reason
        )


def explain(error, endpoint, what):
    """A KfpError for an ApiException about `what` (e.g. "pipeline 'x'")."""
    message = _server_message(error)
    where = f"the KFP API at {endpoint or '(kube config)'}"
    if error.status == 401:
        hint = (
            "pass a valid --token (e.g. from `kubectl create token`), or "
            "--iap-client-id for an IAP endpoint"
        )
        return KfpError(
            f"{where} rejected the credentials (HTTP 401: {message}); {hint}."
        )
    if error.status == 403:
        return KfpError(
            f"{where} refused access to {what} (HTTP 403: "
            f"{message}); check --namespace and ask the cluster "
            "admin for a role in that profile."
        )
    if error.status == 404:
        return KfpError(f"{where} has no {what} (HTTP 404: {message}).")
    if error.status == 400:
        return KfpError(
            f"{where} rejected {what} as invalid (HTTP 400: {message})."
        )
    return KfpError(
        f"{where} failed on {what} (HTTP {error.status}: {message})."
    )


class Session:
    """A kfp.Client and the translation of its errors."""

    def __init__(self, args):
        self.endpoint = args.endpoint or os.environ.get(
            "KF_PIPELINES_ENDPOINT"
        )
        self.namespace = args.namespace
        # Said on every start; our README states the KFP versions we need.
        warnings.filterwarnings(
            "ignore",
            message="This client only works with Kubeflow",
            category=FutureWarning,
        )
        self.client = self.call(
            "the health check",
            lambda: _Client(
                host=self.endpoint,
                namespace=args.namespace or "kubeflow",
                existing_token=args.token,
                client_id=args.iap_client_id,
                kube_context=args.kube_context,
                ssl_ca_cert=args.ssl_ca_cert,
            ),
        )

    def call(self, what, function):
        try:
            return function()
        except kfp_server_api.ApiException as error:
            raise explain(error, self.endpoint, what) from None
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise KfpError(
                f"cannot reach the KFP API at {self.endpoint!r} ({error}); "
                "check --endpoint (e.g. https://HOST/pipeline) and the "
                "network."
            ) from None

    def pipeline_id(self, name):
        pipeline_id = self.call(
            f"pipeline {name!r}", lambda: self.client.get_pipeline_id(name)
        )
        if pipeline_id is None:
            raise KfpError(
                f"no pipeline named {name!r} at {self.endpoint}; upload it "
                f"first: autokeras-tfx kfp upload --package FILE.yaml "
                f"--pipeline-name {name}"
            )
        return pipeline_id

    def latest_version(self, pipeline_id, name):
        response = self.call(
            f"the versions of pipeline {name!r}",
            lambda: self.client.list_pipeline_versions(
                pipeline_id, page_size=1, sort_by="created_at desc"
            ),
        )
        if not response.pipeline_versions:
            raise KfpError(f"pipeline {name!r} has no version; upload one.")
        return response.pipeline_versions[0].pipeline_version_id

    def experiment_id(self, name):
        experiment = self.call(
            f"experiment {name!r}",
            lambda: self.client.create_experiment(
                name, namespace=self.namespace
            ),
        )
        return experiment.experiment_id

    def run_target(self, args):
        """Pipeline id, version id, experiment id and parameters of a run."""
        pipeline_id = self.pipeline_id(args.pipeline_name)
        version_id = args.version_id or self.latest_version(
            pipeline_id, args.pipeline_name
        )
        params = {
            parameter: getattr(args, attribute)
            for attribute, parameter in RUN_PARAMETERS.items()
            if getattr(args, attribute) is not None
        }
        return dict(
            experiment_id=self.experiment_id(args.experiment),
            pipeline_id=pipeline_id,
            version_id=version_id,
            params=params,
            pipeline_root=args.pipeline_root,
            service_account=args.service_account,
        )


def _check_package(path):
    if not os.path.isfile(path):
        raise KfpError(
            f"no pipeline package at {path!r}; write one with "
            "`autokeras-tfx kfp compile --output FILE.yaml`."
        )
    if not path.endswith((".yaml", ".yml")):
        raise KfpError(f"{path!r} is not a .yaml pipeline package.")


def upload_command(args):
    """Uploads the YAML as a new pipeline, or a new version of it."""
    _check_package(args.package)
    session = Session(args)
    client = session.client
    what = f"pipeline package {args.package!r}"
    existing = session.call(
        f"pipeline {args.pipeline_name!r}",
        lambda: client.get_pipeline_id(args.pipeline_name),
    )
    if existing is None:
        pipeline = session.call(
            what,
            lambda: client.upload_pipeline(
                args.package,
                pipeline_name=args.pipeline_name,
                description=args.description,
            ),
        )
        versions = session.latest_version(
            pipeline.pipeline_id, args.pipeline_name
        )
        print(
            f"uploaded pipeline {args.pipeline_name}: "
            f"id {pipeline.pipeline_id}, version {versions}"
        )
        return pipeline.pipeline_id, versions
    version_name = args.version or "{}-{}".format(
        os.path.splitext(os.path.basename(args.package))[0],
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%S"),
    )
    version = session.call(
        what,
        lambda: client.upload_pipeline_version(
            args.package,
            version_name,
            pipeline_id=existing,
            description=args.description,
        ),
    )
    print(
        f"uploaded version {version_name} of {args.pipeline_name}: "
        f"id {version.pipeline_version_id}"
    )
    return existing, version.pipeline_version_id


def run_command(args):
    session = Session(args)
    target = session.run_target(args)
    name = args.run_name or "{}-{}".format(
        args.pipeline_name,
        datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S"),
    )
    run = session.call(
        f"a run of {args.pipeline_name!r}",
        lambda: session.client.run_pipeline(job_name=name, **target),
    )
    print(f"started run {run.run_id} ({name})")
    return run.run_id


def _check_cron(expression):
    fields = expression.split()
    if len(fields) != 6:
        raise KfpError(
            f"--cron {expression!r} has {len(fields)} fields; KFP's cron has "
            "6, seconds first: e.g. '0 0 3 * * *' for 03:00 every day."
        )


def schedule_command(args):
    """A recurring run: one at a time, no catch-up of missed slots."""
    if args.cron is not None:
        _check_cron(args.cron)
    if args.interval_seconds is not None and args.interval_seconds < 60:
        raise KfpError(
            f"--interval-seconds must be at least 60; received "
            f"{args.interval_seconds}."
        )
    session = Session(args)
    target = session.run_target(args)
    name = args.run_name or f"{args.pipeline_name}-retraining"
    recurring = session.call(
        f"a recurring run of {args.pipeline_name!r}",
        lambda: session.client.create_recurring_run(
            job_name=name,
            cron_expression=args.cron,
            interval_second=args.interval_seconds,
            max_concurrency=1,
            no_catchup=True,
            **target,
        ),
    )
    print(f"scheduled {name}: recurring run {recurring.recurring_run_id}")
    return recurring.recurring_run_id


def runs_command(args):
    session = Session(args)
    client = session.client
    experiment_id = None
    if args.experiment:
        experiment_id = session.call(
            f"experiment {args.experiment!r}",
            lambda: client.get_experiment(
                experiment_name=args.experiment, namespace=session.namespace
            ),
        ).experiment_id
    response = session.call(
        "the runs",
        lambda: client.list_runs(
            page_size=args.limit,
            sort_by="created_at desc",
            experiment_id=experiment_id,
            namespace=session.namespace,
        ),
    )
    runs = response.runs or []
    for run in runs:
        print(
            f"{run.run_id}  {run.state or '-':10}  {run.created_at}  "
            f"{run.display_name}"
        )
    if not runs:
        print("no runs")
    return runs
