"""Images through the pipeline's parts: the class-folder listing and its
errors, the target shape decided from data, decoding inside the Transform
graph, TFDV's image domain into the column table, the CLI's checks.

The whole pipeline on images (digits, and shapes in a TFRecord beside a
tabular feature) runs in tests/acceptance/test_acceptance_images.py.
"""

import io
import os
import pathlib
import sys

import numpy as np
import pytest
import tensorflow as tf

from components.example_gen import image_files
from components.feature_kinds_gen import curation
from components.feature_kinds_gen import image_shape
from components.transform import preprocessing
from components.util import feature_kinds

sys.path.insert(
    0, str(pathlib.Path(__file__).resolve().parents[2] / "acceptance")
)
import image_data  # noqa: E402

GRAY = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4


def _jpeg(pixels):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG")
    return buffer.getvalue()


def _write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def _folders(root, per_class=3):
    for label in ("cat", "dog"):
        for i in range(per_class):
            _write(root / label / f"{i}.png", image_data.png_bytes(GRAY))
    return root


def test_listing_uses_images_and_counts_what_it_skips(tmp_path):
    root = _folders(tmp_path)
    rgb = np.zeros((5, 7, 3), np.uint8)
    _write(root / "cat" / "photo.jpg", _jpeg(rgb))
    _write(root / "cat" / "nested" / "deep.png", image_data.png_bytes(GRAY))
    _write(root / "dog" / "empty.png", b"")
    _write(root / "dog" / "README.txt", b"notes about dogs")
    _write(root / "dog" / "broken.png", image_data.png_bytes(GRAY)[:30])
    _write(root / "dog" / ".DS_Store", b"\x00\x01")
    listing = image_files.list_images(str(root))
    assert listing.class_counts() == {"cat": 5, "dog": 3}
    assert {r: len(p) for r, p in listing.skipped.items()} == {
        "empty": 1,
        "not an image": 1,
        "undecodable": 1,
    }
    assert "broken.png" in listing.skipped["undecodable"][0]
    assert "1 empty" in listing.skipped_summary()


@pytest.mark.parametrize(
    "layout, message",
    [
        ("one_class", "at least two"),
        ("single_image", r"'dog' \(1\)"),
        ("loose_file", "beside the class folders"),
        ("only_junk", r"'dog' \(0\)"),
    ],
)
def test_bad_layouts_stop_with_a_clear_error(tmp_path, layout, message):
    root = tmp_path
    if layout == "one_class":
        _write(root / "cat" / "0.png", image_data.png_bytes(GRAY))
    else:
        _folders(root, per_class=2)
    if layout == "single_image":
        os.remove(root / "dog" / "1.png")
    elif layout == "loose_file":
        _write(root / "stray.png", image_data.png_bytes(GRAY))
    elif layout == "only_junk":
        for name in os.listdir(root / "dog"):
            _write(root / "dog" / name, b"not a png")
    with pytest.raises(image_files.ImageInputError, match=message):
        image_files.list_images(str(root))


def test_shape_is_the_median_size_capped_and_gray_only_when_all_are():
    shape, reason = image_shape.decide_shape(
        [(10, 20, True), (12, 24, True), (300, 10, True)]
    )
    assert shape == [12, 20, 1]
    assert "3 distinct size(s)" in reason and "grayscale" in reason
    shape, _ = image_shape.decide_shape([(200, 100, True), (200, 100, False)])
    assert shape == [64, 32, 3]  # longer side capped, aspect kept; colour
    with pytest.raises(ValueError, match="No readable image"):
        image_shape.decide_shape([])


def test_decode_images_brings_mixed_files_to_one_shape():
    colour = np.zeros((5, 9, 3), np.uint8)
    colour[..., 0] = 255
    values = tf.constant(
        [
            image_data.png_bytes(GRAY),  # 8x8 gray
            image_data.png_bytes(colour),  # 5x9 RGB
            _jpeg(colour),
        ]
    )
    pixels = tf.function(lambda v: preprocessing.decode_images(v, [6, 6, 3]))(
        values
    ).numpy()
    assert pixels.shape == (3, 6, 6, 3) and pixels.dtype == np.float32
    # Gray replicated over the channels; red stays red after resizing.
    np.testing.assert_allclose(pixels[0, ..., 0], pixels[0, ..., 2])
    assert pixels[1, ..., 0].min() > 250 and pixels[1, ..., 1].max() < 5
    assert 0 <= pixels.min() and pixels.max() <= 255.5


def test_image_domain_becomes_an_image_column_with_its_shape(tmp_path):
    import tensorflow_data_validation as tfdv

    path = str(tmp_path / "shapes.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        # TFDV names the image domain from 100 values on.
        for row in image_data.shapes_rows(120):
            writer.write(image_data.to_example(row))
    # As StatisticsGen runs it in the pipeline: semantic domains on.
    result = tfdv.generate_statistics_from_tfrecord(
        path,
        stats_options=tfdv.StatsOptions(enable_semantic_domain_stats=True),
    )
    schema = tfdv.infer_schema(result)
    assert curation.image_columns(schema) == ["picture"]
    shapes = {"picture": [(12, 12, False), (24, 24, False), (18, 20, True)]}
    config = feature_kinds.TransformConfig(label="shape")
    curated, decisions = curation.curate(
        schema, result.datasets[0], config, {}, shapes
    )
    by_name = {d.name: d for d in decisions}
    assert by_name["picture"].kind == feature_kinds.IMAGE
    assert by_name["picture"].image_shape == [18, 20, 3]
    assert "TFDV image domain" in by_name["picture"].reason
    assert by_name["weight"].kind == feature_kinds.NUMERICAL
    # The shape survives the trip through the curated schema's tag.
    [stored] = [
        d
        for d in feature_kinds.read_column_table(curated)
        if d.name == "picture"
    ]
    assert stored.image_shape == [18, 20, 3]


def test_an_image_folder_column_is_images_without_tfdv_domain():
    from components.feature_kinds_gen import kind_inference

    profile = kind_inference.ColumnProfile(
        "image", "string", 40, distinct=40, average_length=300
    )
    config = feature_kinds.TransformConfig(
        label="label", image_features=["image"]
    )
    [decision] = kind_inference.decide_kinds([profile], config)
    assert decision.kind == feature_kinds.IMAGE
    # Without it, 40 long distinct byte strings would pass for free text.
    [decision] = kind_inference.decide_kinds(
        [profile], feature_kinds.TransformConfig(label="label")
    )
    assert decision.kind == feature_kinds.TEXT


def test_cli_reports_skipped_files_and_refuses_a_label(tmp_path, capsys):
    from pipelines import cli

    root = _folders(tmp_path / "data")
    _write(root / "cat" / "notes.txt", b"hello")
    args = cli.build_parser().parse_args(
        ["run", "--data", str(root), "--input-format", "images"]
    )
    assert cli._check_image_input(args) == ["image", "cat", "dog"]
    assert args.label == "label"
    assert cli.transform_config(args).image_features == ("image",)
    out = capsys.readouterr().out
    assert "6 images in 2 classes" in out and "1 not an image" in out
    args = cli.build_parser().parse_args(
        [
            "run",
            "--data",
            str(root),
            "--input-format",
            "images",
            "--label",
            "kind",
        ]
    )
    with pytest.raises(ValueError, match="leave --label out"):
        cli._check_image_input(args)


def test_image_weights_must_be_a_local_file_a_backbone_matches(tmp_path):
    from pipelines import cli

    with pytest.raises(ValueError, match="is not a file"):
        cli._checked_image_weights(str(tmp_path / "efficientnetb0_notop.h5"))
    unknown = tmp_path / "weights.h5"
    unknown.write_bytes(b"")
    with pytest.raises(ValueError, match="Cannot tell which backbone"):
        cli._checked_image_weights(str(unknown))
    known = tmp_path / "efficientnetb0_notop.h5"
    known.write_bytes(b"")
    assert cli._checked_image_weights(str(known)) == str(known)
    args = cli.build_parser().parse_args(
        [
            "run",
            "--data",
            str(tmp_path),
            "--label",
            "y",
            "--image-weights",
            str(known),
        ]
    )
    assert cli.transform_config(args).image_weights == str(known)


def test_image_flag_names_image_columns_for_tfrecord_input(tmp_path):
    from pipelines import cli

    args = cli.build_parser().parse_args(
        [
            "run",
            "--data",
            str(tmp_path),
            "--label",
            "y",
            "--input-format",
            "tfrecord",
            "--image",
            "scan,photo",
        ]
    )
    assert cli.transform_config(args).image_features == ("scan", "photo")
