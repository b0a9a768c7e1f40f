"""Deployment defaults shared by the runners and the CLI (no heavy imports).

Images, the compiled pipeline's run-time parameters, and the Beam flag sets
of the data stages (ExampleGen, StatisticsGen, Transform, Evaluator).
"""

DEFAULT_CPU_IMAGE = "autokeras-tfx:cpu"
DEFAULT_GPU_IMAGE = "autokeras-tfx:gpu"

# Run-time parameters of the compiled Kubeflow pipeline.
DATA_ROOT_PARAMETER = "data_root"
MAX_TRIALS_PARAMETER = "max_trials"
TIME_LIMIT_PARAMETER = "time_limit_seconds"
SEED_PARAMETER = "seed"
# Epochs per trial of the search (the final model's epochs are compile-time:
# they sit in the Trainer's custom_config, one JSON string).
EPOCHS_PARAMETER = "epochs"
# 1: start the search from the latest earlier run's results; 0: cold.
WARM_START_PARAMETER = "warm_start"

# DirectRunner with one worker process per core (0: as many as the machine
# has): the default of the Kubeflow and Beam runners.
DIRECT_MULTI_PROCESS_ARGS = (
    "--runner=DirectRunner",
    "--direct_running_mode=multi_processing",
    "--direct_num_workers=0",
)

# Flag sets for data that outgrows one machine, by engine. `{name}` fields are
# filled by `beam_args`; the SDK workers run our CPU image (as a worker-pool
# sidecar next to Flink/Spark task managers, or as Dataflow's container).
BEAM_ENGINES = {
    "direct": DIRECT_MULTI_PROCESS_ARGS,
    "flink": (
        "--runner=FlinkRunner",
        "--flink_master={flink_master}",
        "--parallelism={parallelism}",
        "--environment_type=EXTERNAL",
        "--environment_config={worker_pool}",
    ),
    "spark": (
        "--runner=SparkRunner",
        "--spark_master_url={spark_master}",
        "--environment_type=EXTERNAL",
        "--environment_config={worker_pool}",
    ),
    "dataflow": (
        "--runner=DataflowRunner",
        "--project={project}",
        "--region={region}",
        "--temp_location={temp_location}",
        "--sdk_container_image={image}",
        "--experiments=use_runner_v2",
    ),
}


def beam_args(engine, **values):
    """The Beam flags of `engine` with its `{name}` fields filled in.

    Example: beam_args("flink", flink_master="flink-jobmanager:8081",
    parallelism=8, worker_pool="localhost:50000").
    """
    if engine not in BEAM_ENGINES:
        raise ValueError(
            f"Unknown Beam engine {engine!r}; choose one of "
            f"{sorted(BEAM_ENGINES)}."
        )
    filled = []
    for flag in BEAM_ENGINES[engine]:
        try:
            filled.append(flag.format(**values))
        except KeyError as missing:
            raise ValueError(
                f"The {engine} flag {flag!r} needs a value for {missing}; "
                f"pass {missing.args[0]}=... ."
            ) from None
    return filled
