"""Bad input fails fast, with the file, column or value at fault named.

Each case goes through the real `autokeras-tfx run` entry point and checks
that nothing was run or pushed (the output directory is never created).
"""

import os

import pytest

from components import input_checks
from pipelines import cli


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return os.path.dirname(path)


def _run_cli(capsys, tmp_path, data_dir, label, *extra):
    output = tmp_path / "output"
    code = cli.main(
        ["run", "--data", data_dir, "--label", label, "--output", str(output),
         *extra]
    )
    error = capsys.readouterr().err
    assert code == 2
    assert not output.exists(), "a rejected input must not start a run"
    return error


def test_missing_label_column_names_the_columns(capsys, tmp_path):
    data = _write(str(tmp_path / "d" / "a.csv"), "x,y\n1,a\n2,b\n")
    error = _run_cli(capsys, tmp_path, data, "target")
    assert "Label column 'target' is not in" in error
    assert "a.csv" in error and "x, y" in error


def test_empty_csv_is_named(capsys, tmp_path):
    data = _write(str(tmp_path / "d" / "empty.csv"), "")
    error = _run_cli(capsys, tmp_path, data, "y")
    assert "empty.csv" in error and "is empty" in error


def test_header_only_csv_has_no_rows(capsys, tmp_path):
    data = _write(str(tmp_path / "d" / "h.csv"), "x,y\n")
    error = _run_cli(capsys, tmp_path, data, "y")
    assert "no data rows" in error


def test_single_class_label_is_rejected(capsys, tmp_path):
    data = _write(str(tmp_path / "d" / "a.csv"), "x,y\n1,yes\n2,yes\n3,\n")
    error = _run_cli(capsys, tmp_path, data, "y")
    assert "single class 'yes'" in error and "--task regression" in error


def test_directory_without_data(capsys, tmp_path):
    (tmp_path / "nothing").mkdir()
    error = _run_cli(capsys, tmp_path, str(tmp_path / "nothing"), "y")
    assert "holds no data files" in error


def test_missing_directory(capsys, tmp_path):
    error = _run_cli(capsys, tmp_path, str(tmp_path / "nope"), "y")
    assert "does not exist" in error


def test_non_numeric_regression_label_names_line_and_value(capsys, tmp_path):
    data = _write(str(tmp_path / "d" / "a.csv"), "x,y\n1,2.5\n2,lots\n")
    error = _run_cli(capsys, tmp_path, data, "y", "--task", "regression")
    assert "a.csv:3" in error and "'lots'" in error


def test_ragged_row_is_named(tmp_path):
    data = _write(str(tmp_path / "d" / "a.csv"), "x,y\n1,a\n2,b,extra\n")
    with pytest.raises(input_checks.InputError, match=r"a.csv:3 has 3 fields"):
        input_checks.check_csv_input(data, "y", "classification")


def test_files_with_different_headers(tmp_path):
    _write(str(tmp_path / "d" / "a.csv"), "x,y\n1,a\n")
    data = _write(str(tmp_path / "d" / "b.csv"), "x,z\n1,a\n")
    with pytest.raises(input_checks.InputError, match="same header"):
        input_checks.check_csv_input(data, "y", "classification")


def test_good_input_passes_and_returns_header(taxi_sample):
    header = input_checks.check_csv_input(
        taxi_sample, "payment_type", "classification"
    )
    assert "payment_type" in header and "tips" in header
