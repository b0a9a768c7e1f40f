"""Image datasets for the acceptance tests, written as a user hands them over.

- `write_digits`: sklearn's 8x8 digits (1797 images, 10 classes) as
  grayscale PNG files in one folder per class; a stratified, seeded 20% is
  written to a separate hold-out folder the pipeline never sees.
- `write_shapes`: generated colour images of mixed sizes (squares, discs
  and stripes in random colours, 12 to 24 pixels a side, some grayscale),
  written as tf.Example records with the encoded PNG bytes under `picture`
  and a tabular feature `weight` beside it; the label `shape` depends on
  the picture, and the regression-like `weight` makes "heavy" discs a class
  of their own, so both modalities are needed.
"""

import io
import os

import numpy as np

HOLDOUT_FRACTION = 0.2
SEED = 0


def png_bytes(pixels):
    """PNG encoding of a uint8 array [H, W] (gray) or [H, W, 3] (RGB)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def digits_split():
    """(train, holdout): lists of (uint8 8x8 image, class name)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    # 0..16 intensities -> 0..255, as a scanner would write them.
    images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    names = [f"digit_{t}" for t in digits.target]
    rows = list(zip(images, names))
    train, holdout = train_test_split(
        rows, test_size=HOLDOUT_FRACTION, random_state=SEED, stratify=names
    )
    return train, holdout


def write_class_folders(rows, root):
    """Writes (image, class) rows as root/<class>/<n>.png; returns root."""
    for index, (image, label) in enumerate(rows):
        folder = os.path.join(root, label)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{index:05d}.png"), "wb") as f:
            f.write(png_bytes(image))
    return root


def write_digits(workdir):
    """(data dir, holdout rows as (PNG bytes, class name))."""
    train, holdout = digits_split()
    data_dir = write_class_folders(train, os.path.join(workdir, "digits"))
    return data_dir, [(png_bytes(image), label) for image, label in holdout]


SHAPES = ("square", "disc", "stripes", "heavy_disc")


def _shape_image(rng, kind):
    side = int(rng.integers(12, 25))
    yy, xx = np.mgrid[0:side, 0:side] / (side - 1)
    if kind == "square":
        mask = (np.abs(yy - 0.5) < 0.3) & (np.abs(xx - 0.5) < 0.3)
    elif kind == "stripes":
        mask = (np.floor(xx * 4) % 2) == 0
    else:  # discs, heavy or not: the picture cannot tell them apart
        mask = (yy - 0.5) ** 2 + (xx - 0.5) ** 2 < 0.3**2
    colour = rng.integers(80, 256, size=3)
    background = rng.integers(0, 60, size=3)
    image = np.where(mask[..., None], colour, background).astype(np.uint8)
    if rng.random() < 0.3:  # some grayscale files among the colour ones
        return image.mean(axis=-1).astype(np.uint8)
    return image


def shapes_rows(rows=600):
    """Dicts with `picture` (PNG bytes), `weight` (float) and `shape`."""
    rng = np.random.default_rng(SEED)
    out = []
    for index in range(rows):
        kind = SHAPES[index % len(SHAPES)]
        heavy = kind == "heavy_disc"
        weight = float(rng.normal(5.0 if heavy else 1.0, 0.5))
        out.append(
            {
                "picture": png_bytes(_shape_image(rng, kind)),
                "weight": weight,
                "shape": kind,
            }
        )
    return out


def to_example(row, label=None):
    """A serialized tf.Example of one shapes row (without `label`)."""
    import tensorflow as tf

    example = tf.train.Example()
    for key, value in row.items():
        if key == label:
            continue
        feature = example.features.feature[key]
        if isinstance(value, float):
            feature.float_list.value.append(value)
        else:
            if isinstance(value, str):
                value = value.encode("utf-8")
            feature.bytes_list.value.append(value)
    return example.SerializeToString()


def write_shapes(workdir):
    """(TFRecord data dir, holdout rows): 20% of the rows held out."""
    import tensorflow as tf

    rows = shapes_rows()
    holdout = rows[::5]  # every fifth row: balanced over the four shapes
    train = [row for index, row in enumerate(rows) if index % 5]
    data_dir = os.path.join(workdir, "shapes")
    os.makedirs(data_dir, exist_ok=True)
    with tf.io.TFRecordWriter(os.path.join(data_dir, "data.tfrecord")) as w:
        for row in train:
            w.write(to_example(row))
    return data_dir, holdout
