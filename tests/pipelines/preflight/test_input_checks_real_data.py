"""Real datasets that the runtime's packages ship must pass every check,
quickly (the checks run before each `autokeras-tfx run`)."""

import csv
import importlib.util
import os
import shutil
import time

import pytest

from pipelines import sample_data
from pipelines.preflight import input_checks


def test_taxi_sample_passes_with_flags(taxi_sample):
    report = input_checks.check_csv_input(
        taxi_sample,
        "payment_type",
        "classification",
        categorical=["trip_start_hour", "pickup_community_area"],
        text=["company"],
        exclude=["trip_start_timestamp"],
    )
    assert report.rows == 400 and report.missing_label_rows == 0
    assert report.files == [os.path.join(taxi_sample, "data.csv")]
    assert len(report.header) == 18


def test_full_taxi_file_passes_in_well_under_two_seconds():
    data = sample_data.demo_data_dir()
    started = time.perf_counter()
    report = input_checks.check_csv_input(
        data, sample_data.DEMO_LABEL, sample_data.DEMO_TASK
    )
    seconds = time.perf_counter() - started
    assert report.rows > 15000
    assert seconds < 2.0, f"the check took {seconds:.2f} s"


def test_full_taxi_file_as_regression_on_tips():
    report = input_checks.check_csv_input(
        sample_data.demo_data_dir(), "tips", "regression"
    )
    assert report.rows > 15000


def _write_frame(frame, directory):
    os.makedirs(directory)
    frame.to_csv(os.path.join(directory, "data.csv"), index=False)
    return directory


@pytest.mark.parametrize(
    "loader, task",
    [
        ("load_breast_cancer", "classification"),
        ("load_wine", "classification"),
        ("load_iris", "classification"),
        ("load_diabetes", "regression"),
    ],
)
def test_sklearn_datasets_pass(tmp_path, loader, task):
    datasets = pytest.importorskip("sklearn.datasets")
    frame = getattr(datasets, loader)(as_frame=True).frame
    data = _write_frame(frame, str(tmp_path / loader))
    report = input_checks.check_csv_input(data, "target", task)
    assert report.rows == len(frame)
    assert report.header == list(frame.columns)


def _imdb_sample():
    spec = importlib.util.find_spec("tfx")
    return os.path.join(
        spec.submodule_search_locations[0],
        "examples",
        "imdb",
        "data",
        "imdb_small_with_labels.txt",
    )


def test_imdb_sample_passes_with_a_text_column(tmp_path):
    data = tmp_path / "imdb"
    data.mkdir()
    shutil.copy(_imdb_sample(), data / "data.csv")
    report = input_checks.check_csv_input(
        str(data), "label", "classification", text=["text"]
    )
    assert report.header == ["label", "text"] and report.rows == 100


def test_awkward_mixed_csv_passes(tmp_path):
    header = [
        "\ufeffrow id",
        "first col",
        "a.b",
        "x-y",
        "größe",
        "2nd",
        "const",
        "zip",
        "comment",
        "target",
    ]
    data = tmp_path / "awkward"
    data.mkdir()
    with open(data / "data.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(header)
        for i in range(200):
            writer.writerow(
                [
                    i,
                    "" if i % 7 == 0 else f"{i * 0.37:.2f}",
                    i % 5,
                    "" if i % 11 == 0 else "north south".split()[i % 2],
                    -i,
                    f"{i}e-3",
                    "same",
                    10000 + i % 4,
                    'he said "fine, thanks"\nand left' if i % 3 else "",
                    "" if i % 50 == 0 else "yes no maybe".split()[i % 3],
                ]
            )
    report = input_checks.check_csv_input(
        str(data),
        "target",
        "classification",
        categorical=["zip"],
        text=["comment"],
        exclude=["row id"],
    )
    assert report.header[0] == "row id"
    assert report.rows == 200 and report.missing_label_rows == 4
