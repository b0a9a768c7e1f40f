"""TFRecord features: a type that changes between records is refused before
StatisticsGen, naming the file, the record, the feature and both types."""

import pytest

from pipelines.preflight import input_checks
from pipelines.preflight.input_files import InputError


def _example(**features):
    """A serialized tf.Example: name -> int (int64_list), float
    (float_list), bytes (bytes_list) or None (a Feature with no list)."""
    import tensorflow as tf

    feature = {}
    for name, value in features.items():
        if value is None:
            feature[name] = tf.train.Feature()
        elif isinstance(value, bytes):
            feature[name] = tf.train.Feature(
                bytes_list=tf.train.BytesList(value=[value])
            )
        elif isinstance(value, int):
            feature[name] = tf.train.Feature(
                int64_list=tf.train.Int64List(value=[value])
            )
        else:
            feature[name] = tf.train.Feature(
                float_list=tf.train.FloatList(value=[value])
            )
    return tf.train.Example(
        features=tf.train.Features(feature=feature)
    ).SerializeToString()


def _write(path, records, options=None):
    import tensorflow as tf

    path.parent.mkdir(exist_ok=True)
    with tf.io.TFRecordWriter(str(path), options=options) as writer:
        for record in records:
            writer.write(record)
    return str(path.parent)


def test_type_change_in_one_file_names_record_feature_and_types(tmp_path):
    data = _write(
        tmp_path / "d" / "part-0.tfrecord",
        [
            _example(age=31, y=b"a"),
            _example(age=40, y=b"b"),
            _example(age=41.5, y=b"a"),
        ],
    )
    with pytest.raises(InputError) as error:
        input_checks.check_tfrecord_input(data)
    message = str(error.value)
    assert "part-0.tfrecord" in message and "record 3" in message
    assert "'age'" in message and "record 1" in message
    assert "float_list" in message and "int64_list" in message


def test_type_change_across_files_names_both_files(tmp_path):
    _write(tmp_path / "d" / "part-0.tfrecord", [_example(x=b"1", y=1)])
    data = _write(tmp_path / "d" / "part-1.tfrecord", [_example(x=2, y=0)])
    with pytest.raises(InputError) as error:
        input_checks.check_tfrecord_input(data)
    message = str(error.value)
    assert "part-1.tfrecord', record 1: feature 'x'" in message
    assert "part-0.tfrecord" in message
    assert "int64_list" in message and "bytes_list" in message


def test_type_change_in_a_gzip_file(tmp_path):
    data = _write(
        tmp_path / "d" / "part-0.tfrecord.gz",
        [_example(x=1.0), _example(x=b"one")],
        options="GZIP",
    )
    with pytest.raises(InputError, match=r"record 2: feature 'x'"):
        input_checks.check_tfrecord_input(data)


def test_one_type_per_feature_passes(tmp_path):
    # Features missing from some records, or with no list set, are fine.
    data = _write(
        tmp_path / "d" / "part-0.tfrecord",
        [
            _example(x=1.0, y=b"a"),
            _example(y=b"b"),
            _example(x=None, y=b"a", z=3),
            _example(x=2.5, y=b"c", z=4),
        ],
    )
    input_checks.check_tfrecord_input(data)


def test_reserved_feature_name_is_refused(tmp_path):
    data = _write(
        tmp_path / "d" / "part-0.tfrecord",
        [_example(x=1.0, y=b"a"), _example(examples=1.0, x=1.0, y=b"a")],
    )
    with pytest.raises(InputError) as error:
        input_checks.check_tfrecord_input(data)
    message = str(error.value)
    assert "part-0.tfrecord' (record 2)" in message
    assert "'examples'" in message and "rename the column" in message


def test_records_that_are_not_examples_end_the_check_quietly(tmp_path):
    # Framing is the sniffing's business (test_input_checks_run.py).
    path = tmp_path / "d" / "part-0.tfrecord"
    _write(path, [b"\xff\xff\xff", _example(x=1), _example(x=1.5)])
    input_checks.check_tfrecord_input(str(path.parent))
