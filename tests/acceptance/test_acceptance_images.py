"""The acceptance matrix's image rows: `autokeras-tfx run` on image data,
scored on 20% of the images the pipeline never saw, through the pushed
model's `serving_default` on raw encoded PNG bytes in tf.Examples.

- digits: sklearn's digits as PNG files in one folder per class
  (`--input-format images`); held-out accuracy >= 0.95.
- shapes: generated colour/gray pictures of mixed sizes in a TFRecord with
  a tabular `weight` beside them (`--input-format tfrecord`); the picture
  column is found by TFDV's image domain, not its name, and the label needs
  both the picture and the weight (either alone caps accuracy at 0.75).

    ./dev pytest tests/acceptance/test_acceptance_images.py -q
"""

import os

import image_data
import matrix_run
import numpy as np
import pytest

from tests.helpers import serving_loaders

pytestmark = pytest.mark.slow

DIGITS_MIN_ACCURACY = 0.95
SHAPES_MIN_ACCURACY = 0.9


def _run(args, output_dir):
    from pipelines import cli

    return cli.run(
        cli.build_parser().parse_args(
            [
                "run",
                *args,
                "--output",
                output_dir,
                "--seed",
                "0",
                "--pipeline-name",
                matrix_run.PIPELINE_NAME,
            ]
        )
    )


def _examples(rows, image_key):
    """Serialized tf.Examples holding only the raw encoded image bytes (and
    any other feature) of each held-out row."""
    return [
        image_data.to_example({image_key: data, **extra})
        for data, extra in rows
    ]


def _classes(model_dir, records):
    answers = serving_loaders.object_loader_answers(
        model_dir, np.array(records, dtype=object)
    )
    return [c.decode() for c in answers["classes"]], answers


def _print(request, line):
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nacceptance {line}", flush=True)


def _check_both_loaders(model_dir, records, answers):
    # TF Serving's session-based loader answers alike (issue 13).
    serving_loaders.assert_same_answers(
        answers,
        serving_loaders.session_loader_answers(
            model_dir, np.array(records, dtype=object)
        ),
    )
    # And the model server's C++ loader, without Python's ops (issue 26).
    serving_loaders.assert_same_answers(
        answers,
        serving_loaders.cpp_loader_answers(
            model_dir, np.array(records, dtype=object)
        ),
    )


def test_digits_png_folders_reach_095_on_held_out_images(tmp_path, request):
    data_dir, holdout = image_data.write_digits(str(tmp_path))
    summary = _run(
        [
            "--data",
            data_dir,
            "--input-format",
            "images",
            "--max-trials",
            "2",
            "--epochs",
            "20",
        ],
        str(tmp_path / "output"),
    )
    assert summary.get("pushed"), f"nothing was pushed: {summary}"
    records = _examples([(data, {}) for data, _ in holdout], "image")
    predicted, answers = _classes(summary["pushed_model"], records)
    accuracy = float(
        np.mean([p == label for p, (_, label) in zip(predicted, holdout)])
    )
    _print(
        request,
        f"digits (PNG folders): accuracy {accuracy:.4f} on "
        f"{len(holdout)} held-out images",
    )
    assert accuracy >= DIGITS_MIN_ACCURACY
    _check_both_loaders(summary["pushed_model"], records, answers)


def test_shapes_in_tfrecord_beside_a_number_need_both(tmp_path, request):
    data_dir, holdout = image_data.write_shapes(str(tmp_path))
    summary = _run(
        [
            "--data",
            data_dir,
            "--input-format",
            "tfrecord",
            "--label",
            "shape",
            "--max-trials",
            "2",
            "--epochs",
            "15",
        ],
        str(tmp_path / "output"),
    )
    assert summary.get("pushed"), f"nothing was pushed: {summary}"
    records = _examples(
        [(row["picture"], {"weight": row["weight"]}) for row in holdout],
        "picture",
    )
    predicted, answers = _classes(summary["pushed_model"], records)
    accuracy = float(
        np.mean([p == row["shape"] for p, row in zip(predicted, holdout)])
    )
    _print(
        request,
        f"shapes (TFRecord, picture + weight): accuracy "
        f"{accuracy:.4f} on {len(holdout)} held-out rows",
    )
    assert accuracy >= SHAPES_MIN_ACCURACY
    _check_both_loaders(summary["pushed_model"], records, answers)
    # The column table recorded the picture as an image and its shape.
    from components.util import feature_kinds
    from pipelines import local_runner
    from pipelines import run_summary

    store = run_summary.open_store(
        local_runner.local_paths(
            str(tmp_path / "output"), matrix_run.PIPELINE_NAME
        )["metadata_path"]
    )
    schema_uri = [
        a.uri
        for a in store.get_artifacts_by_type("Schema")
        if os.path.exists(os.path.join(a.uri, "schema.pbtxt"))
        and "FeatureKindsGen" in a.uri
    ]
    assert schema_uri, "no curated schema in the run's metadata"
    from tfx.utils import io_utils

    schema = io_utils.SchemaReader().read(
        os.path.join(schema_uri[0], "schema.pbtxt")
    )
    kinds = {d.name: d for d in feature_kinds.read_column_table(schema)}
    assert kinds["picture"].kind == feature_kinds.IMAGE
    assert kinds["picture"].image_shape[2] == 3  # colour files among them
    assert kinds["weight"].kind == feature_kinds.NUMERICAL
