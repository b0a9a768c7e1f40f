"""Checks on the raw input before any pipeline stage runs.

A bad file should cost the user seconds, not a search: these checks read the
raw files once (streaming, stopping as soon as the answer is known) and raise
`InputError` with the file, column or value at fault and what to do.
Pure Python: no TensorFlow import, so the CLI fails fast.
"""

import csv
import glob
import math
import os

from components.feature_kinds import CLASSIFICATION
from components.feature_kinds import REGRESSION


class InputError(ValueError):
    """The raw input cannot be used; the message names the problem."""


def data_files(data_root):
    """The files ExampleGen would read: every regular file in data_root."""
    if not os.path.isdir(data_root):
        raise InputError(
            f"Data directory {data_root!r} does not exist or is not a "
            "directory; pass the directory that holds your data files."
        )
    files = sorted(
        path
        for path in glob.glob(os.path.join(data_root, "*"))
        if os.path.isfile(path) and not os.path.basename(path).startswith(".")
    )
    if not files:
        raise InputError(
            f"Data directory {data_root!r} holds no data files; put one or "
            "more CSV files (with a header row) or TFRecord files in it."
        )
    return files


def check_csv_input(data_root, label, task):
    """Validates CSV input for a run; returns the column names.

    Args:
        data_root: the directory CsvExampleGen will read.
        label: the label column.
        task: "classification" or "regression".
    """
    header = None
    classes = set()
    rows = 0
    for path in data_files(data_root):
        file_header, file_rows = _read_csv(path)
        if file_header is None:
            raise InputError(
                f"CSV file {path!r} is empty; it needs a header row and at "
                "least one data row."
            )
        if header is None:
            header = file_header
            if label not in header:
                raise InputError(
                    f"Label column {label!r} is not in {path!r} (columns: "
                    f"{', '.join(header)}). Pass --label with one of these."
                )
        elif file_header != header:
            raise InputError(
                f"CSV file {path!r} has columns {file_header}, unlike the "
                f"other files' {header}; all files need the same header."
            )
        label_index = header.index(label)
        for line_number, row in file_rows:
            rows += 1
            if len(row) != len(header):
                raise InputError(
                    f"{path}:{line_number} has {len(row)} fields but the "
                    f"header has {len(header)}; fix the row's quoting or "
                    "delimiters."
                )
            value = row[label_index]
            if task == REGRESSION:
                _check_number(value, path, line_number, label)
            elif value != "" and len(classes) < 2:
                classes.add(value)
    if rows == 0:
        raise InputError(
            f"The CSV files in {data_root!r} have a header but no data rows."
        )
    if task == CLASSIFICATION and len(classes) < 2:
        raise InputError(
            f"Label column {label!r} has a single class "
            f"{next(iter(classes), None)!r} in {data_root!r}; a classifier "
            "needs at least two. Check the label column, or use --task "
            "regression for a numeric target."
        )
    return header


def _read_csv(path):
    """(header, iterator of (line number, row)) or (None, None) if empty."""
    handle = open(path, newline="", encoding="utf-8")
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        return None, None
    except UnicodeDecodeError as error:
        handle.close()
        raise InputError(
            f"CSV file {path!r} is not UTF-8 text ({error}); convert it or "
            "pass TFRecord files with --input-format tfrecord."
        ) from error

    def rows():
        with handle:
            for row in reader:
                if row:  # blank lines are skipped by ExampleGen too
                    yield reader.line_num, row

    return [column.strip() for column in header], rows()


def _check_number(value, path, line_number, label):
    if value == "":
        return  # missing labels are filled by Transform
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InputError(
            f"{path}:{line_number}: label {label!r} is {value!r}, not a "
            "finite number; regression needs numeric labels (or use --task "
            "classification)."
        )


def check_tfrecord_input(data_root):
    """Validates TFRecord input: files exist and are not empty."""
    for path in data_files(data_root):
        if os.path.getsize(path) == 0:
            raise InputError(
                f"TFRecord file {path!r} is empty; remove it or regenerate it."
            )
