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

Strings are also matched against the shapes people write numbers and dates
in (`written_shape`): `1,234`, `45%`, `$1,234.56`, `1.234,5`, `(12)`;
`2024-01-31`, `01/31/2024 12:00`, `31 Jan 2024`, `12:30`. The pipeline
reads such a cell as a string, so a column of them would become a
categorical (or an ID) instead of a number or a date; `written_as` says
when nearly every value of a column has one shape. Such counting stops
for a column once it holds more than `STRAY_LIMIT` strings of neither
shape (and more than 5% of its values): it is text.
Pure Python (stdlib only).
"""

import collections
import csv
import dataclasses
import io
import math
import re

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
# Cells that mean "no value" (the input checks ask for empty cells).
MISSING_MARKERS = frozenset(
    ["na", "n/a", "nan", "null", "none", "?", "-", "--", "#n/a", "missing"]
)

_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

# Shapes of `written_shape`.
WRITTEN_NUMBER = "number"
WRITTEN_DATE = "date"
# Values of a column (missing markers aside) that must have one shape (plain
# numbers count for WRITTEN_NUMBER) for `written_as` to name it: a text
# column that merely holds some numbers or dates stays text.
WRITTEN_FRACTION = 0.95
_LONGEST_WRITTEN = 40  # longer cells are text; they skip the regexes
_SYMBOLS = "$\u20ac\u00a3\u00a5\u20b9\u20a9\u20bd\u00a2"  # $ € £ ¥ ₹ ₩ ₽ ¢
_FIRST_CHARS = frozenset("0123456789+-\u2212(.," + _SYMBOLS)
_CURRENCY = rf"(?:[{_SYMBOLS}]|USD|EUR|GBP|CHF)"
_SIGN = r"[-+\u2212]"
# Digits with thousands separators (1,234 / 1.234 / 1 234 / 1'234) and a
# decimal point or comma, or plain digits (then a sign or a symbol makes
# the shape: a plain number never reaches the regex, it is INT or FLOAT).
_DIGITS = (
    r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?"
    r"|\d{1,3}(?:\.\d{3})+(?:,\d+)?"
    r"|\d{1,3}(?:[ '\u00a0\u202f]\d{3})+(?:[.,]\d+)?"
    r"|\d+(?:[.,]\d+)?|[.,]\d+)"
)
_NUMBER = re.compile(
    rf"(?P<open>\()?\s*{_SIGN}?\s*{_CURRENCY}?\s*{_SIGN}?\s*{_DIGITS}"
    rf"\s*(?:%|\u2030|{_CURRENCY})?\s*(?(open)\))"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?"
    r"|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = (
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2}(?:[.,]\d+)?)?"
    r"(?:\s*[ap]\.?m\.?)?"
    r"(?:\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?))?"
)
_DATES = (
    # 2024-01-31, 2024/1/31, 2024.01.31, 2024-01
    r"(?P<y1>\d{4})(?P<s1>[-/.])(?P<m1>\d{1,2})(?:(?P=s1)(?P<d1>\d{1,2}))?",
    # 01/31/2024, 31.01.2024, 31-01-24 (a dotted one has a 4-digit year)
    r"(?P<a2>\d{1,2})(?P<s2>[-/])(?P<b2>\d{1,2})(?P=s2)(?:\d{4}|\d{2})",
    r"(?P<a3>\d{1,2})\.(?P<b3>\d{1,2})\.\d{4}",
    # 31 Jan 2024, 31-Jan-24, Jan 31, 2024, 2024-Jan-31
    rf"\d{{1,2}}[-\s]{_MONTH}[-\s,]*(?:\d{{4}}|\d{{2}})",
    rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}",
    rf"\d{{4}}-{_MONTH}-\d{{1,2}}",
)
# A date, a date and a time, or a time (`_plausible_date` checks that one
# of the two is there).
_DATE = re.compile(
    rf"{_WEEKDAY}(?:(?P<date>{'|'.join(_DATES)})(?:[\sT]|,\s*)?)?"
    rf"(?P<time>{_TIME})?",
    re.IGNORECASE,
)


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


def written_shape(value):
    """WRITTEN_NUMBER or WRITTEN_DATE when a string cell is a number or a
    date/time as people write them (`1,234`, `45%`, `$1,234.56`, `(12)`,
    `2024-01-31 12:00`, `01/31/2024`), else None. Only the whole cell
    counts: text that holds some digits has neither shape."""
    value = value.strip()
    if (
        not value
        or len(value) > _LONGEST_WRITTEN
        or (value[0] not in _FIRST_CHARS and not value[0].isalpha())
    ):
        return None
    if _NUMBER.fullmatch(value) and any(c.isdigit() for c in value):
        return WRITTEN_NUMBER
    match = _DATE.fullmatch(value)
    if match and _plausible_date(match.groupdict()):
        return WRITTEN_DATE
    return None


def _plausible_date(parts):
    """Whether a `_DATE` match has a month, day, hour and minute in range
    (so that `12-34-56` or `7:99` is no date)."""

    def number(key):
        return int(parts[key]) if parts.get(key) else None

    if not parts["date"] and not parts["time"]:
        return False
    if number("m1") is not None and not 1 <= number("m1") <= 12:
        return False
    if number("d1") is not None and not 1 <= number("d1") <= 31:
        return False
    for a, b in (("a2", "b2"), ("a3", "b3")):
        first, second = number(a), number(b)
        if first is None:
            continue
        if not (
            (1 <= first <= 12 and 1 <= second <= 31)
            or (1 <= second <= 12 and 1 <= first <= 31)
        ):
            return False
    hour, minute = number("hour"), number("minute")
    return hour is None or (hour <= 24 and minute <= 59)


def line_break(value):
    """The first character of `value` that breaks a line (a newline, a
    carriage return, or another one `str.splitlines` splits at), or None.
    A vocabulary file holds one value per line, so such a value is lost."""
    for char in value:
        if char in _LINE_BREAKS:
            return char
    return None


def is_missing_marker(value):
    """Whether a cell is a marker of a missing value (`NA`, `?`) or blank."""
    return value.strip().lower() in MISSING_MARKERS or not value.strip()


@dataclasses.dataclass
class ColumnProfile:
    """Counts of one feature column's non-empty values by kind, and of the
    shapes its strings are written in (`written_as`)."""

    name: str
    values: int = 0
    ints: int = 0
    floats: int = 0
    strings: int = 0
    examples: list = dataclasses.field(default_factory=list)
    first_float: tuple = None  # (location, value)
    # Shapes, counted over every value while the column may be written
    # numbers or dates (`_text` not set).
    plain_numbers: int = 0
    markers: int = 0
    unshaped: int = 0
    written: collections.Counter = dataclasses.field(
        default_factory=collections.Counter
    )
    written_examples: dict = dataclasses.field(default_factory=dict)
    _text: bool = False

    def add(self, value, location):
        self.values += 1
        counting = self.strings < STRAY_LIMIT
        if not counting and self._text:
            return
        kind = value_kind(value)
        if not self._text:
            self._add_shape(value, kind, location)
        if not counting:
            return
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

    def _add_shape(self, value, kind, location):
        if kind != STRING:
            self.plain_numbers += 1
            return
        shape = written_shape(value)
        if shape:
            self.written[shape] += 1
            self.written_examples.setdefault(shape, (location, value))
        elif is_missing_marker(value):
            self.markers += 1
        else:
            self.unshaped += 1
            # Enough text to be text: stop matching its cells.
            self._text = self.unshaped > max(
                STRAY_LIMIT, (1 - WRITTEN_FRACTION) * self.values
            )

    def written_as(self):
        """(shape, count, (location, value) of the first) when nearly every
        value (`WRITTEN_FRACTION`, missing markers aside) is written in one
        `written_shape` (plain numbers count for WRITTEN_NUMBER), else
        None."""
        if self._text or not self.written:
            return None
        shape, count = self.written.most_common(1)[0]
        alike = count + (self.plain_numbers if shape == WRITTEN_NUMBER else 0)
        if alike < WRITTEN_FRACTION * (self.values - self.markers):
            return None
        return shape, count, self.written_examples[shape]

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
    # (location, value) of the first string value holding a line break.
    first_line_break: tuple = None

    def add(self, value, location=None):
        if not value.strip():
            self.missing += 1  # ExampleGen drops the row
            return False
        self.values += 1
        if len(self.classes) < MAX_CLASSES:
            self.classes.add(value)
        kind = value_kind(value)
        if kind == STRING:
            self.non_numeric += 1
            # A number is read as one (a newline around it is harmless).
            if self.first_line_break is None and line_break(value):
                self.first_line_break = (location, value)
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
            if not profile.add(value, location):
                missing = True
            elif callback:
                callback(value, location)
        self.rows_missing_a_label += missing
        for index, column in self._features:
            value = row[index]
            if value:
                column.add(value, location)
