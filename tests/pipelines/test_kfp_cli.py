"""`autokeras-tfx kfp compile|upload|run|schedule|runs` against a fake KFP.

The server in `fake_kfp_server` is NOT a cluster: it stands in for one by
speaking the KFP v2beta1 REST calls kfp.Client 2.17 makes, so these tests
prove what our CLI sends (and how it reports the server's errors), not that
a real Kubeflow runs the pipeline. It refuses a run or recurring run as the
real API server would, through the server's own Go code (kfp-argo-compile):
the tests that create one need that binary (`checker`).
"""

import copy

import kfp
import pytest
import yaml

from pipelines import cli
from tests.helpers import fake_kfp_server


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    path = tmp_path_factory.mktemp("kfp-cli") / "taxi.yaml"
    code = cli.main(
        [
            "kfp",
            "compile",
            "--label",
            "payment_type",
            "--output",
            str(path),
            "--pipeline-name",
            "taxi-automl",
            "--data-root",
            "gs://b/data",
            "--gpu-image",
            "registry.example/akt:gpu",
            "--node-selector",
            "cloud.google.com/gke-accelerator=nvidia-l4",
            "--toleration",
            "key=gpu,operator=Equal,value=yes,effect=NoSchedule",
        ]
    )
    assert code == 0
    return str(path)


@pytest.fixture
def server(monkeypatch, tmp_path):
    # kfp.Client keeps a context file under ~/.config: keep it in tmp.
    monkeypatch.setattr(
        kfp.Client, "_LOCAL_KFP_CONTEXT", str(tmp_path / "kfp-context.json")
    )
    state = fake_kfp_server.State(token="secret")
    httpd, endpoint = fake_kfp_server.serve(state)
    yield state, endpoint
    httpd.shutdown()


@pytest.fixture
def checker():
    fake_kfp_server.require_checker()


def kfp_cli(endpoint, *args, token="secret"):
    argv = ["kfp", args[0], "--endpoint", endpoint, *args[1:]]
    if token:
        argv += ["--token", token]
    return cli.main(argv)


def test_compile_writes_the_options(package):
    spec, platform = yaml.safe_load_all(open(package))
    assert spec["pipelineInfo"]["name"] == "taxi-automl"
    [config] = platform["platforms"]["kubernetes"]["deploymentSpec"][
        "executors"
    ].values()
    assert config["tolerations"] == [
        {
            "key": "gpu",
            "operator": "Equal",
            "value": "yes",
            "effect": "NoSchedule",
        }
    ]


def test_upload_then_new_version(server, package, capsys):
    state, endpoint = server
    assert (
        kfp_cli(
            endpoint,
            "upload",
            "--package",
            package,
            "--pipeline-name",
            "taxi-automl",
        )
        == 0
    )
    [pipeline] = state.pipelines.values()
    assert pipeline["display_name"] == "taxi-automl"
    assert (
        kfp_cli(
            endpoint,
            "upload",
            "--package",
            package,
            "--pipeline-name",
            "taxi-automl",
            "--version",
            "v2",
        )
        == 0
    )
    versions = state.versions[pipeline["pipeline_id"]]
    assert [v["display_name"] for v in versions] == ["taxi-automl", "v2"]
    # The server received the compiled spec, GPU image included.
    assert "registry.example/akt:gpu" in str(versions[1]["pipeline_spec"])
    assert "uploaded version v2" in capsys.readouterr().out


@pytest.mark.usefixtures("checker")
def test_run_with_parameters_on_the_latest_version(server, package):
    state, endpoint = server
    kfp_cli(
        endpoint,
        "upload",
        "--package",
        package,
        "--pipeline-name",
        "taxi-automl",
    )
    kfp_cli(
        endpoint,
        "upload",
        "--package",
        package,
        "--pipeline-name",
        "taxi-automl",
        "--version",
        "v2",
    )
    assert (
        kfp_cli(
            endpoint,
            "run",
            "--pipeline-name",
            "taxi-automl",
            "--pipeline-root",
            "gs://b/root",
            "--data-root",
            "gs://b/day-2",
            "--max-trials",
            "3",
            "--time-limit",
            "600",
            "--seed",
            "7",
            "--epochs",
            "4",
            "--no-warm-start",
            "--run-name",
            "nightly",
        )
        == 0
    )
    [run] = state.runs
    latest = state.versions[run["pipeline_version_reference"]["pipeline_id"]][
        -1
    ]
    assert (
        run["pipeline_version_reference"]["pipeline_version_id"]
        == (latest["pipeline_version_id"])
    )
    assert run["display_name"] == "nightly"
    assert run["runtime_config"] == {
        "pipeline_root": "gs://b/root",
        "parameters": {
            "data_root": "gs://b/day-2",
            "max_trials": 3,
            "time_limit_seconds": 600,
            "seed": 7,
            "epochs": 4,
            "warm_start": 0,
        },
    }
    [experiment] = state.experiments.values()
    assert run["experiment_id"] == experiment["experiment_id"]


@pytest.mark.usefixtures("checker")
def test_schedule_is_one_at_a_time_without_catch_up(server, package):
    state, endpoint = server
    kfp_cli(
        endpoint,
        "upload",
        "--package",
        package,
        "--pipeline-name",
        "taxi-automl",
    )
    assert (
        kfp_cli(
            endpoint,
            "schedule",
            "--pipeline-name",
            "taxi-automl",
            "--pipeline-root",
            "gs://b/root",
            "--cron",
            "0 0 3 * * *",
            "--max-trials",
            "5",
        )
        == 0
    )
    assert (
        kfp_cli(
            endpoint,
            "schedule",
            "--pipeline-name",
            "taxi-automl",
            "--pipeline-root",
            "gs://b/root",
            "--interval-seconds",
            "86400",
            "--run-name",
            "daily",
        )
        == 0
    )
    cron, interval = state.recurring_runs
    assert cron["trigger"] == {"cron_schedule": {"cron": "0 0 3 * * *"}}
    assert cron["max_concurrency"] == 1 and cron["no_catchup"] is True
    assert cron["mode"] == "ENABLE"
    assert cron["runtime_config"]["parameters"] == {"max_trials": 5}
    assert interval["trigger"] == {
        "periodic_schedule": {"interval_second": 86400}
    }


@pytest.mark.usefixtures("checker")
def test_runs_lists_newest_first(server, package, capsys):
    state, endpoint = server
    kfp_cli(
        endpoint,
        "upload",
        "--package",
        package,
        "--pipeline-name",
        "taxi-automl",
    )
    for name in ("first", "second"):
        kfp_cli(
            endpoint,
            "run",
            "--pipeline-name",
            "taxi-automl",
            "--pipeline-root",
            "gs://b/root",
            "--run-name",
            name,
        )
    capsys.readouterr()
    assert kfp_cli(endpoint, "runs", "--experiment", "autokeras-tfx") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[-1] for line in lines] == ["second", "first"]
    assert all("PENDING" in line for line in lines)


def test_bad_token_is_a_clear_error(server, package, capsys):
    _, endpoint = server
    code = kfp_cli(
        endpoint,
        "upload",
        "--package",
        package,
        "--pipeline-name",
        "x",
        token="wrong",
    )
    assert code == 2
    error = capsys.readouterr().err
    assert "rejected the credentials (HTTP 401" in error
    assert "--token" in error and endpoint in error


def test_forbidden_namespace_is_a_clear_error(server, package, capsys):
    state, endpoint = server
    state.forbidden_namespaces.add("team-a")
    kfp_cli(
        endpoint,
        "upload",
        "--package",
        package,
        "--pipeline-name",
        "taxi-automl",
    )
    code = kfp_cli(
        endpoint,
        "run",
        "--pipeline-name",
        "taxi-automl",
        "--pipeline-root",
        "gs://b/root",
        "--namespace",
        "team-a",
    )
    assert code == 2
    error = capsys.readouterr().err
    assert "HTTP 403" in error and "--namespace" in error


def test_unknown_pipeline_and_version(server, capsys):
    _, endpoint = server
    code = kfp_cli(
        endpoint,
        "run",
        "--pipeline-name",
        "nope",
        "--pipeline-root",
        "gs://b/root",
    )
    assert code == 2
    assert "no pipeline named 'nope'" in capsys.readouterr().err
    state, _ = server
    state.pipelines["pipeline-9"] = {
        "pipeline_id": "pipeline-9",
        "display_name": "nope",
    }
    state.versions["pipeline-9"] = []
    code = kfp_cli(
        endpoint,
        "run",
        "--pipeline-name",
        "nope",
        "--version-id",
        "version-404",
        "--pipeline-root",
        "gs://b/root",
    )
    assert code == 2
    assert "HTTP 404: Pipeline version version-404 not found" in (
        capsys.readouterr().err
    )


def test_bad_spec_is_rejected_with_the_servers_reason(
    server, tmp_path, capsys
):
    _, endpoint = server
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipelineInfo: {name: x}\nnotAField: 1\n")
    code = kfp_cli(
        endpoint, "upload", "--package", str(bad), "--pipeline-name", "bad"
    )
    assert code == 2
    error = capsys.readouterr().err
    assert "rejected pipeline package" in error and "HTTP 400" in error
    assert "notAField" in error


def test_unreachable_endpoint_and_local_mistakes(
    package, capsys, tmp_path, monkeypatch
):
    monkeypatch.setattr(
        kfp.Client, "_LOCAL_KFP_CONTEXT", str(tmp_path / "kfp-context.json")
    )
    code = kfp_cli("http://127.0.0.1:9", "runs")
    assert code == 2
    assert "cannot reach the KFP API at 'http://127.0.0.1:9'" in (
        capsys.readouterr().err
    )
    code = kfp_cli(
        "http://127.0.0.1:9",
        "upload",
        "--package",
        str(tmp_path / "missing.yaml"),
        "--pipeline-name",
        "x",
    )
    assert code == 2
    assert "no pipeline package at" in capsys.readouterr().err
    code = kfp_cli(
        "http://127.0.0.1:9",
        "schedule",
        "--pipeline-name",
        "x",
        "--pipeline-root",
        "r",
        "--cron",
        "0 3 * * *",
    )
    assert code == 2
    assert "KFP's cron has 6, seconds first" in capsys.readouterr().err


@pytest.mark.usefixtures("checker")
def test_a_spec_the_server_cannot_compile_uploads_but_cannot_run(
    server, package, tmp_path, capsys
):
    """A resolver executor (what TFX writes for a Resolver node) parses as
    a PipelineSpec, so the upload succeeds; KFP compiles a pipeline to Argo
    only when a run or recurring run is created, and refuses both."""
    state, endpoint = server
    spec, platform = yaml.safe_load_all(open(package))
    spec = copy.deepcopy(spec)
    spec["deploymentSpec"]["executors"]["latest_model_resolver_executor"] = {
        "resolver": {
            "outputArtifactQueries": {
                "model": {"filter": 'schema_title="tfx.Model" AND state=LIVE'}
            }
        }
    }
    spec["components"]["latest_model_resolver"] = {
        "executorLabel": "latest_model_resolver_executor"
    }
    spec["root"]["dag"]["tasks"]["latest_model_resolver"] = {
        "componentRef": {"name": "latest_model_resolver"},
        "taskInfo": {"name": "latest_model_resolver"},
    }
    resolver = tmp_path / "resolver.yaml"
    resolver.write_text(yaml.safe_dump_all([spec, platform]))
    assert (
        kfp_cli(
            endpoint,
            "upload",
            "--package",
            str(resolver),
            "--pipeline-name",
            "taxi-automl",
        )
        == 0
    )
    capsys.readouterr()
    refused = "non-container and non-importer executor not implemented"
    code = kfp_cli(
        endpoint,
        "run",
        "--pipeline-name",
        "taxi-automl",
        "--pipeline-root",
        "gs://b/root",
    )
    assert code == 2
    error = capsys.readouterr().err
    assert "HTTP 500: Internal error: " in error and refused in error
    assert 'executor(label="latest_model_resolver_executor")' in error
    code = kfp_cli(
        endpoint,
        "schedule",
        "--pipeline-name",
        "taxi-automl",
        "--pipeline-root",
        "gs://b/root",
        "--cron",
        "0 0 3 * * *",
    )
    assert code == 2
    error = capsys.readouterr().err
    assert "HTTP 500: Internal error: " in error and refused in error
    assert state.runs == [] and state.recurring_runs == []


def test_without_the_checker_runs_are_refused_not_waved_through(
    server, package, monkeypatch, capsys
):
    state, endpoint = server
    monkeypatch.delenv(fake_kfp_server.CHECKER_ENV, raising=False)
    kfp_cli(
        endpoint,
        "upload",
        "--package",
        package,
        "--pipeline-name",
        "taxi-automl",
    )
    code = kfp_cli(
        endpoint,
        "run",
        "--pipeline-name",
        "taxi-automl",
        "--pipeline-root",
        "gs://b/root",
    )
    assert code == 2
    assert "cannot check this run as the API server would" in (
        capsys.readouterr().err
    )
    assert state.runs == []
