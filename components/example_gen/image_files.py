"""Image folders: one sub-directory per class, image files inside.

    DIR/cat/001.png  DIR/cat/002.jpg  DIR/dog/001.png ...

`list_images` is the one reading of such a directory: the input checks call
it before any stage (a bad layout stops the run in seconds) and the image
ExampleGen (`components/example_gen/image_executor.py`) calls it again to
write the examples, so both agree on what is used and what is skipped.

A file is used when it is a PNG, JPEG, GIF or BMP (by its first bytes, not
its name) that Pillow decodes to a non-empty image and that TensorFlow's
`tf.io.decode_image` decodes as Transform will (`decode_images` in
`components/transform/preprocessing.py`: three channels, the first frame).
Everything else is skipped and counted by reason, never silently:
- `empty`: a zero-byte file;
- `not an image`: any other kind of file (a README, a .DS_Store, a CSV);
- `undecodable`: image magic bytes but a truncated or corrupt body;
- `not decodable by TensorFlow`: an image Pillow reads but TensorFlow does
  not (a GIF without a colour table, a 1-bit BMP): Transform would fail.
Hidden files and directories (".git", ".ipynb_checkpoints") are ignored.

Symbolic links in a local directory are resolved once, to the file they
name, and each file is used at most once:
- `symlink loop`: a link that points back at itself or at a folder above
  it (walking it would never end);
- `broken symlink`: a link to nothing;
- `symlink into another class`: a link to an image of another class folder
  (or to a file another class already uses): the same image under two
  labels;
- `duplicate symlink`: a link to an image its class already uses.

Errors (`ImageInputError`, raised before anything runs): no class folder,
fewer than two classes, files at the top level beside the class folders,
a class folder name holding a newline or another control character (the
label is one line of the class vocabulary), two class folders that are one
folder (a link), or a class folder with fewer than `MIN_IMAGES_PER_CLASS`
usable images (one image cannot be both trained on and evaluated).
"""

import collections
import dataclasses
import errno
import io
import os
import unicodedata

# TFX's filesystem layer: the data root may be on object storage (gs://).
from tfx.dsl.io import fileio

# Feature keys of the examples the image ExampleGen writes.
IMAGE_FEATURE = "image"
LABEL_FEATURE = "label"
MIN_IMAGES_PER_CLASS = 2
SKIP_EMPTY = "empty"
SKIP_NOT_IMAGE = "not an image"
SKIP_UNDECODABLE = "undecodable"
SKIP_NOT_FOR_TENSORFLOW = "not decodable by TensorFlow"
SKIP_LINK_LOOP = "symlink loop"
SKIP_BROKEN_LINK = "broken symlink"
SKIP_CROSS_CLASS = "symlink into another class"
SKIP_DUPLICATE_LINK = "duplicate symlink"
# Transform decodes to 1 or 3 channels; 3 is the one every format takes.
_DECODE_CHANNELS = 3
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
        images: (path, class name) of every usable image, sorted (a
            local path with its links resolved).
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
    return _check_tensorflow_decodes(data)


def _check_tensorflow_decodes(data):
    """None when TensorFlow decodes `data` as Transform's `decode_images`
    does, else SKIP_NOT_FOR_TENSORFLOW (its error, which may quote the
    bytes, is not shown: the skip names the file)."""
    import tensorflow as tf

    try:
        tf.io.decode_image(
            data, channels=_DECODE_CHANNELS, expand_animations=False
        )
    except (tf.errors.OpError, ValueError):
        return SKIP_NOT_FOR_TENSORFLOW
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
    _check_class_names(data_root, classes)
    skipped = collections.defaultdict(list)
    if _is_local(data_root):
        candidates = _local_candidates(data_root, classes, skipped)
    else:  # object stores have no links
        candidates = _remote_candidates(data_root, classes)
    images = []
    for path, label in candidates:
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


def _check_class_names(data_root, classes):
    for label in classes:
        bad = [
            c for c in label if unicodedata.category(c) in ("Cc", "Zl", "Zp")
        ]
        if bad:
            raise ImageInputError(
                f"Class folder {label!r} in {data_root} has a name holding "
                f"the control character {bad[0]!r} (a newline, tab or "
                "another one); the folder name is the label, one line of "
                "the class vocabulary, so its images would lose their "
                "class. Rename the folder (one line of plain text)."
            )


def _is_local(path):
    return "://" not in path


def _remote_candidates(data_root, classes):
    """(path, class) of every visible file, through TFX's filesystems."""
    candidates = []
    for label in classes:
        folder = os.path.join(data_root, label)
        for root, dirs, files in fileio.walk(folder):
            dirs[:] = _visible(dirs)  # sorted, hidden ones pruned
            for name in _visible(files):
                candidates.append((os.path.join(root, name), label))
    return candidates


def _local_candidates(data_root, classes, skipped):
    """(real path, class) of every visible file of a local directory, each
    symbolic link resolved once; loops, broken links, links into another
    class and second links to one file go to `skipped`."""
    roots = {c: os.path.realpath(os.path.join(data_root, c)) for c in classes}
    # A linked class folder first: the error names the link.
    linked_first = sorted(
        roots, key=lambda c: not os.path.islink(os.path.join(data_root, c))
    )
    for label in linked_first:
        root = roots[label]
        for other, other_root in roots.items():
            if other != label and _inside(root, other_root):
                raise ImageInputError(
                    f"Class folder {label!r} in {data_root} is "
                    f"{'' if root == other_root else 'inside '}the class "
                    f"folder {other!r} (through a symbolic link to "
                    f"{root}): its images would be under both labels. "
                    "Replace the link with a folder of its own images."
                )
    found = []  # (path, real path, is a link, class), in walk order
    for label in classes:
        for path, real, is_link in _walk_local(
            os.path.join(data_root, label), roots[label], skipped
        ):
            found.append((path, real, is_link, label))
    # Files first, then links, so that a link, not the file it names, is
    # the one skipped when both are found.
    owner = {}
    for path, real, _, label in sorted(found, key=lambda f: f[2]):
        elsewhere = any(
            _inside(real, root) for c, root in roots.items() if c != label
        )
        if elsewhere or owner.get(real, label) != label:
            skipped[SKIP_CROSS_CLASS].append(path)
        elif real in owner:
            skipped[SKIP_DUPLICATE_LINK].append(path)
        else:
            owner[real] = label
    used = set()
    candidates = []
    for _, real, _, label in found:
        if owner.get(real) == label and real not in used:
            used.add(real)
            candidates.append((real, label))
    return candidates


def _walk_local(folder, real_folder, skipped):
    """Yields (path, real path, is a link) of each visible file under
    `folder`, sorted, a directory's files before its sub-directories; a
    link to a folder above it (or to one the walk is already in, through
    other links) is a loop, not followed."""

    def walk(directory, ancestors):
        here = os.path.realpath(directory)
        with os.scandir(directory) as scan:
            entries = sorted(
                (e for e in scan if not e.name.startswith(".")),
                key=lambda e: e.name,
            )
        folders = []
        for entry in entries:
            try:
                real = os.path.realpath(entry.path, strict=True)
            except OSError as error:
                reason = (
                    SKIP_LINK_LOOP
                    if error.errno == errno.ELOOP
                    else SKIP_BROKEN_LINK
                )
                skipped[reason].append(entry.path)
                continue
            if os.path.isdir(real):
                folders.append((entry.path, real))
            elif os.path.isfile(real):
                yield entry.path, real, entry.is_symlink()
            else:  # a FIFO or a device: reading it could block
                skipped[SKIP_NOT_IMAGE].append(entry.path)
        for path, real in folders:
            if real in ancestors or _inside(here, real):
                skipped[SKIP_LINK_LOOP].append(path)
            else:
                yield from walk(path, ancestors | {real})

    yield from walk(folder, frozenset([real_folder]))


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
