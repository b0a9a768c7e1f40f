"""Names that cannot escape (issue 26, point 7).

`--pipeline-name` is refused before anything is written when it would
lead outside `--output` (`../x`, `a/b`, an absolute path, a link) or is
no name at all (empty, `.`, NUL, newline); the output's parent stays as it
was, and no directory is created for such a name.
"""

import os

import pytest

from pipelines import cli
from pipelines.preflight import input_files
from pipelines.preflight import run_checks

BAD_NAMES = [
    "../x",
    "../../x",
    "a/b",
    "a\\b",
    "",
    " ",
    ".",
    "..",
    "a\0b",
    "a\nb",
    "a\x1b[31mb",
    "x" * 256,
]


def _tree(root):
    """Every path under `root`, relative to it."""
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, dirs, files in os.walk(root)
        for name in dirs + files
    )


def _data(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    lines = ["size,label"] + [f"{i},{'ab'[i % 2]}" for i in range(40)]
    (data / "t.csv").write_text("\n".join(lines) + "\n")
    return data


@pytest.mark.parametrize("name", BAD_NAMES + ["ABSOLUTE"])
def test_bad_names_are_refused_before_anything_is_written(
    name, tmp_path, capsys
):
    data = _data(tmp_path)
    parent = tmp_path / "parent"
    parent.mkdir()
    output = parent / "out"
    if name == "ABSOLUTE":
        name = str(tmp_path / "elsewhere")
    before = _tree(tmp_path)
    code = cli.main(
        [
            "run",
            "--data",
            str(data),
            "--label",
            "label",
            "--output",
            str(output),
            "--pipeline-name",
            name,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("autokeras-tfx: error: --pipeline-name ")
    assert "pass a plain name" in err
    # Nothing created: not --output, not its parent's siblings, nothing
    # anywhere under the test's directory (an absolute name points there).
    assert _tree(tmp_path) == before
    assert not output.exists()


def test_traversal_into_an_existing_output_leaves_its_parent_untouched(
    tmp_path,
):
    """An earlier output directory: `../x` must not write identity.json,
    a log or a marker beside it."""
    output = tmp_path / "out"
    output.mkdir()
    (output / run_checks.OUTPUT_MARKER).touch()
    before = _tree(tmp_path)
    for name in ("../x", str(tmp_path / "abs")):
        with pytest.raises(input_files.InputError, match="--pipeline-name"):
            run_checks.pipeline_dir(str(output), name)
    assert _tree(tmp_path) == before


def test_the_runner_refuses_bad_names_itself(tmp_path):
    """The `tfx` CLI path (AKT_PIPELINE_NAME) goes through local_runner,
    not the CLI's checks: it refuses the same names before any mkdir."""
    from pipelines import local_runner

    output = tmp_path / "out"
    for name in ("../x", "a/b", str(tmp_path / "abs"), ""):
        with pytest.raises(ValueError, match="--pipeline-name"):
            local_runner.claim_pipeline_dir(str(output), name, {})
        with pytest.raises(ValueError, match="--pipeline-name"):
            local_runner.local_paths(str(output), name)
    assert _tree(tmp_path) == []


def test_a_link_named_like_the_pipeline_is_refused(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (output / "p").symlink_to(outside)
    with pytest.raises(input_files.InputError, match="leads outside"):
        run_checks.pipeline_dir(str(output), "p")
    assert list(outside.iterdir()) == []


def test_plain_names_are_accepted():
    for name in ("taxi-automl", "label-classification-1a2b3c4d", "v1.2_x"):
        run_checks.check_pipeline_name(name)
    assert run_checks.pipeline_dir("/tmp/o", "taxi") == "/tmp/o/taxi"
