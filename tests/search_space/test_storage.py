"""`search_space.storage`: TensorFlow's filesystems when TensorFlow is
installed, local files (and a clear refusal of URLs) when it is not."""

import os

import pytest

from search_space import storage
from search_space import trial_info


@pytest.fixture
def without_tensorflow(monkeypatch):
    # As on a JAX- or torch-only box: the shim found no TensorFlow.
    monkeypatch.setattr(storage, "_GFILE", [None])


def test_local_files_without_tensorflow(without_tensorflow, tmp_path):
    path = str(tmp_path / "state" / "oracle.json")
    storage.write_json_atomically(path, {"trials": 3})
    storage.write_json_atomically(path, {"trials": 4})  # replaced, atomically
    assert storage.read_json(path) == {"trials": 4}
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
        storage.write_json_atomically("gs://bucket/search/oracle.json", {})
    with pytest.raises(ValueError, match="is a URL"):
        storage.read_json("gs://bucket/search/oracle.json")
    assert os.listdir(tmp_path) == []  # no local "gs:" directory


def test_urls_through_tf_io_gfile():
    pytest.importorskip("tensorflow")
    root = "ram://storage-test"
    storage.write_json_atomically(f"{root}/trial_1/trial.json", {"a": 1})
    storage.write_json_atomically(f"{root}/trial_1/trial.json", {"a": 2})
    assert storage.read_json(f"{root}/trial_1/trial.json") == {"a": 2}
    assert storage.glob(f"{root}/trial_*/*") == [f"{root}/trial_1/trial.json"]
    storage.remove(f"{root}/trial_1/trial.json")
    assert not storage.exists(f"{root}/trial_1/trial.json")
    assert storage.read_json(f"{root}/missing.json", {"none": True}) == {
        "none": True
    }
    storage.rmtree(root)
    assert not os.path.exists("ram:")


def test_write_text_atomically_creates_the_parent_and_replaces(tmp_path):
    path = str(tmp_path / "new" / "deeper" / "page.html")
    storage.write_text_atomically(path, "first")
    storage.write_text_atomically(path, "second")
    assert (tmp_path / "new" / "deeper" / "page.html").read_text() == "second"
    assert os.listdir(tmp_path / "new" / "deeper") == ["page.html"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(
    without_tensorflow, tmp_path, monkeypatch
):
    path = str(tmp_path / "state.json")
    storage.write_text_atomically(path, "old")

    def broken_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        storage.write_text_atomically(path, "new")
    assert (tmp_path / "state.json").read_text() == "old"
    assert os.listdir(tmp_path) == ["state.json"]


def test_write_text_atomically_to_a_url():
    pytest.importorskip("tensorflow")
    root = "ram://atomic-text-test"
    storage.write_text_atomically(f"{root}/report/index.html", "<p>1</p>")
    storage.write_text_atomically(f"{root}/report/index.html", "<p>2</p>")
    with storage.open_file(f"{root}/report/index.html") as f:
        assert f.read() == "<p>2</p>"
    assert storage.glob(f"{root}/report/*") == [f"{root}/report/index.html"]
    storage.rmtree(root)


def test_trial_info_round_trip(tmp_path):
    trial_dir = str(tmp_path / "trial_0")
    assert trial_info.read(trial_dir) == {}
    trial_info.write(trial_dir, {"trial_id": "0", "epochs": 3})
    assert trial_info.read(trial_dir) == {"trial_id": "0", "epochs": 3}
    assert os.listdir(trial_dir) == [trial_info.FILE_NAME]
