"""CSV to tf.Example for ExampleGen, reading CSV the way people write it.

TFX's own CsvExampleGen splits the header on "," (a quoted header name with a
comma breaks it), keeps a UTF-8 byte-order mark in the first column's name,
and reads the header of a `.csv.gz` file as compressed bytes. This executor
plugs into TFX's `FileBasedExampleGen` (which still does the splitting and
writing) and reads each file with Python's csv module instead:

- gzip-compressed files (`.gz`) are decompressed;
- a UTF-8 byte-order mark is stripped, header names lose surrounding spaces;
- quoted fields may hold commas, quotes and newlines; CRLF line ends are fine;
- rows whose label is empty are dropped (counted in the log and in Beam's
  `rows_without_label` counter): they cannot train or score a model.

Column types are inferred over all rows with tfx_bsl's `ColumnTypeInferrer`
(int, float or string; a column with no values gets no type), as TFX does.
"""

import csv
import io
import json
import logging
import os

import apache_beam as beam
import tensorflow as tf
from tfx.components.example_gen.base_example_gen_executor import (
    BaseExampleGenExecutor,
)
from tfx.dsl.io import fileio
from tfx_bsl.coders import csv_decoder

from components.example_gen.csv_format import clean_header

LOGGER = logging.getLogger(__name__)
# custom_config key naming the label column (its empty rows are dropped).
LABEL_KEY = "label"


def read_csv_rows(path):
    """(header, iterator of rows) of one CSV file, rows as lists of str."""
    # Beam's reader decompresses by the file name (.gz); its compressed
    # file object is no io stream, so the file is decoded whole.
    with beam.io.filesystems.FileSystems.open(path) as raw:
        text = raw.read().decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return None, iter(())
    rows = [row for row in reader if row]  # blank lines carry no data
    # The same names the input checks saw (one definition of a header).
    return clean_header(header), rows


class _ReadCsvFile(beam.DoFn):
    """One file name in; each row with a label out, as a list of bytes."""

    def __init__(self, header, label):
        self._header = header
        # One label, or the list of a multi-task run's labels: a row
        # missing any of them is dropped.
        labels = [label] if isinstance(label, str) else list(label or ())
        self._label_indices = [
            header.index(name) for name in labels if name in header
        ]
        self._dropped = beam.metrics.Metrics.counter(
            "autokeras_tfx", "rows_without_label"
        )

    def process(self, path):
        header, rows = read_csv_rows(path)
        if header != self._header:
            raise ValueError(
                f"CSV file {path} has columns {header}, unlike the other "
                f"files' {self._header}; all files need the same header."
            )
        dropped = 0
        for line, row in enumerate(rows, start=2):
            if len(row) != len(header):
                raise ValueError(
                    f"CSV file {path}, row {line}: {len(row)} fields, but "
                    f"the header has {len(header)}."
                )
            if any(not row[i].strip() for i in self._label_indices):
                dropped += 1
                continue
            yield [cell.encode("utf-8") for cell in row]
        if dropped:
            self._dropped.inc(dropped)
            LOGGER.warning(
                "%s: dropped %d rows whose label is empty", path, dropped
            )


def _feature(cell, column_type):
    if not cell:
        return tf.train.Feature()
    if column_type == csv_decoder.ColumnType.INT:
        return tf.train.Feature(
            int64_list=tf.train.Int64List(value=[int(cell)])
        )
    if column_type == csv_decoder.ColumnType.FLOAT:
        return tf.train.Feature(
            float_list=tf.train.FloatList(value=[float(cell)])
        )
    if column_type == csv_decoder.ColumnType.STRING:
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[cell]))
    return tf.train.Feature()  # a column with no value anywhere


def _to_example(cells, column_infos):
    return tf.train.Example(
        features=tf.train.Features(
            feature={
                info.name: _feature(cell, info.type)
                for cell, info in zip(cells, column_infos)
            }
        )
    )


def label_from(exec_properties):
    """The label named in ExampleGen's custom_config (a list of them in a
    multi-task run), or None."""
    config = exec_properties.get("custom_config")
    if isinstance(config, str):
        config = json.loads(config) if config else {}
    return (config or {}).get(LABEL_KEY)


@beam.ptransform_fn
@beam.typehints.with_input_types(beam.Pipeline)
@beam.typehints.with_output_types(tf.train.Example)
def _CsvToExample(pipeline, exec_properties, split_pattern):
    pattern = os.path.join(exec_properties["input_base"], split_pattern)
    files = sorted(fileio.glob(pattern))
    if not files:
        raise RuntimeError(f"Split pattern {pattern} matches no files.")
    header, _ = read_csv_rows(files[0])
    if header is None:
        raise ValueError(f"CSV file {files[0]} is empty; it needs a header.")
    rows = (
        pipeline
        | "Files" >> beam.Create(files)
        | "ReadRows"
        >> beam.ParDo(_ReadCsvFile(header, label_from(exec_properties)))
    )
    column_infos = beam.pvalue.AsSingleton(
        rows
        | "InferColumnTypes"
        >> beam.CombineGlobally(
            csv_decoder.ColumnTypeInferrer(header, skip_blank_lines=True)
        )
    )
    return rows | "ToExample" >> beam.Map(_to_example, column_infos)


class Executor(BaseExampleGenExecutor):
    """FileBasedExampleGen executor for CSV files (see the module doc)."""

    def GetInputSourceToExamplePTransform(self):
        return _CsvToExample
