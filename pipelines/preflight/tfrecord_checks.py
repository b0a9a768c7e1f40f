"""The features of TFRecord input: one type per feature, no reserved name.

StatisticsGen (TFDV) fails, in its own words, on a feature whose type
changes from one record to another (an int64_list in one record, a
float_list in the next). This check streams every record of every file
once, reading the tf.Example protos with a small wire-format reader
(stdlib only: no TensorFlow before the pipeline starts), and refuses such
a feature naming the file, the record and both types; it also refuses a
feature name the pipeline reserves (`reserved_names`).

Records that are not tf.Example protos, or framing cut short, end the
check of that file without an error: the sniffing of `input_files`
judges the framing, and ExampleGen the rest.
"""

import struct

from pipelines.preflight import input_files
from pipelines.preflight import reserved_names
from pipelines.preflight.input_files import InputError

# tf.train.Feature's oneof fields, by field number.
FEATURE_TYPES = {1: "bytes_list", 2: "float_list", 3: "int64_list"}
_VARINT, _FIXED64, _LEN, _FIXED32 = 0, 1, 2, 5


class _Malformed(Exception):
    """Bytes that are not what the reader expected."""


def check_records(paths):
    """Raises InputError for a feature whose type changes between records
    (in one file or across files) or whose name is reserved.

    Args:
        paths: the TFRecord files, as `input_files.tfrecord_files` lists
            them (compressed ones by their suffix).
    """
    first_seen = {}  # feature -> (type, path, record number)
    for path in paths:
        for number, record in enumerate(_records(path), start=1):
            try:
                features = list(_example_features(record))
            except _Malformed:
                break
            for name, kind in features:
                if name not in first_seen:
                    reserved_names.check_column_names(
                        f"TFRecord file {path!r} (record {number})", [name]
                    )
                    first_seen[name] = (kind, path, number)
                    continue
                kind0, path0, number0 = first_seen[name]
                if kind is not None and kind0 is None:
                    first_seen[name] = (kind, path, number)
                elif kind is not None and kind != kind0:
                    where0 = (
                        f"record {number0}"
                        if path0 == path
                        else f"record {number0} of {path0!r}"
                    )
                    raise InputError(
                        f"TFRecord file {path!r}, record {number}: feature "
                        f"{name!r} has type {kind}, but type {kind0} in "
                        f"{where0}; StatisticsGen needs one type per feature "
                        "in every record: write the feature with one type "
                        "(e.g. every value as a float_list)."
                    )


def _records(path):
    """The data of each record of one TFRecord file."""
    with input_files.open_binary(path) as handle:
        while True:
            header = handle.read(12)
            if len(header) < 12:
                return
            (length,) = struct.unpack("<Q", header[:8])
            data = handle.read(length)
            if len(data) < length or len(handle.read(4)) < 4:
                return
            yield data


def _example_features(data):
    """(name, type) of each feature of a serialized tf.Example; type None
    for a feature with no value list set."""
    for field, value in _fields(data):
        if field != 1:  # Example.features
            continue
        for entry_field, entry in _fields(value):
            if entry_field != 1:  # Features.feature (a map entry)
                continue
            name, kind = None, None
            for key_field, part in _fields(entry):
                if key_field == 1:
                    try:
                        name = part.decode("utf-8")
                    except UnicodeDecodeError as error:
                        raise _Malformed() from error
                elif key_field == 2:  # the Feature
                    for list_field, _ in _fields(part):
                        kind = FEATURE_TYPES.get(list_field, kind)
            if name is not None:
                yield name, kind


def _fields(data):
    """(field number, bytes) of each length-delimited field of a message;
    other wire types are skipped."""
    position, end = 0, len(data)
    while position < end:
        tag, position = _varint(data, position)
        field, wire = tag >> 3, tag & 7
        if wire == _VARINT:
            _, position = _varint(data, position)
        elif wire == _FIXED64:
            position += 8
        elif wire == _FIXED32:
            position += 4
        elif wire == _LEN:
            length, position = _varint(data, position)
            if position + length > end:
                raise _Malformed()
            yield field, data[position : position + length]
            position += length
        else:
            raise _Malformed()
        if position > end:
            raise _Malformed()


def _varint(data, position):
    result, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise _Malformed()
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7
