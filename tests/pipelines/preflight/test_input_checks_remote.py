"""The CLI's input checks on a data root that is a URL, not a directory.

TensorFlow's in-process `ram://` filesystem stands in for `gs://`: a URL
data root is read through TFX's fileio, with the same verdicts as a local
copy of the same files.
"""

import gzip
import os

import pytest
import tensorflow as tf

from pipelines.preflight import input_checks
from pipelines.preflight import input_files


@pytest.fixture
def remote_sample(taxi_sample, request):
    root = f"ram://input-checks-{request.node.name}/data"
    tf.io.gfile.makedirs(root)
    for name in os.listdir(taxi_sample):
        tf.io.gfile.copy(
            os.path.join(taxi_sample, name), f"{root}/{name}", overwrite=True
        )
    yield taxi_sample, root
    tf.io.gfile.rmtree(root.rsplit("/", 1)[0])


def test_a_remote_csv_root_gets_the_local_verdict(remote_sample):
    local, remote = remote_sample
    expected = input_checks.check_csv_input(
        local, "payment_type", "classification"
    )
    report = input_checks.check_csv_input(
        remote, "payment_type", "classification"
    )
    assert report.header == expected.header
    assert report.rows == expected.rows > 0
    assert all(f.startswith("ram://") for f in report.files)
    assert not os.path.exists("ram:")


def test_remote_gzip_and_a_bad_file_are_read_too(remote_sample):
    local, remote = remote_sample
    [name] = os.listdir(local)
    with open(os.path.join(local, name), "rb") as f:
        raw = f.read()
    with tf.io.gfile.GFile(f"{remote}/more.csv.gz", "wb") as f:
        f.write(gzip.compress(raw))
    rows = input_checks.check_csv_input(
        remote, "payment_type", "classification"
    ).rows
    assert (
        rows
        == 2
        * input_checks.check_csv_input(
            local, "payment_type", "classification"
        ).rows
    )
    with tf.io.gfile.GFile(f"{remote}/sheet.csv", "wb") as f:
        f.write(b"PK\x03\x04\x14\x00\x00\x00binary")
    with pytest.raises(input_files.InputError, match="ZIP archive"):
        input_checks.check_csv_input(remote, "payment_type", "classification")


def test_a_missing_remote_root_says_so():
    with pytest.raises(input_files.InputError, match="does not exist"):
        input_files.list_entries("ram://no-such-bucket/data")
