"""One streaming pass over CSV files: rows, label values, column kinds.

The CSV is read as the pipeline's ExampleGen reads it: Python's csv module
(commas, double quotes, quoted fields may hold commas, quotes and newlines,
CRLF or LF line ends), UTF-8 with an optional byte-order mark, header names
stripped of surrounding spaces, blank lines skipped. Quoting is read
strictly: a quoted field that never ends, or text after a closing quote,
is an error at the line where the record starts.

Each value is typed as tfx_bsl types CSV cells (int64, else float, else
string; empty is missing). A column's counts stop once it holds
`STRAY_LIMIT` strings: from then on it is a string column whatever follows.
Pure Python (stdlib only).
"""

import csv
import dataclasses
import io
import math

from components.example_gen.csv_format import clean_header
from pipelines.preflight import input_files
from pipelines.preflight.input_files import InputError

INT = "int"
FLOAT = "float"
STRING = "string"

STRAY_LIMIT = 20  # more strings than this: a string column, not strays
MAX_EXAMPLES = 5
MAX_CLASSES = 100_000  # distinct labels tracked (more: far too many anyway)
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def value_kind(value):
    """INT, FLOAT or STRING, as tfx_bsl's type inference decides; a NaN or
    infinity is STRING here: as a feature it would poison the column's
    mean, as a label the loss."""
    try:
        number = float(value)
    except ValueError:
        return STRING
    if not math.isfinite(number):
        return STRING
    if "." in value or "e" in value or "E" in value:
        return FLOAT  # int() refuses these; float() took them
    try:
        number = int(value)
    except ValueError:
        return FLOAT
    return INT if _INT64_MIN <= number <= _INT64_MAX else STRING


@dataclasses.dataclass
class ColumnProfile:
    """Counts of one feature column's non-empty values by kind."""

    name: str
    values: int = 0
    ints: int = 0
    floats: int = 0
    strings: int = 0
    examples: list = dataclasses.field(default_factory=list)
    first_float: tuple = None  # (location, value)

    def add(self, value, location):
        self.values += 1
        if self.strings >= STRAY_LIMIT:
            return
        kind = value_kind(value)
        if kind == INT:
            self.ints += 1
        elif kind == FLOAT:
            self.floats += 1
            if self.first_float is None:
                self.first_float = (location, value)
        else:
            self.strings += 1
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append((location, value))

    @property
    def numbers(self):
        return self.ints + self.floats

    @property
    def all_numeric(self):
        return self.values > 0 and self.strings == 0


@dataclasses.dataclass
class LabelProfile:
    """What the label column holds over all rows."""

    name: str
    missing: int = 0
    values: int = 0
    non_numeric: int = 0
    floats: int = 0
    classes: set = dataclasses.field(default_factory=set)

    def add(self, value):
        if not value.strip():
            self.missing += 1  # ExampleGen drops the row
            return False
        self.values += 1
        if len(self.classes) < MAX_CLASSES:
            self.classes.add(value)
        kind = value_kind(value)
        if kind == STRING:
            self.non_numeric += 1
        elif kind == FLOAT:
            self.floats += 1
        return True


class CsvFile:
    """A CSV file read once, streaming: `header`, then `rows()` yields
    (line where the record starts, fields) for every non-blank record.

    Use as a context manager; read errors become InputError with the file
    and line.
    """

    def __init__(self, path):
        self.path = path
        self._handle = None
        self._reader = None
        self._line = 0  # the last physical line read
        self.header = None

    def __enter__(self):
        binary = input_files.open_binary(self.path)
        self._handle = io.TextIOWrapper(
            binary, encoding="utf-8-sig", newline=""
        )
        self._reader = csv.reader(self._handle, strict=True)
        try:
            header = self._next()
        except InputError:
            self._handle.close()
            raise
        if header is not None:
            self.header = clean_header(header)
        return self

    def __exit__(self, *exc_info):
        self._handle.close()

    def rows(self):
        while True:
            start = self._line + 1
            row = self._next()
            if row is None:
                return
            if row:  # blank lines carry no data (ExampleGen skips them)
                yield start, row

    def _next(self):
        start = self._line + 1
        try:
            row = next(self._reader, None)
        except UnicodeDecodeError as error:
            raise InputError(
                f"{self.path} is not UTF-8 text (a byte that is not UTF-8 "
                f"after line {self._line}: {error.reason}); save it as "
                "UTF-8 CSV."
            ) from error
        except csv.Error as error:
            if "field limit" in str(error):
                raise InputError(
                    f"{self.path}:{start}: a field of the record starting on "
                    f"this line is longer than {csv.field_size_limit()} "
                    "characters, more than the csv module reads (an "
                    "unbalanced quote can cause this too); shorten it."
                ) from error
            raise InputError(
                f"{self.path}:{start}: the record starting on this line has "
                f"broken quoting ({error}); a quoted field must end with a "
                'quote, and a quote inside it is written twice ("").'
            ) from error
        except input_files.READ_ERRORS as error:
            raise InputError(
                f"{self.path} cannot be read after line {self._line} "
                f"({error}); replace it with an intact copy."
            ) from error
        self._line = self._reader.line_num
        return row


@dataclasses.dataclass
class Profile:
    """The pass over all files: row counts, label and feature columns.

    Args:
        header: the column names (from the first file).
        label: the label column.
        skip: columns not profiled (excluded ones).
        other_labels: a multi-task run's further label columns, each
            profiled as a label (`other_label_profiles`); `on_label` may
            then be a dict label -> callback.
    """

    header: list
    label: str
    skip: tuple = ()
    on_label: object = None  # called with (value, location) per label
    other_labels: tuple = ()
    rows: int = 0
    # Rows with at least one label empty: ExampleGen drops them.
    rows_missing_a_label: int = 0
    label_profile: LabelProfile = None
    other_label_profiles: dict = None
    columns: dict = None

    def __post_init__(self):
        self.label_profile = LabelProfile(self.label)
        self.other_label_profiles = {
            name: LabelProfile(name) for name in self.other_labels
        }
        callbacks = (
            self.on_label
            if isinstance(self.on_label, dict)
            else {self.label: self.on_label}
        )
        self._labels = [
            (self.header.index(p.name), p, callbacks.get(p.name))
            for p in [self.label_profile, *self.other_label_profiles.values()]
        ]
        labels = {self.label, *self.other_labels}
        self._features = [
            (index, ColumnProfile(name))
            for index, name in enumerate(self.header)
            if name not in labels and name not in self.skip
        ]
        self.columns = {column.name: column for _, column in self._features}

    def add_file(self, csv_file, first_rows=()):
        """Profiles every row of an open CsvFile (after `first_rows`, the
        (line, row) pairs already taken from it)."""
        width = len(self.header)
        path = csv_file.path
        for rows in (first_rows, csv_file.rows()):
            for line, row in rows:
                if len(row) != width:
                    raise InputError(
                        f"{path}:{line} has {len(row)} fields but the header "
                        f"has {width}; fix the row's quoting or delimiters."
                    )
                self.add_row(row, f"{path}:{line}")

    def add_row(self, row, location):
        self.rows += 1
        missing = False
        for index, profile, callback in self._labels:
            value = row[index]
            if not profile.add(value):
                missing = True
            elif callback:
                callback(value, location)
        self.rows_missing_a_label += missing
        for index, column in self._features:
            value = row[index]
            if value:
                column.add(value, location)
