"""Each flag is defined once (`pipelines/cli_args.py`) and each AKT_*
variable read once (`pipelines/env_config.py`)."""

import ast
import pathlib
import re

import pytest

from components.util import feature_kinds
from pipelines import cli
from pipelines import cli_args
from pipelines import env_config

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = [
    "--label",
    "--task",
    "--categorical",
    "--text",
    "--exclude",
    "--max-trials",
    "--time-limit",
    "--epochs",
    "--seed",
    "--parallel-trials",
    "--no-warm-start",
    "--min-accuracy",
    "--max-mse",
    "--min-eval-rows",
    "--tflite",
    "--ensemble",
    "--final-fit",
    "--keep-checkpoints",
]


def _options(parser, *path):
    for name in path:
        [sub] = [
            a for a in parser._actions if a.dest in ("command", "kfp_command")
        ]
        parser = sub.choices[name]
    return {s: a for a in parser._actions for s in a.option_strings}


def test_run_and_kfp_compile_share_the_model_flags():
    parser = cli.build_parser()
    run = _options(parser, "run")
    compile_ = _options(parser, "kfp", "compile")
    for flag in SHARED:
        a, b = run[flag], compile_[flag]
        assert (a.dest, a.type, a.default, a.choices) == (
            b.dest,
            b.type,
            b.default,
            b.choices,
        ), flag
        # Only --label's help differs: `run` also reads image folders.
        assert flag == "--label" or a.help == b.help, flag
    assert compile_["--task"].type is cli_args.task_argument
    for task in feature_kinds.TASKS:
        assert cli_args.task_argument(task) == task
    args = parser.parse_args(
        [
            "kfp",
            "compile",
            "--label",
            "y",
            "--categorical",
            "a, b",
            "--no-warm-start",
        ]
    )
    assert args.categorical == ["a", "b"] and args.warm_start is False


def test_multi_task_labels_and_tasks_from_the_flags():
    parser = cli.build_parser()
    args = parser.parse_args(
        [
            "kfp",
            "compile",
            "--label",
            "species, weight,pulse",
            "--task",
            "weight=regression,species=classification",
        ]
    )
    config = cli_args.transform_config(args)
    # The first label first; a label --task does not name: classification
    # (kfp compile reads no data to infer from).
    assert config.label_tasks == (
        ("species", "classification"),
        ("weight", "regression"),
        ("pulse", "classification"),
    )
    assert config.is_multi_task and config.label_text == "species,weight,pulse"
    # A header name holding a comma is one label, not two.
    assert cli_args.label_columns("a,b", header=["a,b", "x"]) == ["a,b"]
    assert cli_args.label_columns("a,b", header=["a", "b"]) == ["a", "b"]


@pytest.mark.parametrize("value", ["classify", "a=b", "=regression", ","])
def test_a_bad_task_value_is_refused_with_the_accepted_forms(value, capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(
            ["kfp", "compile", "--label", "a", "--task", value]
        )
    error = capsys.readouterr().err
    assert "classification, regression" in error and "LABEL=TASK" in error


def test_task_of_a_label_not_given_to_label_is_an_error():
    with pytest.raises(ValueError, match="'weight'.*not a label"):
        feature_kinds.label_tasks_for(["species"], {"weight": "regression"})


def test_no_flag_is_defined_twice_in_the_source():
    # `kfp run|schedule` have their own --max-trials/--time-limit: run-time
    # parameters of a compiled pipeline (no default: the compiled one).
    sources = {
        "cli.py": (ROOT / "pipelines" / "cli.py").read_text(),
        "kfp compile": _function_source(
            ROOT / "pipelines" / "kfp_cli.py", "_add_compile_arguments"
        ),
        "cli_args.py": (ROOT / "pipelines" / "cli_args.py").read_text(),
    }
    for flag in SHARED:
        where = [
            name
            for name, source in sources.items()
            if re.search(rf"add_argument\(\s*\"{flag}\"", source)
        ]
        assert where == ["cli_args.py"], (flag, where)


def _function_source(path, name):
    source = path.read_text()
    [node] = [
        n
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.FunctionDef) and n.name == name
    ]
    return ast.get_source_segment(source, node)


def test_only_env_config_reads_akt_variables():
    readers = sorted(
        str(path.relative_to(ROOT))
        for package in ("components", "pipelines", "search_space")
        for path in (ROOT / package).rglob("*.py")
        # A variable's name as a string literal: a read (or a default).
        if re.search(r"[\"']AKT_[A-Z_]+[\"']", path.read_text())
    )
    assert readers == ["pipelines/env_config.py"]


def test_env_config_reads_the_documented_variables(monkeypatch):
    monkeypatch.setenv("AKT_LABEL", "tips")
    monkeypatch.setenv("AKT_TASK", "regression")
    monkeypatch.setenv("AKT_CATEGORICAL", "a,b")
    monkeypatch.setenv("AKT_MAX_TRIALS", "4")
    monkeypatch.setenv("AKT_EPOCHS", "2")
    monkeypatch.setenv("AKT_BEAM_ARGS", "--runner=DirectRunner --x=1")
    monkeypatch.setenv("AKT_NODE_SELECTOR", "pool=gpu")
    monkeypatch.setenv("AKT_GPU_COUNT", "2")
    config = env_config.transform_config()
    assert (config.label, config.task) == ("tips", "regression")
    assert list(config.categorical_features) == ["a", "b"]
    assert env_config.search_args() == {
        "max_trials": 4,
        "time_limit_seconds": 0,
        "tuner_epochs": 2,
        "trainer_epochs": 2,
    }
    assert env_config.beam_args(()) == ["--runner=DirectRunner", "--x=1"]
    overrides = env_config.cluster_overrides()
    assert overrides["node_selector"] == {"pool": "gpu"}
    assert overrides["gpu_count"] == 2 and "cpu_image" not in overrides
    monkeypatch.delenv("AKT_BEAM_ARGS")
    assert env_config.beam_args(("--a",)) == ["--a"]
