"""Too few rows for a split: said so up front, with the counts and
`--split`, instead of the tuner's "check --exclude" after one train row
made every column constant."""

import pytest

from pipelines.preflight import split_checks
from pipelines.preflight.input_files import InputError


def test_seven_rows_at_the_small_table_split_are_refused():
    with pytest.raises(InputError) as error:
        split_checks.check_split_rows(7, (3, 1, 1))
    message = str(error.value)
    assert "eval and test splits would get too few rows" in message
    assert "7 labelled rows split 3,1,1 (--split)" in message
    assert "train ~4.2, eval ~1.4, test ~1.4" in message
    assert "at least 9 labelled rows" in message
    assert "check --exclude" not in message


def test_a_split_that_starves_one_split_names_it_and_the_flag():
    with pytest.raises(InputError) as error:
        split_checks.check_split_rows(40, (1, 1, 18))
    message = str(error.value)
    assert "The train and eval splits would get too few rows" in message
    assert "--split 1,1,1" in message


def test_enough_rows_in_every_split_pass():
    split_checks.check_split_rows(15, (3, 1, 1))
    split_checks.check_split_rows(9, (1, 1, 1))
    split_checks.check_split_rows(400, (8, 1, 1))


def test_expected_rows_follow_the_buckets():
    assert split_checks.expected_split_rows(10, (3, 1, 1)) == {
        "train": 6.0,
        "eval": 2.0,
        "test": 2.0,
    }


def test_the_cli_refuses_a_seven_row_table_before_any_stage(tmp_path, capsys):
    from pipelines import cli

    data = tmp_path / "data"
    data.mkdir()
    rows = [f"{i},{'ab'[i % 2]}" for i in range(7)]
    (data / "t.csv").write_text("size,label\n" + "\n".join(rows) + "\n")
    output = tmp_path / "out"
    code = cli.main(
        [
            "run",
            "--data",
            str(data),
            "--label",
            "label",
            "--output",
            str(output),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "autokeras-tfx: error: The eval and test splits would get" in err
    assert "7 labelled rows split 3,1,1 (--split)" in err
    assert not output.exists()
