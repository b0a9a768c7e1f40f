"""Values read as a person meant them, or refused before any stage.

Numbers written for people (`1,234`, `45%`, `$1,234.56`, `1.234,5`,
`(12)`) and dates or times would reach the pipeline as strings, a
categorical of hundreds of values or an excluded ID: the input check
refuses such a column, naming the file, the column and a sample value.
Label values that differ only by case or surrounding spaces, and labels
holding a line break, are refused too. No test here trains anything.
"""

import random

import pytest

from pipelines.preflight import csv_profile
from pipelines.preflight import input_checks

ROWS = 300


def _data(tmp_path, header, rows):
    path = tmp_path / "d" / "a.csv"
    path.parent.mkdir(exist_ok=True)
    lines = [",".join(header)] + [",".join(_cell(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return str(path.parent)


def _cell(value):
    value = str(value)
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _column(tmp_path, values, label=None):
    """A table: the column 'x' holding `values`, a numeric 'n' and a
    two-class label 'y'."""
    label = label or ["ab"[i % 2] for i in range(len(values))]
    rows = [[v, i, label[i]] for i, v in enumerate(values)]
    return _data(tmp_path, ["x", "n", "y"], rows)


def _check(data, label="y", task="classification", **flags):
    return input_checks.check_csv_input(data, label, task, **flags)


def _refused(data, match, label="y", task="classification", **flags):
    with pytest.raises(input_checks.InputError, match=match) as info:
        _check(data, label, task, **flags)
    return str(info.value)


def _values(make):
    rng = random.Random(0)
    return [make(rng) for _ in range(ROWS)]


NUMBERS = {
    "thousands": lambda r: f"{r.randint(1000, 999999):,}",
    "percent": lambda r: f"{r.randint(0, 100)}%",
    "dollars": lambda r: f"${r.randint(100, 999999) / 100:,.2f}",
    "euros": lambda r: f"\u20ac{r.randint(0, 999)}",
    "decimal_comma": lambda r: f"{r.randint(1, 999)},{r.randint(0, 9)}",
    "european": lambda r: f"{r.randint(1, 99)}.{r.randint(100, 999)},5",
    "parentheses": lambda r: f"({r.randint(1, 999)})",
    "currency_after": lambda r: f"{r.randint(1, 999)}.50 \u20ac",
}
DATES = {
    "iso_date": lambda r: (
        f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
    ),
    "date_time": lambda r: (
        f"2024-01-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:00"
    ),
    "iso_timestamp": lambda r: (
        f"2024-01-{r.randint(1, 28):02d}T"
        f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z"
    ),
    "us_date": lambda r: f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/2024",
    "dotted_date": lambda r: f"{r.randint(1, 28)}.{r.randint(1, 12)}.2024",
    "month_name": lambda r: f"{r.randint(1, 28)} Jan 2024",
    "time_of_day": lambda r: f"{r.randint(1, 12)}:{r.randint(0, 59):02d} PM",
}


@pytest.mark.parametrize("name", sorted(NUMBERS))
def test_numbers_written_for_people_are_refused(tmp_path, name):
    values = _values(NUMBERS[name])
    error = _refused(
        _column(tmp_path, values), "Column 'x' holds numbers written for"
    )
    # The file and line of a sample, the sample, and the ways out.
    assert f"{values[0]!r} at " in error and "a.csv:2" in error
    assert "plain numbers" in error
    assert "--categorical x" in error and "--exclude x" in error


@pytest.mark.parametrize("name", sorted(DATES))
def test_dates_and_times_are_refused(tmp_path, name):
    values = _values(DATES[name])
    error = _refused(_column(tmp_path, values), "Column 'x' holds dates")
    assert f"{values[0]!r} at " in error and "a.csv:2" in error
    assert "--categorical x" in error and "--exclude x" in error


@pytest.mark.parametrize("flag", ["categorical", "exclude", "text"])
def test_flags_keep_such_a_column_as_it_is(tmp_path, flag):
    data = _column(tmp_path, _values(NUMBERS["thousands"]))
    assert _check(data, **{flag: ["x"]}).rows == ROWS
    data = _column(tmp_path, _values(DATES["iso_date"]))
    assert _check(data, **{flag: ["x"]}).rows == ROWS


def test_plain_numbers_beside_separated_ones_count_as_numbers(tmp_path):
    # Small amounts need no separator: 999, 1,000, ...; 30 separated
    # values are too many for the stray-cell message.
    values = [f"{v:,}" for v in range(900, 1170)]
    values += [str(v) for v in range(30)]
    error = _refused(_column(tmp_path, values), "numbers written for")
    assert "in 170 of 300 values" in error


def test_missing_markers_do_not_hide_a_percent_column(tmp_path):
    values = _values(NUMBERS["percent"])
    values[3:40] = ["NA"] * 37
    _refused(_column(tmp_path, values), "numbers written for")


def test_a_few_separated_numbers_are_stray_cells(tmp_path):
    # Under 20 of them: the existing stray-cell error names each row.
    values = [str(i) for i in range(ROWS)]
    values[4] = "1,234"
    error = _refused(_column(tmp_path, values), "holds numbers except in 1")
    assert "a.csv:6 '1,234'" in error


@pytest.mark.parametrize(
    "make",
    [
        lambda i: f"Room {i}",
        lambda i: f"order {i} shipped on 2024-01-{i % 28 + 1:02d}",
        lambda i: f"{i} Main Street",
        lambda i: f"v{i}.2",
        lambda i: f"(555) 123-{1000 + i}",
        lambda i: f"192.168.{i % 256}.{i % 7}",
    ],
)
def test_free_text_with_digits_is_not_refused(tmp_path, make):
    values = [make(i) for i in range(ROWS)]
    assert _check(_column(tmp_path, values)).rows == ROWS


def test_a_text_column_with_some_dates_is_not_refused(tmp_path):
    dates = _values(DATES["iso_date"])
    values = [d if i % 2 else f"note {i}" for i, d in enumerate(dates)]
    assert _check(_column(tmp_path, values)).rows == ROWS


@pytest.mark.parametrize(
    "value, shape",
    [
        ("1,234", "number"),
        ("-$12", "number"),
        ("($1,234.00)", "number"),
        ("1 234", "number"),
        ("0,5%", "number"),
        ("Wed, 31 Jan 2024 12:00:00 +0000", "date"),
        ("Jan 31, 2024", "date"),
        ("2024-01", "date"),
        ("2024-13-01", None),  # no month 13
        ("12/45/2024", None),  # no day 45
        ("7:99", None),
        ("1,2,3", None),
        ("555-123-4567", None),
        ("12 apples", None),
        ("$", None),
    ],
)
def test_written_shape(value, shape):
    assert csv_profile.written_shape(value) == shape


# --- labels --------------------------------------------------------------


def test_labels_differing_by_case_or_spaces_are_listed(tmp_path):
    labels = ["Yes", "yes ", "no", " No", "maybe"] * (ROWS // 5)
    data = _column(tmp_path, list(range(ROWS)), label=labels)
    error = _refused(data, "differ only by case or surrounding spaces")
    assert "' No', 'no'" in error and "'Yes', 'yes '" in error
    assert "maybe" not in error and "Clean the label column" in error
    # With the task inferred too, and in a multi-task run's other label.
    _refused(data, "differ only by case", task=None)
    rows = [[i, "ab"[i % 2], labels[i]] for i in range(ROWS)]
    multi = _data(tmp_path, ["x", "y", "z"], rows)
    with pytest.raises(input_checks.InputError, match="'z' has classes"):
        input_checks.check_csv_input(
            multi, "y", "classification", other_labels=[("z", None)]
        )


def test_distinct_labels_and_numeric_labels_pass(tmp_path):
    labels = ["yes", "no", "Maybe"] * (ROWS // 3)
    assert _check(_column(tmp_path, list(range(ROWS)), labels)).rows == ROWS
    # " 1" and "1" are one number (one class) in the pipeline.
    numeric = [" 1", "1", "2"] * (ROWS // 3)
    assert _check(_column(tmp_path, list(range(ROWS)), numeric)).rows == ROWS


@pytest.mark.parametrize("value", ["po\ns", "pos\r", "a\u2028b"])
def test_a_label_with_a_line_break_is_refused(tmp_path, value):
    labels = ["neg"] * ROWS
    labels[7] = value
    data = _column(tmp_path, list(range(ROWS)), label=labels)
    error = _refused(data, r"a.csv:\d+: label 'y' is ")
    assert repr(value) in error and "line break" in error
    assert "Clean the label column" in error
