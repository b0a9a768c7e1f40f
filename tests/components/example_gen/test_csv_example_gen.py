"""Our CSV reader for ExampleGen, run as a real Beam pipeline on a file with
everything TFX's own CsvExampleGen trips on: gzip, a byte-order mark, CRLF,
quoted commas and newlines, and rows without a label."""

import gzip

import apache_beam as beam
import tensorflow as tf

from components.example_gen import csv_executor as csv_example_gen

CSV = (
    "\ufeffid,first col,note,y\r\n"
    '1,0.5,"plain",yes\r\n'
    '2,1.5,"a, comma",no\r\n'
    '3,,"two\r\nlines",yes\r\n'
    '4,2.5,"no label",\r\n'
    '5,3.5,"also none",  \r\n'
)


def _examples(tmp_path, label='"y"'):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as f:
        f.write(CSV)
    properties = {
        "input_base": str(tmp_path),
        "custom_config": '{"label": %s}' % label,
    }
    output = tmp_path / "out" / "examples"
    with beam.Pipeline() as pipeline:
        _ = (
            pipeline
            | csv_example_gen.Executor().GetInputSourceToExamplePTransform()(
                properties, "*.csv.gz"
            )
            | beam.Map(lambda example: example.SerializeToString())
            | beam.io.WriteToTFRecord(str(output))
        )
    found = [
        tf.train.Example.FromString(record.numpy())
        for record in tf.data.TFRecordDataset(tf.io.gfile.glob(f"{output}*"))
    ]
    return {
        e.features.feature["id"].int64_list.value[0]: e.features.feature
        for e in found
    }


def test_reads_what_tfx_csv_example_gen_cannot(tmp_path):
    rows = _examples(tmp_path)
    # Rows 4 and 5 have no label (blank or spaces): dropped.
    assert sorted(rows) == [1, 2, 3]
    row = rows[3]
    # The byte-order mark is not part of the first column's name.
    assert set(row) == {"id", "first col", "note", "y"}
    assert row["note"].bytes_list.value == [b"two\r\nlines"]
    assert rows[2]["note"].bytes_list.value == [b"a, comma"]
    # Types inferred over all rows; an empty cell is a missing value.
    assert rows[1]["first col"].float_list.value == [0.5]
    assert not row["first col"].float_list.value
    assert rows[1]["y"].bytes_list.value == [b"yes"]


def test_label_comes_from_the_custom_config():
    assert (
        csv_example_gen.label_from({"custom_config": '{"label": "a b"}'})
        == "a b"
    )
    assert csv_example_gen.label_from({"custom_config": None}) is None


def test_a_multi_task_row_missing_any_label_is_dropped(tmp_path):
    # Labels "y" and "first col": row 3 lacks the second, 4 and 5 the first.
    rows = _examples(tmp_path, label='["y", "first col"]')
    assert sorted(rows) == [1, 2]
