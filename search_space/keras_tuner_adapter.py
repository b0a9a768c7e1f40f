"""Every use of keras-tuner's private API, in one place.

keras-tuner gives no public way to reach some of what the search needs:
where the oracle keeps its state and trial files, where the tuner writes a
trial's checkpoint, the per-trial TensorBoard set-up of its `run_trial`, the
hook that writes a trial's `trial.json`, and the gRPC servicer of its
distributed mode. This module is the only one that names them; the rest of
the project calls the small functions below. They were read against
`TESTED_KERAS_TUNER_VERSION` (the version requirements.lock pins), and
tests/search_space/test_keras_tuner_adapter.py fails when another version is
installed or when one of `PRIVATE_NAMES` is gone.

No TensorFlow or TFX import here: the engine runs on any Keras backend.
"""

import keras_tuner

TESTED_KERAS_TUNER_VERSION = "1.4.8"

# Private hooks that `HillClimbingOracle` overrides: keras-tuner calls them
# itself, so a rename would silently bypass our override.
SAVE_TRIAL_HOOK = "_save_trial"  # (self, trial): writes trial.json

# The private names this module (and the overrides above) rely on, by the
# keras-tuner class or module that must have them.
PRIVATE_NAMES = {
    keras_tuner.Oracle: (
        "_project_dir",
        "_get_oracle_fname",
        "_get_trial_dir",
        SAVE_TRIAL_HOOK,
    ),
    keras_tuner.Tuner: (
        "_configure_tensorboard_dir",
        "_get_checkpoint_fname",
    ),
}
# Private modules (imported on use) and the names read from them.
PRIVATE_MODULES = {
    "keras_tuner.src.protos": ("get_service_grpc",),
    "keras_tuner.src.distribute.oracle_chief": ("OracleServicer",),
}


def project_dir(oracle):
    """The oracle's project directory (the tuner's `project_dir`)."""
    return oracle._project_dir


def oracle_state_path(oracle):
    """The file the oracle's state is saved to (`oracle.json`)."""
    return oracle._get_oracle_fname()


def oracle_trial_dir(oracle, trial_id):
    """A trial's directory, as the oracle names it; created if missing."""
    return oracle._get_trial_dir(trial_id)


def checkpoint_path(tuner, trial_id):
    """Where the tuner writes (and reads) a trial's best-epoch weights."""
    return tuner._get_checkpoint_fname(trial_id)


def configure_tensorboard(tuner, callbacks, trial):
    """What keras-tuner's `run_trial` does to `callbacks` for `trial`: a
    `TensorBoard` callback gets a per-trial log directory and an HParams
    callback is appended (TensorFlow backend only; no-op on others)."""
    tuner._configure_tensorboard_dir(callbacks, trial)


def add_oracle_servicer(server, oracle):
    """Registers keras-tuner's gRPC `Oracle` service for `oracle` on a
    `grpc.Server`, the servicer its distributed mode's chief runs.

    Imported here, late, as keras-tuner does: its protobuf modules load
    only in parallel searches.
    """
    from keras_tuner.src import protos
    from keras_tuner.src.distribute import oracle_chief

    protos.get_service_grpc().add_OracleServicer_to_server(
        oracle_chief.OracleServicer(oracle), server
    )
