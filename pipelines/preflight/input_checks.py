"""Checks on the raw input and run arguments before any pipeline stage runs.

A bad file should cost the user seconds, not a search: these checks read the
raw files once, streaming, and raise `InputError` with the file, line,
column or value at fault and what to do. Pure Python (stdlib only), so the
CLI fails fast.

Accepted (documented behaviour):
- `.csv`, and `.gz`/`.bz2`/`.xz`-compressed CSV (decompressed as ExampleGen
  does, by the name's suffix);
- a UTF-8 byte-order mark (stripped) and header names with spaces, dots,
  dashes, unicode or leading digits (the pipeline sanitises the names it
  uses inside the model; surrounding spaces are stripped, as ExampleGen
  does);
- quoted fields holding commas, quotes or newlines; CRLF line ends; blank
  lines (skipped);
- rows whose label is empty: ExampleGen drops them; `CsvReport` counts them;
- empty cells anywhere else: missing values (numbers: filled by the mean).

Refused, with what to do:
- files: no data directory, no data files, a subdirectory among them,
  an empty file, a header without rows, a file that is not CSV text
  (binary, NUL bytes, not UTF-8, a ZIP/Excel/Parquet/UTF-16 file), a name
  whose compression suffix disagrees with its bytes, CSV mixed with
  TFRecord files (or only TFRecord files), files with different headers;
- header: a blank first line, an empty or duplicated column name, a
  semicolon- or tab-delimited file; a column named `examples`, the
  serving model's input (`reserved_names`: the names that only look
  reserved work);
- rows: a row with more or fewer fields than the header, broken quoting;
- label: not a column; no other feature column; empty in every row
  (a multi-task run checks each of its labels so; `infer_task` gives a
  label without `--task` its task); a value holding a newline or another
  line break (the class would be lost in the vocabulary; other control
  characters are kept);
  classification with classes that differ only by case or surrounding
  spaces (`Yes`, `yes `: each would be a class of its own; the groups are
  listed);
  classification with one class, or with more than 10% as many classes as
  rows (at least 20 rows, more than 2 classes: an ID-like label);
  regression with a value that is not a finite number (NaN, inf, text);
- `--categorical/--text/--exclude`: an unknown column, the label, one column
  in two of them, `--text` on numbers, `--categorical` on non-integers;
- a numeric column with a few stray strings (under 10% of its values and
  under 20 cells, "NA"/"?"-style missing markers included): each would turn
  the whole column into strings, so the rows are named;
- a column whose values (nearly all: `csv_profile.WRITTEN_FRACTION`) are
  numbers written for people (`1,234`, `45%`, `$1,234.56`, `1.234,5`,
  `(12)`) or dates and times (`2024-01-31`, `01/31/2024 12:00`): the
  pipeline would read them as strings, a categorical or an ID; the column
  and a sample are named (clean it, or `--categorical`/`--exclude` it);
- run arguments: `--max-trials` or `--epochs` below 1, a negative
  `--time-limit` or one under `MIN_TIME_LIMIT_SECONDS` (0: no limit);
- `--output`: a file, not writable, or a non-empty directory that is not an
  autokeras-tfx output (no `OUTPUT_MARKER`);
- TFRecord input: an empty file, a CSV/text file, bytes that are not
  TFRecord framing, a feature whose type changes between records (the
  file, record, feature and both types named) or named `examples`
  (`tfrecord_checks`).
"""

import dataclasses
import itertools

from components.util.feature_kinds import CLASSIFICATION
from components.util.feature_kinds import REGRESSION
from pipelines.preflight import csv_profile
from pipelines.preflight import input_files
from pipelines.preflight import reserved_names
from pipelines.preflight import tfrecord_checks
from pipelines.preflight.input_files import InputError
from pipelines.preflight.input_files import data_files
from pipelines.preflight.run_checks import MIN_TIME_LIMIT_SECONDS
from pipelines.preflight.run_checks import OUTPUT_MARKER
from pipelines.preflight.run_checks import check_output_dir
from pipelines.preflight.run_checks import check_run_arguments

__all__ = [
    "CsvReport",
    "InputError",
    "MIN_TIME_LIMIT_SECONDS",
    "OUTPUT_MARKER",
    "check_csv_input",
    "csv_header",
    "infer_task",
    "check_output_dir",
    "check_run_arguments",
    "check_tfrecord_input",
    "data_files",
]

MAX_CLASS_FRACTION = 0.1
MIN_ROWS_TO_JUDGE_CLASSES = 20
STRAY_FRACTION = 0.1
MISSING_MARKERS = csv_profile.MISSING_MARKERS
MAX_VARIANT_GROUPS = 5  # groups of label variants an error lists


@dataclasses.dataclass
class CsvReport:
    """What `check_csv_input` read.

    Args:
        header: column names as ExampleGen keys them (the file's names, BOM
            and surrounding spaces stripped).
        rows: data rows read.
        missing_label_rows: rows whose label (any label, multi-task) is
            empty (the pipeline drops them).
        files: the data files.
        tasks: label -> task, the inferred ones included.
    """

    header: list
    rows: int
    missing_label_rows: int
    files: list
    tasks: dict = None


def check_csv_input(
    data_root,
    label,
    task,
    categorical=(),
    text=(),
    exclude=(),
    other_labels=(),
):
    """Validates CSV input for a run; returns a `CsvReport`.

    Args:
        data_root: the directory CsvExampleGen will read.
        label: the label column.
        task: "classification" or "regression" (None: inferred from the
            label's values, `infer_task`).
        categorical, text, exclude: the columns named by `--categorical`,
            `--text` and `--exclude`.
        other_labels: a multi-task run's further labels, as (column, task)
            pairs (task None: inferred); each is checked as `label` is.
    """
    flags = {
        "--categorical": list(categorical),
        "--text": list(text),
        "--exclude": list(exclude),
    }
    tasks = {label: task, **dict(other_labels)}
    files = input_files.csv_files(data_root)
    profile = None
    for path in files:
        with csv_profile.CsvFile(path) as csv_file:
            first = list(itertools.islice(csv_file.rows(), 1))
            _check_header(path, csv_file.header, first)
            reserved_names.check_column_names(
                f"CSV file {path!r}", csv_file.header
            )
            if profile is None:
                for name in tasks:
                    _check_columns(
                        path, csv_file.header, name, flags, labels=list(tasks)
                    )
                profile = csv_profile.Profile(
                    csv_file.header,
                    label,
                    skip=tuple(exclude),
                    other_labels=tuple(tasks)[1:],
                    on_label={
                        name: _regression_check(name)
                        for name, kind in tasks.items()
                        if kind == REGRESSION
                    },
                )
            elif csv_file.header != profile.header:
                raise InputError(
                    f"CSV file {path!r} has columns {csv_file.header}, unlike "
                    f"the other files' {profile.header}; all files need the "
                    "same header."
                )
            profile.add_file(csv_file, first)
    label_profiles = {
        label: profile.label_profile,
        **profile.other_label_profiles,
    }
    for name, kind in list(tasks.items()):
        if kind is None:
            # Regression is inferred only when every value is a finite
            # number, so its per-value check has nothing left to find.
            kind = tasks[name] = infer_task(label_profiles[name])
        _check_label_values(data_root, profile, label_profiles[name], kind)
    _check_flagged_values(profile, flags)
    _check_stray_strings(profile, set(categorical) | set(text))
    _check_written_values(profile, set(categorical) | set(text))
    return CsvReport(
        header=profile.header,
        rows=profile.rows,
        missing_label_rows=profile.rows_missing_a_label,
        files=files,
        tasks=tasks,
    )


def csv_header(data_root):
    """The first CSV file's header as ExampleGen keys it (None when the
    file is empty; `check_csv_input` then says so)."""
    with csv_profile.CsvFile(input_files.csv_files(data_root)[0]) as f:
        return f.header


def infer_task(label_profile):
    """The task of a label from its values: regression for numbers with a
    fractional part or more distinct values than `MAX_CLASS_FRACTION` of
    the rows (a quantity), classification otherwise (strings, few
    distinct integers)."""
    labels = label_profile
    if labels.values == 0 or labels.non_numeric:
        return CLASSIFICATION
    if labels.floats or len(labels.classes) > max(
        2, MAX_CLASS_FRACTION * labels.values
    ):
        return REGRESSION
    return CLASSIFICATION


def _check_header(path, header, first_rows):
    if header is None:
        raise InputError(
            f"CSV file {path!r} is empty; it needs a header row and at "
            "least one data row."
        )
    if not header:
        raise InputError(
            f"{path}:1 is blank; the header row (the column names) must be "
            "the file's first line."
        )
    _check_delimiter(path, header, first_rows)
    for position, name in enumerate(header, start=1):
        if not name:
            raise InputError(
                f"Column {position} of {len(header)} in the header of "
                f"{path!r} has no name; name it, or delete the column "
                "(a trailing comma on the header line adds one)."
            )
    repeated = sorted({n for n in header if header.count(n) > 1})
    if repeated:
        raise InputError(
            f"The header of {path!r} names "
            f"{', '.join(repr(n) for n in repeated)} more than once; give "
            "every column a distinct name."
        )


def _check_delimiter(path, header, first_rows):
    if len(header) != 1:
        return
    for delimiter, name in ((";", "semicolon"), ("\t", "tab")):
        in_rows = all(
            any(delimiter in cell for cell in row) for _, row in first_rows
        )
        if delimiter in header[0] and in_rows:
            raise InputError(
                f"CSV file {path!r} looks {name}-delimited (its header is "
                f"{header[0]!r}); autokeras-tfx reads comma-separated files: "
                "convert it (e.g. save it as CSV with commas)."
            )


def _check_columns(path, header, label, flags, labels=None):
    if label not in header:
        raise InputError(
            f"Label column {label!r} is not in {path!r} (columns: "
            f"{', '.join(header)}). Pass --label with one of these."
        )
    seen = {}
    for flag, names in flags.items():
        unknown = [name for name in names if name not in header]
        if unknown:
            raise InputError(
                f"{flag} names {', '.join(repr(n) for n in unknown)}, not a "
                f"column of {path!r} (columns: {', '.join(header)}); pass "
                "names from the header."
            )
        if label in names:
            raise InputError(
                f"{flag} names the label {label!r}; the label is not a "
                f"feature: drop it from {flag}."
            )
        for name in names:
            if seen.setdefault(name, flag) != flag:
                raise InputError(
                    f"Column {name!r} is in both {seen[name]} and {flag}; "
                    "give each column one kind: drop it from one of them."
                )
    excluded = set(flags["--exclude"])
    labels = set(labels or [label])
    if not [n for n in header if n not in labels and n not in excluded]:
        raise InputError(
            f"{path!r} has no feature columns besides the label "
            f"{', '.join(repr(n) for n in sorted(labels))}"
            f"{' once --exclude is applied' if excluded else ''}; a model "
            "needs at least one input column."
        )


def _regression_check(label):
    def check(value, location):
        if csv_profile.value_kind(value) == csv_profile.STRING:
            raise InputError(
                f"{location}: label {label!r} is {value!r}, not a finite "
                "number; regression needs numeric labels: fix the value, or "
                "empty it to drop the row (or use --task classification)."
            )

    return check


def _check_label_values(data_root, profile, labels, task):
    if profile.rows == 0:
        raise InputError(
            f"The CSV files in {data_root!r} have a header but no data rows."
        )
    if labels.values == 0:
        raise InputError(
            f"Label column {labels.name!r} is empty in all {profile.rows} "
            f"rows of {data_root!r}; fill it in, or pass another --label."
        )
    _check_label_characters(labels)
    if task != CLASSIFICATION:
        return
    _check_label_variants(labels)
    classes = labels.classes
    if len(classes) < 2:
        raise InputError(
            f"Label column {labels.name!r} has a single class "
            f"{next(iter(classes), None)!r} in {data_root!r}; a classifier "
            "needs at least two. Check the label column, or use --task "
            "regression for a numeric target."
        )
    too_many = len(classes) > MAX_CLASS_FRACTION * labels.values
    if (
        labels.values >= MIN_ROWS_TO_JUDGE_CLASSES
        and len(classes) > 2
        and (too_many or len(classes) >= csv_profile.MAX_CLASSES)
    ):
        advice = (
            "its values are numbers: if it is a quantity, use --task "
            "regression; otherwise pass another --label"
            if labels.non_numeric == 0
            else "it looks like an ID or free text: pass another --label"
        )
        raise InputError(
            f"Label column {labels.name!r} has {len(classes)} distinct "
            f"classes in {labels.values} labelled rows (more than "
            f"{MAX_CLASS_FRACTION:.0%} of the rows), too few rows per class "
            f"to learn from; {advice}."
        )


def _check_flagged_values(profile, flags):
    for name in flags["--text"]:
        column = profile.columns[name]
        if column.all_numeric:
            raise InputError(
                f"Column {name!r} holds numbers, not text; drop it from "
                "--text (it is then used as a number)."
            )
    for name in flags["--categorical"]:
        column = profile.columns[name]
        if column.all_numeric and column.floats:
            location, value = column.first_float
            raise InputError(
                f"Column {name!r} holds floating-point numbers (e.g. "
                f"{value!r} at {location}); --categorical takes integer or "
                "string columns: drop it from --categorical to use it as a "
                "number (whole numbers need no decimal point)."
            )


def _check_stray_strings(profile, exempt):
    for column in profile.columns.values():
        strays = column.strings
        if (
            column.name in exempt
            or not 0 < strays < csv_profile.STRAY_LIMIT
            or strays >= STRAY_FRACTION * column.values
        ):
            continue
        cells = ", ".join(
            f"{where} {value!r}" for where, value in column.examples
        )
        more = "" if strays <= len(column.examples) else ", ..."
        markers = all(_is_missing_marker(v) for _, v in column.examples)
        what = (
            "these mark missing values: leave those cells empty instead"
            if markers
            else "fix those cells, or leave them empty"
        )
        raise InputError(
            f"Column {column.name!r} holds numbers except in {strays} "
            f"cell(s): {cells}{more}. Such cells make the whole column a "
            f"string column; {what} (an empty cell is a missing value, "
            "filled with the column mean), or pass --categorical "
            f"{column.name} (or --text) to keep the column as strings."
        )


def _is_missing_marker(value):
    return csv_profile.is_missing_marker(value)


def _check_written_values(profile, exempt):
    for column in profile.columns.values():
        written = None if column.name in exempt else column.written_as()
        if not written:
            continue
        shape, count, (location, value) = written
        if shape == csv_profile.WRITTEN_NUMBER:
            what = (
                "numbers written for people (thousands separators, "
                "currency or percent signs, decimal commas, parentheses)"
            )
            fix = (
                "write them as plain numbers (1234.56, 0.45 for 45%, -12 "
                "for (12))"
            )
        else:
            what = "dates or times"
            fix = (
                "replace it with numeric columns that carry what matters "
                "(the year, month, day of the week, hour, or seconds since "
                "an epoch)"
            )
        raise InputError(
            f"Column {column.name!r} holds {what} in {count} of "
            f"{column.values} values (e.g. {value!r} at {location}); "
            "autokeras-tfx does not parse them: each value would be a "
            "distinct string, read as a category or an ID, not as a "
            f"{'number' if shape == csv_profile.WRITTEN_NUMBER else 'date'}. "
            f"Clean the column: {fix}; or pass --categorical {column.name} "
            f"to keep its values as categories, or --exclude {column.name} "
            "to leave it out."
        )


def _check_label_characters(labels):
    if labels.first_line_break is None:
        return
    location, value = labels.first_line_break
    raise InputError(
        f"{location}: label {labels.name!r} is {value!r}, which holds the "
        f"line break {csv_profile.line_break(value)!r}; the pipeline's class "
        "vocabulary holds one class per line, so such a class would be "
        "lost. Clean the label column: one line per value (a quoted cell "
        "may not span lines in the label)."
    )


def _check_label_variants(labels):
    if labels.non_numeric == 0:
        return  # numbers: ExampleGen reads " 1" and "1" as one class
    groups = {}
    for value in labels.classes:
        groups.setdefault(value.strip().casefold(), []).append(value)
    variants = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    if not variants:
        return
    shown = "; ".join(
        ", ".join(repr(v) for v in group)
        for group in variants[:MAX_VARIANT_GROUPS]
    )
    more = len(variants) - MAX_VARIANT_GROUPS
    raise InputError(
        f"Label column {labels.name!r} has classes that differ only by "
        f"case or surrounding spaces: {shown}"
        f"{f' (and {more} more groups)' if more > 0 else ''}; each variant "
        "would be a class of its own. Clean the label column so that each "
        "class is written one way (trim the spaces, use one case)."
    )


def check_tfrecord_input(data_root):
    """Validates TFRecord input: every file holds TFRecord records, each
    feature has one type in all of them and no reserved name."""
    tfrecord_checks.check_records(input_files.tfrecord_files(data_root))
