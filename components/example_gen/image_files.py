"""Image folders: one sub-directory per class, image files inside.

    DIR/cat/001.png  DIR/cat/002.jpg  DIR/dog/001.png ...

`list_images` is the one reading of such a directory: the input checks call
it before any stage (a bad layout stops the run in seconds) and the image
ExampleGen (`components/example_gen/image_executor.py`) calls it again to write the
examples, so both agree on what is used and what is skipped.

A file is used when it is a PNG, JPEG, GIF or BMP (by its first bytes, not
its name) that Pillow decodes to a non-empty image. Everything else is
skipped and counted by reason, never silently:
- `empty`: a zero-byte file;
- `not an image`: any other kind of file (a README, a .DS_Store, a CSV);
- `undecodable`: image magic bytes but a truncated or corrupt body.
Hidden files and directories (".git", ".ipynb_checkpoints") are ignored.

Errors (`ImageInputError`, raised before anything runs): no class folder,
fewer than two classes, files at the top level beside the class folders,
or a class folder with fewer than `MIN_IMAGES_PER_CLASS` usable images (one
image cannot be both trained on and evaluated).
"""

import collections
import dataclasses
import io
import os

# TFX's filesystem layer: the data root may be on object storage (gs://).
from tfx.dsl.io import fileio

# Feature keys of the examples the image ExampleGen writes.
IMAGE_FEATURE = "image"
LABEL_FEATURE = "label"
MIN_IMAGES_PER_CLASS = 2
SKIP_EMPTY = "empty"
SKIP_NOT_IMAGE = "not an image"
SKIP_UNDECODABLE = "undecodable"
# Leading bytes of the formats tf.io.decode_image reads.
_MAGIC = (
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
)


class ImageInputError(ValueError):
    """The image directory cannot be used; the message says what to do."""


@dataclasses.dataclass
class ImageListing:
    """What an image directory holds.

    Args:
        images: (path, class name) of every usable image, sorted.
        skipped: reason -> paths of the files left out.
    """

    images: list
    skipped: dict

    def class_counts(self):
        return collections.Counter(label for _, label in self.images)

    def skipped_summary(self):
        """One line per skip reason with a count and an example, or ""."""
        return "; ".join(
            f"{len(paths)} {reason} (e.g. {paths[0]})"
            for reason, paths in sorted(self.skipped.items())
        )


def is_image_bytes(data):
    return data.startswith(_MAGIC)


def check_image_bytes(data):
    """None when `data` is a usable encoded image, else the skip reason."""
    if not data:
        return SKIP_EMPTY
    if not is_image_bytes(data):
        return SKIP_NOT_IMAGE
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes the body: catches truncated files
            if min(image.size) < 1:
                return SKIP_UNDECODABLE
    except Exception:  # Pillow raises many types for corrupt bodies
        return SKIP_UNDECODABLE
    return None


def _visible(names):
    # Object stores list sub-directories with a trailing "/".
    names = (n.rstrip("/") for n in names)
    return sorted(n for n in names if n and not n.startswith("."))


def list_images(data_root):
    """The `ImageListing` of `data_root`; raises `ImageInputError`.

    Args:
        data_root: a directory (local or a URI TFX's filesystems read) with
            one sub-directory per class.
    """
    if not fileio.isdir(data_root):
        raise ImageInputError(
            f"--data {data_root!r} is not a directory; with --input-format "
            "images it must hold one sub-directory of images per class."
        )
    entries = _visible(fileio.listdir(data_root))
    classes = [e for e in entries if fileio.isdir(os.path.join(data_root, e))]
    loose = [e for e in entries if e not in classes]
    if loose:
        raise ImageInputError(
            f"{data_root} holds files beside the class folders ({loose[:3]}"
            f"{', ...' if len(loose) > 3 else ''}); with --input-format "
            "images every image goes into the sub-directory named after its "
            "class. Move them into a class folder or out of the directory."
        )
    if len(classes) < 2:
        raise ImageInputError(
            f"{data_root} has {len(classes)} class folder(s) {classes}; an "
            "image classifier needs at least two (one sub-directory per "
            "class, named after it)."
        )
    images, skipped = [], collections.defaultdict(list)
    for label in classes:
        folder = os.path.join(data_root, label)
        for root, dirs, files in fileio.walk(folder):
            dirs[:] = _visible(dirs)  # sorted, hidden ones pruned
            for name in _visible(files):
                path = os.path.join(root, name)
                with fileio.open(path, "rb") as f:
                    reason = check_image_bytes(f.read())
                if reason:
                    skipped[reason].append(path)
                else:
                    images.append((path, label))
    listing = ImageListing(images, dict(skipped))
    counts = listing.class_counts()
    few = [c for c in classes if counts[c] < MIN_IMAGES_PER_CLASS]
    if few:
        shown = ", ".join(f"{c!r} ({counts[c]})" for c in few)
        raise ImageInputError(
            f"Class folder(s) {shown} in {data_root} hold fewer than "
            f"{MIN_IMAGES_PER_CLASS} usable images; a class needs at least "
            f"{MIN_IMAGES_PER_CLASS} (to be trained on and evaluated). Add "
            "images or move the folder out."
            + (f" Skipped: {listing.skipped_summary()}." if skipped else "")
        )
    return listing
