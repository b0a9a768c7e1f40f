"""Column names: the reserved one is refused up front, the rest work.

`examples` collides with the serving model's input (TFMA then feeds the
column to the signature instead of the serialized examples); the names
that look reserved but are not (`label`, the served outputs, TFMA's
extract names, our vocabulary prefixes) are shown to work through the
real signature-building code and TFMA's own choice of inputs, without a
pipeline run.
"""

import pytest

from pipelines import cli
from pipelines.preflight import input_checks
from pipelines.preflight import reserved_names
from pipelines.preflight.input_files import InputError

# Names a column may hold that TFX, TFMA, Keras or our signatures also use.
LOOK_RESERVED = [
    "label",
    "labels",
    "features",
    "predictions",
    "inputs",
    "probabilities",
    "class_ids",
    "classes",
    "serving_default",
    "transform_features",
    "example_weights",
    "examples_input",
    "vocab__x",
    "classes__label__y",
]


def _write_csv(tmp_path, header, rows=40, name="d"):
    data = tmp_path / name
    data.mkdir()
    lines = [",".join(header)]
    for i in range(rows):
        cells = [str(i % 7 + 0.5) for _ in header[:-1]]
        lines.append(",".join(cells + ["yes" if i % 2 else "no"]))
    (data / "a.csv").write_text("\n".join(lines) + "\n")
    return str(data)


def test_examples_column_is_refused_before_any_stage(capsys, tmp_path):
    data = _write_csv(tmp_path, ["x", "examples", "y"])
    output = tmp_path / "output"
    code = cli.main(
        ["run", "--data", data, "--label", "y", "--output", str(output)]
    )
    error = capsys.readouterr().err
    assert code == 2
    assert not output.exists(), "a rejected input must not start a run"
    assert "autokeras-tfx: error:" in error
    assert "a.csv" in error and "'examples'" in error
    assert "rename the column" in error


@pytest.mark.parametrize("where", ["feature", "label", "excluded"])
def test_examples_is_refused_in_every_role(tmp_path, where):
    header = {
        "feature": ["x", "examples", "y"],
        "label": ["x", "z", "examples"],
        "excluded": ["x", "examples", "y"],
    }[where]
    data = _write_csv(tmp_path, header)
    label = header[-1]
    exclude = ["examples"] if where == "excluded" else []
    # An excluded column is still a raw feature TFMA parses.
    with pytest.raises(InputError, match="'examples'.*rename"):
        input_checks.check_csv_input(data, label, None, exclude=exclude)


def test_names_that_look_reserved_pass_the_check(tmp_path):
    data = _write_csv(tmp_path, [*LOOK_RESERVED, "Examples", "y"])
    report = input_checks.check_csv_input(data, "y", None)
    assert report.header == [*LOOK_RESERVED, "Examples", "y"]
    data_label = _write_csv(tmp_path, ["x", "label"], name="l")
    report = input_checks.check_csv_input(data_label, "label", None)
    assert report.tasks == {"label": "classification"}


def test_signature_input_is_the_reserved_name():
    from components.trainer import model_export

    assert reserved_names.SIGNATURE_INPUT == model_export.EXAMPLES
    assert set(reserved_names.RESERVED) == {model_export.EXAMPLES}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A serving model exported by `model_export.export_serving_model`
    over a real Transform output whose columns are `LOOK_RESERVED` (label
    `y`): (loaded SavedModel, serialized examples)."""
    import keras
    import tensorflow as tf
    from tensorflow_transform.tf_metadata import dataset_metadata
    from tensorflow_transform.tf_metadata import metadata_io
    from tensorflow_transform.tf_metadata import schema_utils

    from components.trainer import model_export
    from tests.helpers.transform_harness import analyze_and_transform

    spec = {n: tf.io.FixedLenFeature([], tf.float32) for n in LOOK_RESERVED}
    spec["y"] = tf.io.FixedLenFeature([], tf.string)
    rows = [
        {**{n: float(i + j) for j, n in enumerate(LOOK_RESERVED)}, "y": y}
        for i, y in enumerate(["no", "yes"] * 4)
    ]
    work = tmp_path_factory.mktemp("reserved")
    _, tft_output = analyze_and_transform(
        rows,
        spec,
        {"label": "y", "task": "classification"},
        temp_dir=str(work / "tft"),
    )
    # The raw schema, as TFX's Transform executor writes it beside the
    # graph (the serving signatures parse by it).
    metadata_io.write_metadata(
        dataset_metadata.DatasetMetadata(
            schema_utils.schema_from_feature_spec(spec)
        ),
        str(work / "tft" / "transform_output" / "metadata"),
    )
    inputs = {n: keras.Input((1,), name=n) for n in LOOK_RESERVED}
    hidden = keras.layers.Concatenate()(list(inputs.values()))
    model = keras.Model(
        inputs, keras.layers.Dense(2, activation="softmax")(hidden)
    )
    export_dir = str(work / "serving")
    model_export.export_serving_model(
        model, tft_output, "y", ["no", "yes"], export_dir
    )
    examples = []
    for row in rows:
        feature = {
            n: tf.train.Feature(float_list=tf.train.FloatList(value=[v]))
            for n, v in row.items()
            if n != "y"
        }
        feature["y"] = tf.train.Feature(
            bytes_list=tf.train.BytesList(value=[row["y"].encode()])
        )
        examples.append(
            tf.train.Example(
                features=tf.train.Features(feature=feature)
            ).SerializeToString()
        )
    return tf.saved_model.load(export_dir), examples


@pytest.mark.parametrize(
    "signature", ["serving_default", "transform_features"]
)
def test_tfma_feeds_serialized_examples_to_columns_that_look_reserved(
    exported, signature
):
    import numpy as np
    import tensorflow as tf
    from tensorflow_model_analysis.utils import model_util

    loaded, examples = exported
    input_specs = model_util.get_input_specs(loaded, signature, True)
    assert set(input_specs) <= set(reserved_names.RESERVED)
    # TFMA's extracts hold the parsed raw features as numpy arrays.
    features = {n: np.array([1.0]) for n in [*LOOK_RESERVED, "y"]}
    # None: TFMA feeds the serialized examples, as the model expects.
    assert model_util.get_inputs(features, input_specs) is None
    outputs = loaded.signatures[signature](examples=tf.constant(examples))
    if signature == "transform_features":
        assert set(LOOK_RESERVED) <= set(outputs)
        assert outputs["y"].numpy().reshape(-1).tolist() == [1, 0] * 4 or (
            outputs["y"].numpy().reshape(-1).tolist() == [0, 1] * 4
        )
    else:
        assert outputs["probabilities"].shape == (8, 2)
    # With a column named `examples`, TFMA feeds that column instead: the
    # Evaluator's "Fail to call signature func", hence the refusal.
    features["examples"] = np.array([1.0])
    assert model_util.get_inputs(features, input_specs) is not None
