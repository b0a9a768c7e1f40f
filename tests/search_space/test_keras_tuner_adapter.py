"""The keras-tuner private API the adapter relies on is still there."""

import importlib
import inspect

import keras_tuner
import pytest

from search_space import keras_tuner_adapter
from search_space import oracle as oracle_lib


def test_installed_keras_tuner_is_the_tested_version():
    assert (
        keras_tuner.__version__
        == keras_tuner_adapter.TESTED_KERAS_TUNER_VERSION
    ), (
        f"keras-tuner {keras_tuner.__version__} is installed, but "
        "search_space/keras_tuner_adapter.py was written against "
        f"{keras_tuner_adapter.TESTED_KERAS_TUNER_VERSION}. Re-read every "
        "private hook the adapter uses (PRIVATE_NAMES, PRIVATE_MODULES and "
        "what each function calls) against the new version's source, fix "
        "the adapter where they changed, then bump "
        "TESTED_KERAS_TUNER_VERSION."
    )


@pytest.mark.parametrize(
    "owner,name",
    [
        (owner, name)
        for owner, names in keras_tuner_adapter.PRIVATE_NAMES.items()
        for name in names
    ],
)
def test_private_names_exist(owner, name):
    assert hasattr(owner, name), (
        f"keras-tuner's {owner.__name__} has no {name!r} any more: update "
        "search_space/keras_tuner_adapter.py"
    )


@pytest.mark.parametrize(
    "module_name,name",
    [
        (module_name, name)
        for module_name, names in keras_tuner_adapter.PRIVATE_MODULES.items()
        for name in names
    ],
)
def test_private_modules_have_the_names(module_name, name):
    module = importlib.import_module(module_name)
    assert hasattr(module, name), f"{module_name} has no {name!r} any more"


def test_servicer_registration_exists():
    from keras_tuner.src import protos

    assert hasattr(protos.get_service_grpc(), "add_OracleServicer_to_server")


def _parameters(function):
    return list(inspect.signature(function).parameters)


def test_private_methods_take_the_arguments_the_adapter_passes():
    oracle, tuner = keras_tuner.Oracle, keras_tuner.Tuner
    assert isinstance(inspect.getattr_static(oracle, "_project_dir"), property)
    assert _parameters(oracle._get_oracle_fname) == ["self"]
    assert _parameters(oracle._get_trial_dir) == ["self", "trial_id"]
    assert _parameters(tuner._get_checkpoint_fname) == ["self", "trial_id"]
    assert _parameters(tuner._configure_tensorboard_dir)[:3] == [
        "self",
        "callbacks",
        "trial",
    ]


def test_the_oracle_overrides_the_save_trial_hook():
    hook = keras_tuner_adapter.SAVE_TRIAL_HOOK
    assert _parameters(getattr(keras_tuner.Oracle, hook)) == ["self", "trial"]
    assert hook in vars(oracle_lib.HillClimbingOracle)
