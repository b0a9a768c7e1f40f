"""Shared fixtures: small real data from the taxi sample the tfx wheel ships."""

import os
import pathlib

import pytest

# Quiet TensorFlow's C++ start-up chatter in test logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def taxi_sample(tmp_path):
    """A directory holding the first 400 rows of the taxi CSV."""
    from pipelines import sample_data

    return sample_data.write_sample(str(tmp_path / "data"), rows=400)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """The real local pipeline, run once per session on 400 taxi rows
    (2 trials of 8 epochs: fewer do not beat the majority class, and the
    Evaluator rightly blesses nothing): (the pipeline's directory, run
    summary). Tests
    of later stages reuse its Transform output instead of running Transform
    again."""
    from pipelines import cli
    from pipelines import sample_data

    root = tmp_path_factory.mktemp("e2e")
    data = sample_data.write_sample(str(root / "data"), rows=400)
    args = cli.build_parser().parse_args(
        [
            "run",
            "--data",
            data,
            "--label",
            "payment_type",
            "--max-trials",
            "2",
            "--epochs",
            "8",
            "--output",
            str(root / "out"),
        ]
    )
    summary = cli.run(args)
    return pathlib.Path(summary["pipeline_dir"]), summary
