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

# DirectRunner with one worker process per core (0: as many as the machine
# has): the default of the Kubeflow and Beam runners.
DIRECT_MULTI_PROCESS_ARGS = (
    "--runner=DirectRunner",
    "--direct_running_mode=multi_processing",
    "--direct_num_workers=0",
)
