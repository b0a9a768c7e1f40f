"""Image folders to tf.Example for ExampleGen.

A custom executor of TFX's standard `FileBasedExampleGen` (which still does
the splitting into train/eval/test and the writing), as `csv_example_gen` is for
CSV. It reads `input_base` laid out as one sub-directory per class
(`components/example_gen/image_files.py` lists it and says what is skipped) and writes
one tf.Example per usable image:

- `image`: the file's encoded bytes, exactly as on disk (PNG, JPEG, ...):
  the serving model takes the same bytes, and decoding and resizing happen
  in the Transform graph (`components/transform/preprocessing.py`);
- `label`: the class folder's name.

Skipped files are logged with their reason and counted in Beam counters
(`images_skipped_<reason>`). The split pattern is not used: the layout, not
a glob, says which files are examples.
"""

import logging

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen.base_example_gen_executor import (
    BaseExampleGenExecutor,
)
from tfx.dsl.io import fileio

from components.example_gen import image_files

LOGGER = logging.getLogger(__name__)


def _to_example(path_and_label):
    path, label = path_and_label
    with fileio.open(path, "rb") as f:
        data = f.read()
    return tf.train.Example(
        features=tf.train.Features(
            feature={
                image_files.IMAGE_FEATURE: tf.train.Feature(
                    bytes_list=tf.train.BytesList(value=[data])
                ),
                image_files.LABEL_FEATURE: tf.train.Feature(
                    bytes_list=tf.train.BytesList(
                        value=[label.encode("utf-8")]
                    )
                ),
            }
        )
    )


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def _ImagesToExample(pipeline, exec_properties, split_pattern):
    del split_pattern  # the class folders say which files are examples
    listing = image_files.list_images(exec_properties["input_base"])
    for reason, paths in listing.skipped.items():
        beam.metrics.Metrics.counter(
            "autokeras_tfx", "images_skipped_" + reason.replace(" ", "_")
        ).inc(len(paths))
        LOGGER.warning(
            "Skipped %d file(s) (%s), e.g. %s", len(paths), reason, paths[0]
        )
    LOGGER.info(
        "%d images in %d classes",
        len(listing.images),
        len(listing.class_counts()),
    )
    return (
        pipeline
        | "ImageFiles" >> beam.Create(listing.images)
        | "ToExample" >> beam.Map(_to_example)
    )


class Executor(BaseExampleGenExecutor):
    """FileBasedExampleGen executor for image class folders."""

    def GetInputSourceToExamplePTransform(self):
        return _ImagesToExample
