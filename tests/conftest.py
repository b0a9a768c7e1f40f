"""Shared fixtures: small real data from the taxi sample the tfx wheel ships."""

import os

import pytest

# Quiet TensorFlow's C++ start-up chatter in test logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture
def taxi_sample(tmp_path):
    """A directory holding the first 400 rows of the taxi CSV."""
    from pipelines import sample_data

    return sample_data.write_sample(str(tmp_path / "data"), rows=400)
