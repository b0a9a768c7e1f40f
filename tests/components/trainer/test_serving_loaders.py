"""The pushed model in the loaders that serve it, and the Trainer's files.

TensorFlow Serving itself cannot be installed here (it is a C++ server,
shipped as a Docker image or from Google's apt repository, neither of which
this machine reaches). Its stand-in is TensorFlow's session-based loader,
`tf.compat.v1.saved_model.loader.load`, which loads a SavedModel the way
TF Serving's C++ `LoadSavedModel` does: import the MetaGraph into a Session,
run the saver's restore op, run the init op, then run a signature's
tensors. `saved_model_cli run` uses the same loader. Its answers are compared
with `tf.saved_model.load`'s (object-based, TF2) on the same raw examples,
for the pushed model of a classification run (the session's taxi run) and a
regression run (scikit-learn's diabetes data, with `--tflite`). Both also
go through TensorFlow's C++ loader itself (`TF_LoadSessionFromSavedModel`
through the C API, in a process without the Python `tensorflow` package, so
only C++-registered ops exist, as in the model server): a model that needs
an op only Python registers fails there, as the small models without
training show.

The same module checks the Trainer's other files: the `.keras` file, reloaded
with the Transform output as README shows, and the TFLite file, whose answers
on the eval split match the SavedModel's.
"""

import base64
import collections
import os
import subprocess
import sys

import numpy as np
import pytest

from components.trainer import model_export
from pipelines import run_summary
from tests.helpers.serving_loaders import assert_same_answers
from tests.helpers.serving_loaders import cpp_loader_answers
from tests.helpers.serving_loaders import object_loader_answers
from tests.helpers.serving_loaders import session_loader_answers

Run = collections.namedtuple("Run", "dir summary label task")


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    """One regression pipeline with `--tflite`: (pipeline dir, summary)."""
    from sklearn.datasets import load_diabetes

    from pipelines import cli

    root = tmp_path_factory.mktemp("regression")
    os.makedirs(root / "data")
    frame = load_diabetes(as_frame=True).frame.head(300)
    frame.to_csv(root / "data" / "diabetes.csv", index=False)
    args = cli.build_parser().parse_args(
        [
            "run",
            "--data",
            str(root / "data"),
            "--label",
            "target",
            "--task",
            "regression",
            "--max-trials",
            "1",
            "--epochs",
            "2",
            # 2 epochs do not beat predicting the mean; bless it anyway.
            "--max-mse",
            "1e12",
            "--tflite",
            "--output",
            str(root / "out"),
        ]
    )
    summary = cli.run(args)
    assert summary["pushed"], summary
    return summary["pipeline_dir"], summary


@pytest.fixture(params=["classification", "regression"])
def finished_run(request):
    """Each run as a `Run`: the taxi run of conftest, the regression one."""
    if request.param == "classification":
        pipeline_dir, summary = request.getfixturevalue("pipeline_run")
        return Run(str(pipeline_dir), summary, "payment_type", request.param)
    pipeline_dir, summary = request.getfixturevalue("regression_run")
    return Run(str(pipeline_dir), summary, "target", request.param)


def eval_records(pipeline_dir):
    """Raw serialized tf.Examples of ExampleGen's eval split, in order."""
    import glob

    import tensorflow as tf

    files = sorted(
        glob.glob(
            os.path.join(
                pipeline_dir,
                "pipeline_root",
                "CsvExampleGen",
                "examples",
                "*",
                "Split-eval",
                "*",
            )
        )
    )
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP")
    # dtype=object: numpy's bytes dtype would strip trailing NUL bytes.
    return np.array([r.numpy() for r in dataset], dtype=object)


def model_artifact_dir(pipeline_dir):
    store = run_summary.open_store(
        os.path.join(pipeline_dir, "metadata.sqlite")
    )
    return run_summary.latest_artifact(store, "Model").uri


@pytest.mark.slow
def test_session_loader_answers_like_object_loader(finished_run):
    records = eval_records(finished_run.dir)
    assert len(records) >= 30
    pushed = finished_run.summary["pushed_model"]
    expected = object_loader_answers(pushed, records)
    assert_same_answers(expected, session_loader_answers(pushed, records))
    # The model server's own loader: C++ ops only (issue 26).
    assert_same_answers(expected, cpp_loader_answers(pushed, records))
    keys = (
        {model_export.PREDICTIONS}
        if finished_run.task == "regression"
        else {
            model_export.PROBABILITIES,
            model_export.CLASS_IDS,
            model_export.CLASSES,
        }
    )
    assert set(expected) == keys


@pytest.mark.slow
def test_saved_model_cli_runs_a_hand_written_example(pipeline_run):
    _, summary = pipeline_run
    command = [
        os.path.join(os.path.dirname(sys.executable), "saved_model_cli"),
        "run",
        "--dir",
        summary["pushed_model"],
        "--tag_set",
        "serve",
        "--signature_def",
        "serving_default",
        "--input_examples",
        'examples=[{"trip_miles":[3.5],"fare":[12.0],"tips":[3.0],'
        '"company":["Taxi Co"]}]',
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    for key in ("class_ids", "classes", "probabilities"):
        assert f"Result for output key {key}:" in done.stdout, done.stdout


def taxi_example():
    """README's hand-written request row."""
    import tensorflow as tf

    example = tf.train.Example()
    features = example.features.feature
    features["trip_miles"].float_list.value.append(3.5)
    features["fare"].float_list.value.append(12.0)
    features["company"].bytes_list.value.append(b"Taxi Co")
    return example.SerializeToString()


@pytest.mark.slow
def test_tf_serving_requests_from_readme_carry_the_examples(pipeline_run):
    """README's REST body and gRPC request, decoded as TF Serving does and
    answered by the stand-in loader."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    _, summary = pipeline_run
    serialized = taxi_example()
    body = {
        "signature_name": "serving_default",
        "instances": [
            {"examples": {"b64": base64.b64encode(serialized).decode()}}
        ],
    }
    rest_rows = [
        base64.b64decode(row["examples"]["b64"]) for row in body["instances"]
    ]
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "taxi"
    request.model_spec.signature_name = "serving_default"
    request.inputs["examples"].CopyFrom(
        tf.make_tensor_proto([serialized], dtype=tf.string)
    )
    grpc_rows = list(tf.make_ndarray(request.inputs["examples"]))
    assert rest_rows == grpc_rows == [serialized]
    answers = session_loader_answers(
        summary["pushed_model"], np.array(grpc_rows, dtype=object)
    )
    assert answers["classes"].shape == (1,)


@pytest.mark.slow
def test_model_artifact_holds_keras_file_and_pusher_pushes_saved_model(
    finished_run,
):
    model_dir = model_artifact_dir(finished_run.dir)
    assert os.path.isfile(
        os.path.join(model_dir, "Format-Serving", "saved_model.pb")
    )
    assert os.path.isfile(model_export.keras_model_path(model_dir))
    # --tflite only in the regression run.
    assert os.path.isfile(model_export.tflite_model_path(model_dir)) == (
        finished_run.task == "regression"
    )
    # The Pusher copied the SavedModel alone: TF Serving's version folder.
    pushed = set(os.listdir(finished_run.summary["pushed_model"]))
    assert "saved_model.pb" in pushed and not pushed & {
        "Format-Keras",
        "Format-TFLite",
        "Format-Serving",
    }


def tft_output_of(run):
    import tensorflow_transform as tft

    return tft.TFTransformOutput(run.summary["transform_graph"])


def assert_answers_like_pushed_model(run, records, outputs):
    """The model's raw `outputs` on `records`, formatted as the serving
    signature formats them, equal the pushed model's answers."""
    from components.util import transformed_data as data

    class_names = (
        data.class_names(tft_output_of(run))
        if run.task == "classification"
        else None
    )
    answers = model_export.serving_outputs(outputs, class_names)
    assert_same_answers(
        object_loader_answers(run.summary["pushed_model"], records),
        {key: np.asarray(value) for key, value in answers.items()},
    )


@pytest.mark.slow
def test_keras_file_reloads_with_the_transform_output(finished_run):
    # The README's recipe, step by step.
    import keras
    import tensorflow as tf

    records = eval_records(finished_run.dir)
    model = keras.saving.load_model(
        model_export.keras_model_path(model_artifact_dir(finished_run.dir))
    )
    tft_output = tft_output_of(finished_run)
    raw_spec = tft_output.raw_feature_spec()
    raw_spec.pop(finished_run.label)
    raw = tf.io.parse_example(tf.constant(records, tf.string), raw_spec)
    transformed = tft_output.transform_features_layer()(raw)
    outputs = model.predict(
        {t.name: transformed[t.name] for t in model.inputs}, verbose=0
    )
    assert_answers_like_pushed_model(finished_run, records, outputs)


def tflite_outputs(tflite_path, transformed, input_names):
    import tensorflow as tf

    runner = tf.lite.Interpreter(model_path=tflite_path).get_signature_runner()
    [output] = runner(
        **{name: transformed[name].numpy() for name in input_names}
    ).values()
    return output


@pytest.mark.slow
def test_tflite_matches_saved_model_on_the_eval_split(finished_run, tmp_path):
    import keras
    import tensorflow as tf

    model_dir = model_artifact_dir(finished_run.dir)
    model = keras.saving.load_model(model_export.keras_model_path(model_dir))
    if finished_run.task == "classification":
        # The taxi run has no --tflite: convert its reloaded .keras file.
        model_dir = str(tmp_path)
        assert model_export.export_tflite_model(model, model_dir)
    records = eval_records(finished_run.dir)
    saved_model = tf.saved_model.load(finished_run.summary["pushed_model"])
    # Both sides get the same rows: the Transform graph inside the
    # SavedModel turns the raw eval examples into the TFLite model's inputs.
    transformed = saved_model.signatures[model_export.TRANSFORM_SIGNATURE](
        examples=tf.constant(records, tf.string)
    )
    outputs = tflite_outputs(
        model_export.tflite_model_path(model_dir),
        transformed,
        [t.name for t in model.inputs],
    )
    assert_answers_like_pushed_model(finished_run, records, outputs)


def test_models_with_text_get_no_tflite_file(tmp_path):
    import keras

    text = keras.Input(shape=(1,), dtype="string", name="review")
    number = keras.Input(shape=(1,), name="stars")
    model = keras.Model({"review": text, "stars": number}, number)
    assert "review" in model_export.tflite_unsupported_reason(model)
    assert model_export.export_tflite_model(model, str(tmp_path)) is None
    assert not os.listdir(tmp_path)


def small_serving_model(export_dir, python_op=False):
    """A SavedModel shaped like the pushed one, built without training:
    `serving_default` parses serialized tf.Examples (a float and a string
    feature), looks the string up in a table (an init op, run on load) and
    answers probabilities, class ids and class names. With `python_op` the
    signature also calls `tf.py_function`, whose kernel only the Python
    `tensorflow` package registers."""
    import tensorflow as tf

    class Small(tf.Module):
        def __init__(self):
            super().__init__()
            self.weights = tf.Variable([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
            self.table = tf.lookup.StaticHashTable(
                tf.lookup.KeyValueTensorInitializer(
                    ["Taxi Co", "Cab Inc"], [1.0, -1.0]
                ),
                default_value=0.0,
            )
            self.classes = tf.constant(["Cash", "Card", "Other"])

        @tf.function(
            input_signature=[
                tf.TensorSpec([None], tf.string, name=model_export.EXAMPLES)
            ]
        )
        def serve(self, examples):
            parsed = tf.io.parse_example(
                examples,
                {
                    "fare": tf.io.FixedLenFeature([], tf.float32, 0.0),
                    "company": tf.io.FixedLenFeature([], tf.string, ""),
                },
            )
            company = self.table.lookup(parsed["company"])
            if python_op:
                company = tf.py_function(
                    lambda c: c * 1.0, [company], tf.float32
                )
                company.set_shape([None])
            features = tf.stack([parsed["fare"], company], axis=1)
            probabilities = tf.nn.softmax(features @ self.weights)
            class_ids = tf.argmax(probabilities, axis=1)
            return {
                model_export.PROBABILITIES: probabilities,
                model_export.CLASS_IDS: class_ids,
                model_export.CLASSES: tf.gather(self.classes, class_ids),
            }

    module = Small()
    tf.saved_model.save(
        module,
        export_dir,
        signatures={model_export.SERVING_SIGNATURE: module.serve},
    )
    return export_dir


def small_records():
    import tensorflow as tf

    records = []
    for fare, company in [(3.5, b"Taxi Co"), (12.0, b"Cab Inc"), (0.0, b"")]:
        example = tf.train.Example()
        features = example.features.feature
        features["fare"].float_list.value.append(fare)
        if company:
            features["company"].bytes_list.value.append(company)
        records.append(example.SerializeToString())
    return np.array(records, dtype=object)


def test_cpp_loader_answers_like_the_python_loaders(tmp_path):
    """TF Serving's C++ loader, without the Python package's ops, on a
    model with a lookup table and string outputs: the same answers."""
    export_dir = small_serving_model(str(tmp_path / "model"))
    records = small_records()
    expected = object_loader_answers(export_dir, records)
    answers = cpp_loader_answers(export_dir, records)
    assert answers[model_export.CLASSES].dtype == object
    assert answers[model_export.PROBABILITIES].shape == (3, 3)
    assert_same_answers(expected, answers)
    assert_same_answers(session_loader_answers(export_dir, records), answers)


def test_cpp_loader_fails_on_an_op_only_python_registers(tmp_path):
    """A Python-registered kernel (tf.py_function's) is missing where the
    model server runs, so the C++ loader must fail and say which op."""
    export_dir = small_serving_model(str(tmp_path / "model"), python_op=True)
    records = small_records()
    # The Python loader, in a process with the Python ops, answers.
    assert len(object_loader_answers(export_dir, records)["classes"]) == 3
    with pytest.raises(AssertionError, match="EagerPyFunc"):
        cpp_loader_answers(export_dir, records)
