"""`search_space.storage`: TensorFlow's filesystems when TensorFlow is
installed, local files (and a clear refusal of URLs) when it is not."""

import os

import pytest

from search_space import oracle
from search_space import storage


@pytest.fixture
def without_tensorflow(monkeypatch):
    # As on a JAX- or torch-only box: the shim found no TensorFlow.
    monkeypatch.setattr(storage, "_GFILE", [None])


def test_local_files_without_tensorflow(without_tensorflow, tmp_path):
    path = str(tmp_path / "state" / "oracle.json")
    oracle.write_json_atomically(path, {"trials": 3})
    oracle.write_json_atomically(path, {"trials": 4})  # replaced, atomically
    assert oracle.read_json(path) == {"trials": 4}
    assert os.listdir(tmp_path / "state") == ["oracle.json"]  # no temp left
    assert storage.glob(str(tmp_path / "state" / "*.json")) == [path]
    with storage.open_file(str(tmp_path / "log"), "a") as f:
        f.write("1\n")
    with storage.open_file(str(tmp_path / "log"), "a") as f:
        f.write("2\n")
    assert (tmp_path / "log").read_text() == "1\n2\n"


def test_a_url_without_tensorflow_raises_instead_of_writing_locally(
    without_tensorflow, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="TensorFlow is not installed"):
        oracle.write_json_atomically("gs://bucket/search/oracle.json", {})
    with pytest.raises(ValueError, match="is a URL"):
        oracle.read_json("gs://bucket/search/oracle.json")
    assert os.listdir(tmp_path) == []  # no local "gs:" directory


def test_urls_through_tf_io_gfile():
    pytest.importorskip("tensorflow")
    root = "ram://storage-test"
    oracle.write_json_atomically(f"{root}/trial_1/trial.json", {"a": 1})
    oracle.write_json_atomically(f"{root}/trial_1/trial.json", {"a": 2})
    assert oracle.read_json(f"{root}/trial_1/trial.json") == {"a": 2}
    assert storage.glob(f"{root}/trial_*/*") == [f"{root}/trial_1/trial.json"]
    storage.remove(f"{root}/trial_1/trial.json")
    assert not storage.exists(f"{root}/trial_1/trial.json")
    assert oracle.read_json(f"{root}/missing.json", {"none": True}) == {
        "none": True
    }
    storage.rmtree(root)
    assert not os.path.exists("ram:")
