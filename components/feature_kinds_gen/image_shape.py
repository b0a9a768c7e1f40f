"""The size and channels every image of a column is resized to, from data.

Images in one column may differ in size and channel count (a folder of
phone photos, scans and PNG icons). The model needs one input shape, so
FeatureKindsGen scans the column in the train split, reading only each
image's header (Pillow gives size and mode without decoding the pixels),
and decides:

- height and width: the median of the images' heights and widths (robust
  to a few odd ones), scaled down, aspect kept, so that the longer side is
  at most `MAX_SIDE` (a from-scratch search on CPUs cannot afford more);
- channels: 1 when every image is grayscale, else 3 (colour; an alpha
  channel is dropped: it carries no class information in photos).

The decision is recorded in the column table (`ColumnDecision.image_shape`)
and Transform decodes and resizes to it, inside the serving graph.
"""

import io
import os

import numpy as np
import tensorflow as tf
from tfx.dsl.io import fileio

MAX_SIDE = 64
# Images read for the decision; medians settle long before this.
MAX_SCANNED = 5000
_GRAY_MODES = {"1", "L", "LA", "I", "I;16", "F"}


def scan_shapes(train_uri, name, limit=MAX_SCANNED):
    """(height, width, is_gray) of up to `limit` images of the train split
    (its folder: `artifact_utils.get_split_uri(examples, "train")`).

    Values that Pillow cannot read are left out (Transform's decode would
    fail on them later with TensorFlow's own message).
    """
    from PIL import Image

    files = fileio.glob(os.path.join(train_uri, "*"))
    spec = {name: tf.io.VarLenFeature(tf.string)}
    dataset = (
        tf.data.TFRecordDataset(files, compression_type="GZIP")
        .take(limit)
        .batch(256)
        .map(lambda batch: tf.io.parse_example(batch, spec))
    )
    shapes = []
    for batch in dataset:
        for data in batch[name].values.numpy():
            try:
                with Image.open(io.BytesIO(data)) as image:
                    width, height = image.size
                    shapes.append((height, width, image.mode in _GRAY_MODES))
            except Exception:  # Pillow raises many types for bad bytes
                continue
    return shapes


def decide_shape(shapes, max_side=MAX_SIDE):
    """([height, width, channels], reason) from `scan_shapes`' output."""
    if not shapes:
        raise ValueError(
            "No readable image in the column's train split: every value "
            "failed to decode as PNG, JPEG, GIF or BMP."
        )
    heights = np.array([s[0] for s in shapes])
    widths = np.array([s[1] for s in shapes])
    height, width = int(np.median(heights)), int(np.median(widths))
    scale = min(1.0, max_side / max(height, width))
    height = max(1, round(height * scale))
    width = max(1, round(width * scale))
    channels = 1 if all(s[2] for s in shapes) else 3
    sizes = len(set(zip(heights.tolist(), widths.tolist())))
    reason = (
        f"{len(shapes)} images, {sizes} distinct size(s) from "
        f"{heights.min()}x{widths.min()} to {heights.max()}x{widths.max()}: "
        f"resized to {height}x{width} (median"
        f"{', longer side capped at %d' % max_side if scale < 1 else ''}), "
        f"{'grayscale' if channels == 1 else 'colour'}"
    )
    return [height, width, channels], reason
