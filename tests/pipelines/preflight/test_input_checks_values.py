"""Bad input in the label, the feature-kind flags and the column values.

Each check runs in well under a second, before any pipeline stage.
"""

import pytest

from pipelines.preflight import input_checks


def _data(tmp_path, content, name="a.csv"):
    path = tmp_path / "d" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return str(path.parent)


def _table(header, rows):
    return (
        ",".join(header)
        + "\n"
        + "".join(",".join(str(v) for v in row) + "\n" for row in rows)
    )


def _check(data, label="y", task="classification", **flags):
    return input_checks.check_csv_input(data, label, task, **flags)


def _refused(data, match, label="y", task="classification", **flags):
    with pytest.raises(input_checks.InputError, match=match) as info:
        _check(data, label, task, **flags)
    return str(info.value)


# --- label ---------------------------------------------------------------


def test_label_that_is_the_only_column(tmp_path):
    data = _data(tmp_path, "y\na\nb\n")
    _refused(data, "no feature columns besides the label 'y'")


def test_every_other_column_excluded(tmp_path):
    data = _data(tmp_path, "id,x,y\n1,2,a\n2,3,b\n")
    error = _refused(
        data, "no feature columns besides the label 'y'", exclude=["id", "x"]
    )
    assert "--exclude" in error


def test_rows_with_an_empty_label_are_counted(tmp_path):
    rows = [[1, "a"], [2, ""], [3, "b"], [4, " "], [5, "a"]]
    report = _check(_data(tmp_path, _table(["x", "y"], rows)))
    assert report.rows == 5 and report.missing_label_rows == 2


def test_label_empty_in_every_row(tmp_path):
    data = _data(tmp_path, _table(["x", "y"], [[1, ""], [2, ""]]))
    _refused(data, "Label column 'y' is empty in all 2 rows")
    _refused(data, "is empty in all 2 rows", task="regression")


def test_id_like_numeric_label_suggests_regression(tmp_path):
    rows = [[i % 3, 1000 + i] for i in range(40)]
    data = _data(tmp_path, _table(["x", "y"], rows))
    error = _refused(data, "has 40 distinct classes in 40 labelled rows")
    assert "--task regression" in error


def test_id_like_string_label_asks_for_another_label(tmp_path):
    rows = [[i % 3, f"user-{i}"] for i in range(30)]
    data = _data(tmp_path, _table(["x", "y"], rows))
    error = _refused(data, "more than 10% of the rows")
    assert "pass another --label" in error and "regression" not in error


def test_many_classes_in_a_tiny_table_are_not_judged(tmp_path):
    rows = [[i, f"class-{i}"] for i in range(12)]
    assert _check(_data(tmp_path, _table(["x", "y"], rows))).rows == 12


def test_ten_percent_classes_is_still_fine(tmp_path):
    rows = [[i, i % 10] for i in range(100)]  # 10 classes, 100 rows
    assert _check(_data(tmp_path, _table(["x", "y"], rows))).rows == 100


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity"])
def test_regression_label_that_is_not_finite(tmp_path, value):
    data = _data(tmp_path, _table(["x", "y"], [[1, 2.5], [2, value], [3, 1]]))
    error = _refused(data, "a.csv:3: label 'y' is", task="regression")
    assert repr(value) in error and "not a finite number" in error


# --- --categorical / --text / --exclude ----------------------------------

TABLE = _table(
    ["num", "ratio", "city", "note", "y"],
    [
        [1, 0.5, "Oslo", "a long remark", "yes"],
        [2, 1.5, "Rome", "short", "no"],
        [3, 2.0, "Oslo", "", "yes"],
    ],
)


@pytest.mark.parametrize("flag", ["categorical", "text", "exclude"])
def test_flag_naming_an_unknown_column_lists_the_columns(tmp_path, flag):
    error = _refused(
        _data(tmp_path, TABLE),
        "--%s names 'nope', not a column" % flag,
        **{flag: ["city", "nope"]},
    )
    assert "num, ratio, city, note, y" in error


@pytest.mark.parametrize("flag", ["categorical", "text", "exclude"])
def test_flag_naming_the_label(tmp_path, flag):
    _refused(
        _data(tmp_path, TABLE),
        f"--{flag} names the label 'y'",
        **{flag: ["y"]},
    )


def test_column_in_two_flags(tmp_path):
    error = _refused(
        _data(tmp_path, TABLE),
        "Column 'note' is in both --categorical and --text",
        categorical=["note"],
        text=["note"],
    )
    assert "one kind" in error
    _refused(
        _data(tmp_path, TABLE),
        "'city' is in both --text and --exclude",
        text=["city"],
        exclude=["city"],
    )


@pytest.mark.parametrize("column", ["num", "ratio"])
def test_text_on_a_numeric_column(tmp_path, column):
    _refused(
        _data(tmp_path, TABLE),
        f"Column '{column}' holds numbers, not text; drop it from --text",
        text=[column],
    )


def test_categorical_on_a_float_column(tmp_path):
    error = _refused(
        _data(tmp_path, TABLE),
        "Column 'ratio' holds floating-point numbers",
        categorical=["ratio"],
    )
    assert "'0.5' at " in error and "a.csv:2" in error


def test_valid_flags_pass(tmp_path):
    report = _check(
        _data(tmp_path, TABLE),
        categorical=["num", "city"],
        text=["note"],
        exclude=["ratio"],
    )
    assert report.rows == 3


# --- numeric columns with stray strings ----------------------------------


def _numbers_with(strays, rows=100):
    """A table whose 'fare' column holds numbers, and `strays` (line ->
    value) in some rows."""
    table = []
    for i in range(rows):
        line = i + 2
        table.append([i, strays.get(line, f"{i * 1.5:.1f}"), "ab"[i % 2]])
    return _table(["n", "fare", "y"], table)


def test_stray_strings_in_a_numeric_column_name_the_rows(tmp_path):
    data = _data(tmp_path, _numbers_with({5: "12.50 $", 9: "abc"}))
    error = _refused(data, "Column 'fare' holds numbers except in 2 cell")
    assert "a.csv:5 '12.50 $'" in error and "a.csv:9 'abc'" in error
    assert "fix those cells, or leave them empty" in error
    assert "--categorical fare" in error


def test_at_most_five_stray_locations_are_listed(tmp_path):
    strays = {line: "x" for line in (3, 4, 5, 6, 7, 8, 9)}
    error = _refused(_data(tmp_path, _numbers_with(strays)), "in 7 cell")
    assert error.count("'x'") == 5 and "..." in error


@pytest.mark.parametrize("marker", ["NA", "N/A", "nan", "null", "?", " "])
def test_missing_value_markers_should_be_left_empty(tmp_path, marker):
    data = _data(tmp_path, _numbers_with({7: marker}))
    error = _refused(data, "holds numbers except in 1 cell")
    assert "leave those cells empty" in error


@pytest.mark.parametrize("flag", ["categorical", "text", "exclude"])
def test_flagged_columns_may_hold_strings(tmp_path, flag):
    data = _data(tmp_path, _numbers_with({5: "abc"}))
    assert _check(data, **{flag: ["fare"]}).rows == 100


def test_a_column_of_mostly_strings_is_a_string_column(tmp_path):
    strays = {line: f"s{line}" for line in range(2, 32)}  # 30 of 100
    assert _check(_data(tmp_path, _numbers_with(strays))).rows == 100


def test_twenty_strays_make_a_string_column(tmp_path):
    strays = {line: "s" for line in range(2, 22)}  # 20 of 1000
    data = _data(tmp_path, _numbers_with(strays, rows=1000))
    assert _check(data).rows == 1000


def test_empty_cells_are_missing_values_not_strays(tmp_path):
    data = _data(tmp_path, _numbers_with({4: "", 5: ""}))
    assert _check(data).rows == 100
