"""Run arguments, the output directory and TFRecord input, checked before
anything runs."""

import gzip
import os
import struct

import pytest

from pipelines import cli
from pipelines.preflight import input_checks
from pipelines.preflight.input_files import masked_crc32c

InputError = input_checks.InputError

# --- run arguments -------------------------------------------------------


@pytest.mark.parametrize(
    "max_trials, epochs, time_limit, match",
    [
        (0, 10, 0, "--max-trials must be at least 1; received 0"),
        (-3, 10, 0, "--max-trials must be at least 1; received -3"),
        (10, 0, 0, "--epochs must be at least 1; received 0"),
        (10, 5, -1, "--time-limit -1 is too short"),
        (
            10,
            5,
            10,
            "--time-limit 10 is too short: one trial needs at "
            "least 30 seconds",
        ),
    ],
    ids=[
        "max-trials-0",
        "max-trials-neg",
        "epochs-0",
        "time-limit-neg",
        "time-limit-10",
    ],
)
def test_bad_run_arguments(max_trials, epochs, time_limit, match):
    with pytest.raises(InputError, match=match):
        input_checks.check_run_arguments(max_trials, epochs, time_limit)


@pytest.mark.parametrize("time_limit", [0, 30, 3600])
def test_good_run_arguments(time_limit):
    assert input_checks.MIN_TIME_LIMIT_SECONDS == 30
    input_checks.check_run_arguments(1, 1, time_limit)


# --- output directory ----------------------------------------------------


def test_output_that_is_a_file(tmp_path):
    path = tmp_path / "out"
    path.write_text("x")
    with pytest.raises(InputError, match="is a file, not a directory"):
        input_checks.check_output_dir(str(path))


def test_output_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "some_file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot be created: .*some_file"):
        input_checks.check_output_dir(str(blocker / "deeper" / "out"))


def test_output_that_is_not_writable(tmp_path, monkeypatch):
    # Root writes through chmod 0o555, so the permission answer is faked.
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(InputError, match="'.*out' is not writable"):
        input_checks.check_output_dir(str(out))
    with pytest.raises(
        InputError, match="cannot be created: .* is not writable"
    ):
        input_checks.check_output_dir(str(out / "new"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_output_in_a_read_only_directory(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(InputError, match="not writable"):
            input_checks.check_output_dir(str(out))
    finally:
        out.chmod(0o755)


def test_foreign_non_empty_output_directory(tmp_path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("x")
    with pytest.raises(
        InputError,
        match="is not an autokeras-tfx output "
        "directory .*pass an empty or new --output",
    ):
        input_checks.check_output_dir(str(out))


def test_acceptable_output_directories(tmp_path):
    input_checks.check_output_dir(str(tmp_path / "new" / "deeper"))
    empty = tmp_path / "empty"
    empty.mkdir()
    input_checks.check_output_dir(str(empty))
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / input_checks.OUTPUT_MARKER).write_text("")
    (ours / "metadata.sqlite").write_text("")
    input_checks.check_output_dir(str(ours))
    legacy = tmp_path / "legacy"  # written before the marker existed
    (legacy / "pipeline_root").mkdir(parents=True)
    (legacy / "metadata.sqlite").write_text("")
    input_checks.check_output_dir(str(legacy))


# --- TFRecord input ------------------------------------------------------


def _framed(payloads):
    out = b""
    for payload in payloads:
        length = struct.pack("<Q", len(payload))
        out += length + struct.pack("<I", masked_crc32c(length))
        out += payload + struct.pack("<I", masked_crc32c(payload))
    return out


def _data(tmp_path, content, name):
    path = tmp_path / "d" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return str(path.parent)


def test_tfrecord_framing_matches_tensorflow(tmp_path):
    import tensorflow as tf

    payloads = [b"first", b"", b"x" * 1000]
    path = str(tmp_path / "t.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        for payload in payloads:
            writer.write(payload)
    with open(path, "rb") as f:
        assert f.read() == _framed(payloads)
    gz = str(tmp_path / "t.tfrecord.gz")
    with tf.io.TFRecordWriter(gz, options="GZIP") as writer:
        writer.write(b"first")
    os.remove(path)
    input_checks.check_tfrecord_input(str(tmp_path))


def test_tfrecord_files_pass(tmp_path):
    _data(tmp_path, _framed([b"a", b"b"]), "part-0.tfrecord")
    data = _data(tmp_path, gzip.compress(_framed([b"c"])), "part-1.gz")
    input_checks.check_tfrecord_input(data)


def test_empty_tfrecord_file(tmp_path):
    data = _data(tmp_path, b"", "part-0.tfrecord")
    with pytest.raises(InputError, match="part-0.tfrecord' is empty"):
        input_checks.check_tfrecord_input(data)


def test_csv_among_tfrecord_files(capsys, tmp_path):
    _data(tmp_path, _framed([b"a"]), "part-0.tfrecord")
    data = _data(tmp_path, b"x,y\n1,a\n", "extra.csv")
    output = tmp_path / "output"
    code = cli.main(
        [
            "run",
            "--data",
            data,
            "--label",
            "y",
            "--input-format",
            "tfrecord",
            "--output",
            str(output),
        ]
    )
    assert code == 2 and not output.exists()
    error = capsys.readouterr().err
    assert "extra.csv" in error and "pass --input-format csv" in error


@pytest.mark.parametrize(
    "content",
    [
        b"\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00hello\x00\x00",
        _framed([b"x" * 100])[:50],  # truncated: the record does not fit
        gzip.compress(b"\x01\x02\x03" * 10),
    ],
    ids=["bad-checksum", "truncated", "gzip-of-garbage"],
)
def test_bytes_that_are_not_tfrecord_framing(tmp_path, content):
    data = _data(
        tmp_path,
        content,
        "part-0.gz" if content[:2] == b"\x1f\x8b" else "part-0.tfrecord",
    )
    with pytest.raises(InputError, match="part-0.* is not a TFRecord file"):
        input_checks.check_tfrecord_input(data)
