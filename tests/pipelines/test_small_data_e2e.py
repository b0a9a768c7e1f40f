"""Too little data to judge: a 30-row table (gzip-compressed, as people
ship them) runs end to end, but with about 10 evaluation rows the model is
not blessed, nothing is pushed, and the summary says why."""

import gzip

import pytest

from pipelines import cli

pytestmark = pytest.mark.slow


def test_a_tiny_table_is_not_blessed_and_the_summary_says_why(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    lines = ["size,colour,label"]
    for i in range(30):
        big = i % 2
        lines.append(
            f"{i + 10 * big},{'red' if big else 'blue'},"
            f"{'big' if big else 'small'}"
        )
    with gzip.open(data / "tiny.csv.gz", "wt") as f:
        f.write("\n".join(lines) + "\n")
    summary = cli.run(
        cli.build_parser().parse_args(
            [
                "run",
                "--data",
                str(data),
                "--label",
                "label",
                "--max-trials",
                "1",
                "--epochs",
                "2",
                "--output",
                str(tmp_path / "out"),
            ]
        )
    )
    rows = summary["metrics"]["example_count"]
    assert 0 < rows < 30
    assert summary["blessed"] is False and summary["pushed"] is False
    [reason] = [
        r for r in summary["blessing_failures"] if r.startswith("only")
    ]
    assert f"only {rows:.0f} evaluation rows" in reason
    assert "--min-eval-rows" in reason
    from pipelines import run_summary

    assert "not blessed: only" in run_summary.format_summary(summary)
