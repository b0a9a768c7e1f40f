"""The class-folder listing with symbolic links, odd folder names and
images TensorFlow cannot decode: each is skipped and counted (the CLI's
summary says so) or refused before any stage, never a crash, a lost class
or one image under two labels. The CLI check and ImageExampleGen share
this listing, so what is skipped here never reaches Transform.
"""

import io
import os

import numpy as np
import pytest
import tensorflow as tf

from components.example_gen import image_files
from components.transform import preprocessing

GRAY = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4


def _encoded(pixels, fmt, mode=None):
    from PIL import Image

    image = Image.fromarray(pixels)
    if mode:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _gif_without_colour_table():
    """A GIF with neither a global nor a local colour table: Pillow reads
    it (with a default palette), TensorFlow's decoder does not."""
    data = bytearray(_encoded(GRAY, "GIF", "P"))
    flags = data[10]
    assert flags & 0x80  # Pillow wrote a global colour table
    del data[13 : 13 + 3 * 2 ** ((flags & 7) + 1)]
    data[10] = flags & 0x7F
    return bytes(data)


def _folders(root, classes=("cat", "dog"), per_class=3):
    for label in classes:
        (root / label).mkdir(parents=True)
        for i in range(per_class):
            (root / label / f"{i}.png").write_bytes(_encoded(GRAY + i, "PNG"))
    return root


def _skipped(listing):
    return {reason: len(paths) for reason, paths in listing.skipped.items()}


def test_a_folder_link_back_up_is_a_loop_skipped_and_counted(tmp_path):
    root = _folders(tmp_path)
    os.symlink(".", root / "cat" / "again")
    os.symlink("..", root / "dog" / "up")
    listing = image_files.list_images(str(root))
    assert listing.class_counts() == {"cat": 3, "dog": 3}
    assert _skipped(listing) == {"symlink loop": 2}


def test_file_links_that_loop_or_name_nothing_are_skipped(tmp_path):
    root = _folders(tmp_path)
    os.symlink("self.png", root / "cat" / "self.png")
    os.symlink("b.png", root / "cat" / "a.png")
    os.symlink("a.png", root / "cat" / "b.png")
    os.symlink("missing.png", root / "dog" / "gone.png")
    listing = image_files.list_images(str(root))
    assert listing.class_counts() == {"cat": 3, "dog": 3}
    assert _skipped(listing) == {"symlink loop": 3, "broken symlink": 1}


def test_a_link_into_another_class_is_skipped_and_counted(tmp_path):
    root = _folders(tmp_path)
    os.symlink("../dog/0.png", root / "cat" / "dog0.png")
    os.symlink(root / "cat", root / "dog" / "cats")  # a whole folder
    listing = image_files.list_images(str(root))
    # Each image under one label only: its own folder's (dog/cats/dog0.png
    # names dog's own 0.png again).
    assert listing.class_counts() == {"cat": 3, "dog": 3}
    assert _skipped(listing) == {
        "symlink into another class": 4,
        "duplicate symlink": 1,
    }
    labels = {}
    for path, label in listing.images:
        assert labels.setdefault(os.path.realpath(path), label) == label
    assert "4 symlink into another class (e.g. " in listing.skipped_summary()


def test_one_outside_file_linked_from_two_classes_is_used_once(tmp_path):
    root = _folders(tmp_path / "data")
    outside = tmp_path / "shared.png"
    outside.write_bytes(_encoded(GRAY, "PNG"))
    os.symlink(outside, root / "cat" / "shared.png")
    os.symlink(outside, root / "dog" / "shared.png")
    os.symlink("0.png", root / "dog" / "zero-again.png")
    listing = image_files.list_images(str(root))
    assert listing.class_counts() == {"cat": 4, "dog": 3}
    assert _skipped(listing) == {
        "symlink into another class": 1,
        "duplicate symlink": 1,
    }
    assert str(root / "dog" / "shared.png") in listing.skipped_summary()


def test_a_class_folder_that_links_to_another_is_refused(tmp_path):
    root = _folders(tmp_path, classes=("cat", "bird"))
    os.symlink("cat", root / "dog")
    with pytest.raises(image_files.ImageInputError) as info:
        image_files.list_images(str(root))
    assert "Class folder 'dog'" in str(info.value)
    assert "is the class folder 'cat'" in str(info.value)
    assert "under both labels" in str(info.value)


@pytest.mark.parametrize("name", ["bi\nrd", "bird\r", "bi\trd", "\x1b[31mred"])
def test_a_class_folder_name_with_a_control_character_is_refused(
    tmp_path, name
):
    root = _folders(tmp_path, classes=("cat", "dog", name))
    with pytest.raises(image_files.ImageInputError) as info:
        image_files.list_images(str(root))
    assert f"Class folder {name!r}" in str(info.value)
    assert "Rename the folder" in str(info.value)


def test_the_cli_summary_counts_the_skipped_links(tmp_path, capsys):
    from pipelines import cli

    root = _folders(tmp_path)
    os.symlink("../dog/1.png", root / "cat" / "dog1.png")
    os.symlink(".", root / "cat" / "loop")
    args = cli.build_parser().parse_args(
        ["run", "--data", str(root), "--input-format", "images"]
    )
    cli._check_image_input(args)
    out = capsys.readouterr().out
    assert "6 images in 2 classes" in out
    assert "1 symlink into another class (e.g. " in out
    assert "1 symlink loop (e.g. " in out


def test_images_tensorflow_cannot_decode_are_skipped_by_name(tmp_path):
    root = _folders(tmp_path)
    (root / "cat" / "no-palette.gif").write_bytes(_gif_without_colour_table())
    (root / "cat" / "one-bit.bmp").write_bytes(_encoded(GRAY, "BMP", "1"))
    (root / "dog" / "fine.gif").write_bytes(_encoded(GRAY, "GIF", "P"))
    (root / "dog" / "fine.bmp").write_bytes(_encoded(GRAY, "BMP"))
    listing = image_files.list_images(str(root))
    assert listing.class_counts() == {"cat": 3, "dog": 5}
    skipped = sorted(listing.skipped["not decodable by TensorFlow"])
    assert [os.path.basename(p) for p in skipped] == [
        "no-palette.gif",
        "one-bit.bmp",
    ]
    # What the listing keeps, Transform's decoding takes; what it skips,
    # that decoding fails on.
    decode = tf.function(lambda v: preprocessing.decode_images(v, [8, 8, 3]))

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    pixels = decode(tf.constant([read(p) for p, _ in listing.images]))
    assert pixels.shape == (8, 8, 8, 3)
    for path in skipped:
        with pytest.raises(tf.errors.InvalidArgumentError):
            decode(tf.constant([read(path)]))
