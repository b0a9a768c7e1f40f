"""`autokeras-tfx kfp ...`: compile, upload, run and schedule on Kubeflow.

  autokeras-tfx kfp compile --label COLUMN --output pipeline.yaml [...]
  autokeras-tfx kfp upload --package pipeline.yaml --pipeline-name NAME
  autokeras-tfx kfp run --pipeline-name NAME --pipeline-root URI
                        [--data-root URI] [--max-trials N] [--time-limit S]
  autokeras-tfx kfp schedule --pipeline-name NAME --pipeline-root URI
                             (--cron "0 0 3 * * *" | --interval-seconds N)
  autokeras-tfx kfp runs [--experiment NAME]

Replaces TFX 1.21's broken `tfx pipeline create --engine kubeflow`. The
server calls go through `kfp.Client` (KFP v2beta1 REST API); credentials are
the ones kfp.Client takes: a bearer token, an IAP OAuth client id, or the
kube config (with no --endpoint). Server errors become one-line messages and
exit code 2.
"""

import sys

from pipelines import cli_args
from pipelines import deploy_config


def _key_values(value):
    pairs = {}
    for item in cli_args.comma_list(value):
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise ValueError(f"expected KEY=VALUE, received {item!r}")
        pairs[key] = val
    return pairs


def _add_connection_arguments(parser):
    parser.add_argument(
        "--endpoint",
        help="the KFP API, e.g. https://kubeflow.example.com/pipeline "
        "(default: $KF_PIPELINES_ENDPOINT, else found through the kube "
        "config)",
    )
    parser.add_argument(
        "--namespace",
        default="kubeflow",
        help="the Kubeflow profile namespace (multi-user)",
    )
    parser.add_argument("--token", help="a bearer token for the KFP API")
    parser.add_argument(
        "--iap-client-id", help="OAuth client id of an IAP-protected endpoint"
    )
    parser.add_argument(
        "--kube-context", help="kube config context (when no --endpoint)"
    )
    parser.add_argument("--ssl-ca-cert", help="CA bundle of the endpoint")


def _add_compile_arguments(parser):
    parser.add_argument(
        "--output",
        default="autokeras-tfx.yaml",
        help="the YAML file to write (must end in .yaml)",
    )
    # The model's flags are `run`'s, defined once in cli_args.
    cli_args.add_model_arguments(parser)
    parser.add_argument("--pipeline-name", default="autokeras-tfx")
    parser.add_argument(
        "--data-root",
        default="gs://BUCKET/data",
        help="default of the data_root run parameter",
    )
    parser.add_argument(
        "--serving-model-dir",
        default="gs://BUCKET/serving",
        help="where blessed models are pushed",
    )
    parser.add_argument(
        "--history-dir",
        help="where each run leaves its search and pushed model for the "
        "next (default: SERVING_MODEL_DIR-history); every pod must reach "
        "it: gs:// or a mounted volume, not minio:// or s3://",
    )
    parser.add_argument("--cpu-image", default=deploy_config.DEFAULT_CPU_IMAGE)
    parser.add_argument("--gpu-image", default=deploy_config.DEFAULT_GPU_IMAGE)
    parser.add_argument(
        "--gpu-count",
        type=int,
        default=1,
        help="GPUs of the tuner pod (0: tuner on CPU)",
    )
    parser.add_argument("--gpu-resource", default="nvidia.com/gpu")
    parser.add_argument("--trainer-on-gpu", action="store_true")
    parser.add_argument(
        "--cpu-limit",
        type=float,
        default=4,
        help="vCPUs of a GPU pod (request = limit)",
    )
    parser.add_argument(
        "--memory-limit-gib",
        type=float,
        default=16,
        help="memory of a GPU pod (request = limit)",
    )
    parser.add_argument(
        "--task-cpu-limit",
        type=float,
        default=2,
        help="vCPUs of every other pod (request = limit; "
        "the Beam stages' DirectRunner workers)",
    )
    parser.add_argument(
        "--task-memory-limit-gib",
        type=float,
        default=8,
        help="memory of every other pod (request = limit)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="retries of a failed task (backoff 60 s, doubling)",
    )
    parser.add_argument(
        "--retry-window-hours",
        type=float,
        default=72,
        help="no task retries later than this after its first attempt started",
    )
    parser.add_argument(
        "--tuner-retries",
        type=int,
        default=5,
        help="retries of the tuner, which resumes its "
        "search (backoff 120 s, doubling)",
    )
    parser.add_argument(
        "--node-selector",
        type=_key_values,
        default={},
        help="LABEL=VALUE,... a GPU pod's node must have",
    )
    parser.add_argument(
        "--toleration",
        type=_key_values,
        action="append",
        dest="tolerations",
        help="key=K,operator=Exists|Equal,value=V,effect=E (repeatable; "
        "default: tolerate the nvidia.com/gpu taint)",
    )
    parser.add_argument(
        "--beam-args",
        type=str.split,
        default=list(deploy_config.DIRECT_MULTI_PROCESS_ARGS),
        help="Beam args of the data stages, space-separated",
    )


def _add_run_arguments(parser):
    parser.add_argument("--pipeline-name", required=True)
    parser.add_argument(
        "--version-id", help="a pipeline version (default: the latest)"
    )
    parser.add_argument(
        "--pipeline-root",
        required=True,
        help="where the run writes artifacts, e.g. "
        "gs://BUCKET/root or minio://mlpipeline/v2/artifacts",
    )
    parser.add_argument("--experiment", default="autokeras-tfx")
    parser.add_argument("--run-name")
    parser.add_argument("--data-root")
    parser.add_argument("--max-trials", type=int)
    parser.add_argument(
        "--time-limit",
        type=int,
        help="seconds for the whole search (0: no limit)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help="the search's seed (default: the compiled one)",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        help="epochs per trial (default: the compiled one)",
    )
    parser.add_argument(
        "--no-warm-start",
        dest="warm_start",
        action="store_const",
        const=0,
        default=None,
        help="start this run's search cold, not from the latest results",
    )
    parser.add_argument("--service-account")


def add_parser(commands):
    """Adds `kfp` and its subcommands to the `autokeras-tfx` parser."""
    kfp = commands.add_parser(
        "kfp", help="compile, upload, run and schedule on Kubeflow Pipelines"
    )
    actions = kfp.add_subparsers(dest="kfp_command", required=True)
    _add_compile_arguments(
        actions.add_parser("compile", help="write the pipeline YAML for KFP 2")
    )
    upload = actions.add_parser("upload", help="upload a pipeline version")
    _add_connection_arguments(upload)
    upload.add_argument("--package", required=True, help="the compiled YAML")
    upload.add_argument("--pipeline-name", required=True)
    upload.add_argument(
        "--version", help="version name (default: file name and time)"
    )
    upload.add_argument("--description")
    run = actions.add_parser("run", help="start a run of an uploaded pipeline")
    _add_connection_arguments(run)
    _add_run_arguments(run)
    schedule = actions.add_parser(
        "schedule", help="create a recurring run (scheduled retraining)"
    )
    _add_connection_arguments(schedule)
    _add_run_arguments(schedule)
    when = schedule.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--cron",
        help='6 fields, seconds first: "0 0 3 * * *" is 03:00 every day',
    )
    when.add_argument("--interval-seconds", type=int)
    runs = actions.add_parser("runs", help="list recent runs")
    _add_connection_arguments(runs)
    runs.add_argument("--experiment", help="only this experiment's runs")
    runs.add_argument("--limit", type=int, default=20)


def compile_command(args):
    from pipelines import kubeflow_runner  # tfx: only when compiling

    settings = kubeflow_runner.ClusterSettings(
        cpu_image=args.cpu_image,
        gpu_image=args.gpu_image,
        gpu_resource=args.gpu_resource,
        gpu_count=args.gpu_count,
        trainer_on_gpu=args.trainer_on_gpu,
        cpu_limit=args.cpu_limit,
        memory_limit_gib=args.memory_limit_gib,
        task_cpu_limit=args.task_cpu_limit,
        task_memory_limit_gib=args.task_memory_limit_gib,
        retries=args.retries,
        tuner_retries=args.tuner_retries,
        retry_window_hours=args.retry_window_hours,
        node_selector=args.node_selector,
        **({"tolerations": args.tolerations} if args.tolerations else {}),
    )
    pipeline = kubeflow_runner.create_kubeflow_pipeline(
        pipeline_name=args.pipeline_name,
        data_root=args.data_root,
        transform_config=cli_args.transform_config(args),
        serving_model_dir=args.serving_model_dir,
        history_dir=args.history_dir,
        settings=settings,
        beam_pipeline_args=args.beam_args,
        **cli_args.pipeline_arguments(args),
    )
    path = kubeflow_runner.compile_pipeline(args.output, pipeline, settings)
    print(f"compiled {args.pipeline_name} to {path}")
    return path


def run(args):
    """Runs `autokeras-tfx kfp ...`; returns the exit code."""
    # Imported here: `autokeras-tfx run` should not pay for kfp.
    from pipelines import kfp_client

    try:
        if args.kfp_command == "compile":
            compile_command(args)
        else:
            getattr(kfp_client, args.kfp_command + "_command")(args)
    except (kfp_client.KfpError, ValueError) as error:
        print(f"autokeras-tfx kfp: error: {error}", file=sys.stderr)
        return 2
    return 0
