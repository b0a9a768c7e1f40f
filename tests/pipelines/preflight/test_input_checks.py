"""Bad input fails fast, with the file, column or value at fault named.

Cases that the CLI checks go through the real `autokeras-tfx run` entry
point and check that nothing was run or pushed (the output directory is
never created); the rest call the checks directly. This file covers the
files, the header and the rows; test_input_checks_values.py the label,
the feature-kind flags and the column values; test_input_checks_run.py the
run arguments, the output directory and TFRecord input;
test_input_checks_real_data.py real datasets that must pass.
"""

import gzip
import os

import pytest

from pipelines import cli
from pipelines.preflight import input_checks


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return os.path.dirname(path)


def _run_cli(capsys, tmp_path, data_dir, label, *extra):
    output = tmp_path / "output"
    code = cli.main(
        [
            "run",
            "--data",
            data_dir,
            "--label",
            label,
            "--output",
            str(output),
            *extra,
        ]
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
    report = input_checks.check_csv_input(
        taxi_sample, "payment_type", "classification"
    )
    assert "payment_type" in report.header and "tips" in report.header


def _data(tmp_path, content, name="a.csv"):
    """A data directory holding one file of `content` (str or bytes)."""
    path = tmp_path / "d" / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path.parent)


def _refused(data, match, label="y", task="classification", **flags):
    with pytest.raises(input_checks.InputError, match=match) as info:
        input_checks.check_csv_input(data, label, task, **flags)
    return str(info.value)


GOOD = "x,y\n1,a\n2,b\n3,a\n"

# --- files ---------------------------------------------------------------


def test_data_path_that_is_a_file(capsys, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(GOOD)
    error = _run_cli(capsys, tmp_path, str(path), "y")
    assert "data.csv" in error and "not a directory" in error


def test_subdirectory_in_the_data_directory(tmp_path):
    data = _data(tmp_path, GOOD)
    os.mkdir(os.path.join(data, "old"))
    error = _refused(data, "subdirectory 'old'")
    assert "move it out" in error


def test_gzip_csv_is_read(tmp_path):
    data = _data(tmp_path, gzip.compress(GOOD.encode()), name="a.csv.gz")
    report = input_checks.check_csv_input(data, "y", "classification")
    assert report.header == ["x", "y"] and report.rows == 3
    assert report.files == [os.path.join(data, "a.csv.gz")]


def test_gzip_bytes_without_gz_name(tmp_path):
    data = _data(tmp_path, gzip.compress(GOOD.encode()), name="a.csv")
    error = _refused(data, "gzip-compressed but its name does not end")
    assert "a.csv" in error and "rename it" in error


def test_gz_name_without_gzip_bytes(tmp_path):
    data = _data(tmp_path, GOOD, name="a.csv.gz")
    _refused(data, "ends in .gz but is not gzip-compressed")


def _tfrecord_bytes(payloads):
    """TFRecord framing written by hand (test_input_checks_run.py checks
    the same framing against TensorFlow's writer)."""
    import struct

    from pipelines.preflight.input_files import masked_crc32c

    out = b""
    for payload in payloads:
        length = struct.pack("<Q", len(payload))
        out += length + struct.pack("<I", masked_crc32c(length))
        out += payload + struct.pack("<I", masked_crc32c(payload))
    return out


def test_csv_mixed_with_tfrecord_names_both(capsys, tmp_path):
    data = _data(tmp_path, GOOD, name="a.csv")
    _data(tmp_path, _tfrecord_bytes([b"example"]), name="b.tfrecord")
    error = _run_cli(capsys, tmp_path, data, "y")
    assert "mixes CSV files" in error
    assert "a.csv" in error and "b.tfrecord" in error


def test_only_tfrecord_files_in_csv_mode(tmp_path):
    data = _data(tmp_path, _tfrecord_bytes([b"e1", b"e2"]), name="b.data")
    _refused(data, "holds TFRecord files .* pass --input-format tfrecord")


@pytest.mark.parametrize(
    "content, what",
    [
        (b"x,y\n1,\x00\x01\x02\n", "NUL bytes"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel .xlsx"),
        (b"PAR1\x15\x04", "Parquet"),
        ("x,y\n1,a\n".encode("utf-16"), "UTF-16"),
    ],
    ids=["nul-bytes", "xlsx", "parquet", "utf-16"],
)
def test_file_that_is_not_csv_text(capsys, tmp_path, content, what):
    data = _data(tmp_path, content, name="blob.csv")
    error = _run_cli(capsys, tmp_path, data, "y")
    assert "blob.csv" in error and "not a CSV text file" in error
    assert what in error


def test_file_that_is_not_utf8(tmp_path):
    data = _data(tmp_path, "x,y\n1,caf\xe9\n2,b\n".encode("latin-1"))
    error = _refused(data, "is not UTF-8 text")
    assert "a.csv" in error and "save it as UTF-8" in error


def test_hidden_files_are_read_like_any_other(tmp_path):
    # ExampleGen's `*` pattern matches hidden files too.
    data = _data(tmp_path, GOOD)
    _data(tmp_path, b"\x00\x00\x00\x01Bud1\x00", name=".DS_Store")
    _refused(data, r"\.DS_Store' is not a CSV text file")


def test_whitespace_only_file_is_empty(tmp_path):
    _refused(_data(tmp_path, "\n \n\r\n"), "a.csv' is empty")


# --- header --------------------------------------------------------------


def test_byte_order_mark_is_stripped(tmp_path):
    data = _data(tmp_path, "\ufeffx,y\n1,a\n2,b\n")
    report = input_checks.check_csv_input(data, "y", "classification")
    assert report.header == ["x", "y"]
    report = input_checks.check_csv_input(data, "x", "regression")
    assert report.header[0] == "x"


def test_surrounding_spaces_in_names_are_stripped(tmp_path):
    data = _data(tmp_path, " x , y \n1,a\n2,b\n")
    report = input_checks.check_csv_input(data, "y", "classification")
    assert report.header == ["x", "y"]


def test_duplicate_column_names(capsys, tmp_path):
    data = _data(tmp_path, "x,y,x,z,z\n1,a,2,3,4\n2,b,3,4,5\n")
    error = _run_cli(capsys, tmp_path, data, "y")
    assert "names 'x', 'z' more than once" in error and "a.csv" in error


@pytest.mark.parametrize(
    "header, position", [("x,,y", "Column 2 of 3"), ("x,y,", "Column 3 of 3")]
)
def test_empty_column_name_names_its_position(tmp_path, header, position):
    data = _data(tmp_path, header + "\n1,2,a\n2,3,b\n")
    error = _refused(data, position)
    assert "has no name" in error


@pytest.mark.parametrize(
    "delimiter, name", [(";", "semicolon"), ("\t", "tab")]
)
def test_other_delimiters_are_detected(capsys, tmp_path, delimiter, name):
    text = f"x{delimiter}y\n1{delimiter}a\n2,5{delimiter}b\n"
    data = _data(tmp_path, text)
    error = _run_cli(capsys, tmp_path, data, "y")
    assert f"looks {name}-delimited" in error
    assert "reads comma-separated files: convert it" in error


def test_unusual_header_names_are_accepted(tmp_path):
    names = ["first col", "a.b", "x-y", "größe", "2nd", "ünï côdé", "y"]
    rows = ["1,2,3,4,5,6,a", "2,3,4,5,6,7,b"]
    data = _data(tmp_path, ",".join(names) + "\n" + "\n".join(rows) + "\n")
    report = input_checks.check_csv_input(data, "y", "classification")
    assert report.header == names


def test_blank_first_line(tmp_path):
    _refused(_data(tmp_path, "\nx,y\n1,a\n2,b\n"), "a.csv:1 is blank")


# --- rows ----------------------------------------------------------------


def test_quoted_newlines_commas_and_quotes_are_accepted(tmp_path):
    text = 'x,y\n"one\nline, two",a\n"say ""hi""",b\n"3\n\n4",a\n'
    report = input_checks.check_csv_input(
        _data(tmp_path, text), "y", "classification"
    )
    assert report.rows == 3


def test_line_numbers_count_quoted_newlines(tmp_path):
    data = _data(tmp_path, 'x,y\n"a\nb\nc",a\n1,b,extra\n')
    _refused(data, r"a.csv:5 has 3 fields")


def test_crlf_line_ends_are_accepted(tmp_path):
    data = _data(tmp_path, b'x,y\r\n1,a\r\n"2\r\nz",b\r\n3,a\r\n')
    report = input_checks.check_csv_input(data, "y", "classification")
    assert report.header == ["x", "y"] and report.rows == 3


def test_blank_lines_are_skipped(tmp_path):
    data = _data(tmp_path, "x,y\n\n1,a\n\n\n2,b\n\n")
    report = input_checks.check_csv_input(data, "y", "classification")
    assert report.rows == 2


def test_unterminated_quote_names_the_line(tmp_path):
    data = _data(tmp_path, 'x,y\n1,a\n"2,b\n3,a\n4,b\n')
    error = _refused(data, r"a.csv:3: the record starting on this line")
    assert "broken quoting" in error


def test_text_after_a_closing_quote(tmp_path):
    _refused(_data(tmp_path, 'x,y\n1,a\n"2"5,b\n'), r"a.csv:3: .* quoting")


def test_bzip2_csv_is_read_and_zstd_is_refused(tmp_path):
    import bz2

    data = _data(tmp_path, bz2.compress(GOOD.encode()), name="a.csv.bz2")
    assert input_checks.check_csv_input(data, "y", "classification").rows == 3
    os.remove(os.path.join(data, "a.csv.bz2"))
    _data(tmp_path, b"(\xb5/\xfd rest", name="a.csv.zst")
    _refused(data, "is .zst-compressed, which the input check cannot read")


def test_truncated_gzip_file_names_the_line(tmp_path):
    lines = "".join(f"{i},{i * 7919 % 10007}-{i % 13}\n" for i in range(40000))
    packed = gzip.compress(("x,y\n" + lines).encode())
    data = _data(tmp_path, packed[: len(packed) * 3 // 4], name="a.csv.gz")
    _refused(data, r"a.csv.gz cannot be read after line \d+ .*intact copy")


def test_rows_of_several_files_are_summed(tmp_path):
    _data(tmp_path, "x,y\n1,a\n2,\n", name="part-1.csv")
    data = _data(tmp_path, "\ufeffx,y\n3,b\n", name="part-2.csv")
    report = input_checks.check_csv_input(data, "y", "classification")
    assert report.rows == 3 and report.missing_label_rows == 1
    assert [os.path.basename(p) for p in report.files] == [
        "part-1.csv",
        "part-2.csv",
    ]


def test_field_longer_than_the_csv_module_reads(tmp_path):
    data = _data(tmp_path, "x,y\n1,a\n" + "2," + "b" * 200_000 + "\n")
    _refused(data, r"a.csv:3: a field .* longer than 131072 characters")


def test_a_stray_control_byte_in_a_text_field_is_text(tmp_path):
    data = _data(tmp_path, "x,y\n1,a\x07b\n2,b\n" + "3,c\n" * 100)
    assert input_checks.check_csv_input(data, "y", "classification").rows
