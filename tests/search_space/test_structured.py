"""Structured data end to end: build, search, round trip, IO API."""

import keras
import keras_tuner
import numpy as np
import pytest
from conftest import architecture
from conftest import make_inputs
from conftest import make_labels
from conftest import rebuild
from conftest import requires_tensorflow

from search_space import AutoModel
from search_space import ClassificationHead
from search_space import DenseBlock
from search_space import FeatureSpec
from search_space import Input
from search_space import LabelSpec
from search_space import RegressionHead
from search_space import SearchTuner
from search_space import default_hypermodel


def search(hypermodel, x, y, tmp_path, **tuner_kwargs):
    tuner_kwargs.setdefault("max_trials", 3)
    tuner = SearchTuner(
        hypermodel,
        directory=str(tmp_path),
        project_name="search",
        overwrite=True,
        **tuner_kwargs,
    )
    tuner.search(x, y, validation_data=(x, y), epochs=1, verbose=0)
    return tuner


def test_default_model_follows_the_conventions(
    structured_features, class_label
):
    model = default_hypermodel(structured_features, [class_label]).build(
        keras_tuner.HyperParameters()
    )
    assert set(model.input.keys()) == {"age", "vitals", "city"}
    assert model.input["city"].dtype == "int64"
    assert model.output.shape == (None, 3)
    names = [layer.name for layer in model.layers]
    assert "dense_block_1.dense_0" in names and names[-1] == "species"
    prediction = model.predict(make_inputs(structured_features), verbose=0)
    np.testing.assert_allclose(prediction.sum(axis=1), 1.0, rtol=1e-5)


def test_search_then_tfx_style_round_trip(
    structured_features, class_label, tmp_path
):
    def factory():
        return default_hypermodel(structured_features, [class_label])

    x, y = make_inputs(structured_features), make_labels(class_label)
    tuner = search(factory(), x, y, tmp_path, max_trials=4)
    assert len(tuner.oracle.trials) == 4
    best_hp = tuner.get_best_hyperparameters()[0]
    best_trial = tuner.oracle.get_best_trials()[0]
    model = rebuild(factory, best_hp)
    expected = factory().build(best_trial.hyperparameters.copy())
    assert architecture(model) == architecture(expected)
    assert model.count_params() == expected.count_params()


def test_trials_are_seeded(structured_features, class_label, tmp_path):
    x, y = make_inputs(structured_features), make_labels(class_label)
    scores = []
    for run in range(2):
        hypermodel = default_hypermodel(structured_features, [class_label])
        tuner = search(hypermodel, x, y, tmp_path / str(run), max_trials=1)
        scores.append(tuner.oracle.get_best_trials()[0].score)
    assert scores[0] == pytest.approx(scores[1], rel=1e-5)


def test_oversized_models_do_not_use_trials(
    structured_features, class_label, tmp_path
):
    hypermodel = default_hypermodel(structured_features, [class_label])
    x, y = make_inputs(structured_features), make_labels(class_label)
    tuner = search(
        hypermodel, x, y, tmp_path, max_trials=3, max_model_size=3000
    )
    for trial in tuner.oracle.trials.values():
        assert hypermodel.build(trial.hyperparameters).count_params() <= 3000
    # The linear and default presets fit; preset 3 (256 + 128 units) is
    # too large and was skipped.
    layers = [
        tuner.oracle.trials[i].hyperparameters.values[
            "dense_block_1/num_layers"
        ]
        for i in ("0", "1")
    ]
    assert layers == [0, 2]
    assert all(
        t.hyperparameters.values.get("dense_block_1/units_0") != 256
        for t in tuner.oracle.trials.values()
    )


def test_io_api_multi_input_multi_output(tmp_path):
    features = [
        FeatureSpec("size", "numerical", shape=(2,)),
        FeatureSpec("color", "categorical", vocab_size=4),
    ]
    labels = [
        LabelSpec("kind", "classification", num_classes=2),
        LabelSpec("price", "regression"),
    ]
    hypermodel = AutoModel(
        inputs=[Input(f) for f in features],
        outputs=[ClassificationHead(labels[0]), RegressionHead(labels[1])],
        batch_size=16,
    )
    model = hypermodel.build(keras_tuner.HyperParameters())
    assert set(model.output.keys()) == {"kind", "price"}
    x = make_inputs(features)
    y = {label.name: make_labels(label) for label in labels}
    tuner = search(hypermodel, x, y, tmp_path, max_trials=2)
    assert "dense_block_1/num_layers" in tuner.get_best_hyperparameters()[0]
    assert "training/batch_size" not in tuner.oracle.hyperparameters.values


def test_multi_task_loss_is_a_sum_in_comparable_units():
    """val_loss of several heads: cross-entropy plus each regression MSE in
    label standard deviations (a label in large units must not dominate)."""
    from search_space.automodel import multi_task_loss_weights

    features = [FeatureSpec("size", "numerical", shape=(2,))]
    kind = LabelSpec("kind", "classification", num_classes=3)
    weight = LabelSpec("weight", "regression", mean=180.0, std=25.0)
    unscaled = LabelSpec("pulse", "regression")
    heads = [
        ClassificationHead(kind),
        RegressionHead(weight),
        RegressionHead(unscaled),
    ]
    assert multi_task_loss_weights(heads) == {
        "kind": 1.0,
        "weight": 1.0 / 625.0,
        "pulse": 1.0,
    }
    hypermodel = AutoModel(
        inputs=[Input(f) for f in features],
        outputs=heads[:2],
    )
    model = hypermodel.build(keras_tuner.HyperParameters())
    x = make_inputs(features, rows=64)
    y = {
        "kind": make_labels(kind, rows=64),
        "weight": 180.0 + 25.0 * np.random.default_rng(0).normal(size=64),
    }
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    # The reported total is the weighted sum of the per-output losses.
    expected = logs["kind_loss"] + logs["weight_loss"] / 625.0
    assert abs(logs["loss"] - expected) < 1e-3 * max(1.0, expected)


def test_zero_layers_make_a_linear_model(structured_features, class_label):
    """num_layers=0: the head sits on the encoded inputs; the knobs of the
    hidden layers are then inactive, so mutating them is a duplicate."""
    hypermodel = default_hypermodel(structured_features, [class_label])
    hp = keras_tuner.HyperParameters()
    hp.values["dense_block_1/num_layers"] = 0
    model = hypermodel.build(hp)
    dense = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Dense)
    ]
    assert [layer.name for layer in dense] == [class_label.name]
    by_name = {p.name: p for p in hp.space}
    for name in ("use_batchnorm", "dropout", "units_0", "units_2"):
        assert not hp.is_active(by_name[f"dense_block_1/{name}"]), name
    assert list(by_name["dense_block_1/num_layers"].values) == [0, 1, 2, 3]
    x, y = make_inputs(structured_features), make_labels(class_label)
    model.fit(x, y, epochs=1, verbose=0)
    # One layer: its knobs are active again.
    hp = keras_tuner.HyperParameters()
    hp.values["dense_block_1/num_layers"] = 1
    hypermodel.build(hp)
    by_name = {p.name: p for p in hp.space}
    assert hp.is_active(by_name["dense_block_1/dropout"])
    assert hp.is_active(by_name["dense_block_1/units_0"])
    assert not hp.is_active(by_name["dense_block_1/units_1"])


def test_fixed_zero_layers_register_no_units(structured_features, class_label):
    inputs = [Input(f) for f in structured_features]
    from search_space import StructuredDataBlock

    hidden = DenseBlock(num_layers=0)(StructuredDataBlock()(inputs))
    output = ClassificationHead(class_label, dropout=0.0)(hidden)
    hp = keras_tuner.HyperParameters()
    model = AutoModel(inputs, output).build(hp)
    names = {p.name for p in hp.space}
    assert not {n for n in names if n.startswith("dense_block_1/units")}
    assert "dense_block_1/num_layers" not in names
    assert (
        sum(isinstance(layer, keras.layers.Dense) for layer in model.layers)
        == 1
    )


def test_fixed_arguments_are_not_searched(structured_features, class_label):
    inputs = [Input(f) for f in structured_features]
    from search_space import StructuredDataBlock

    hidden = StructuredDataBlock()(inputs)
    hidden = DenseBlock(
        num_layers=1,
        units=keras_tuner.engine.hyperparameters.Choice("units", [8, 24]),
        dropout=0.0,
    )(hidden)
    output = ClassificationHead(class_label, dropout=0.0)(hidden)
    hp = keras_tuner.HyperParameters()
    AutoModel(inputs, output, optimizer="adam").build(hp)
    names = {p.name for p in hp.space}
    assert "dense_block_1/num_layers" not in names
    assert "dense_block_1/dropout" not in names
    assert "training/optimizer" not in names
    assert hp.get("dense_block_1/units_0") == 8
    units = [p for p in hp.space if p.name == "dense_block_1/units_0"][0]
    assert list(units.values) == [8, 24]


@requires_tensorflow()
def test_fit_accepts_a_tf_data_dataset(
    structured_features, class_label, tmp_path
):
    import tensorflow as tf

    x, y = make_inputs(structured_features), make_labels(class_label)
    unbatched = tf.data.Dataset.from_tensor_slices((x, y))
    for dataset in (unbatched, unbatched.batch(5)):
        hypermodel = default_hypermodel(structured_features, [class_label])
        tuner = SearchTuner(
            hypermodel,
            max_trials=1,
            directory=str(tmp_path),
            project_name="tfdata",
            overwrite=True,
        )
        tuner.search(dataset, validation_data=dataset, epochs=1, verbose=0)
        assert tuner.oracle.get_best_trials()[0].score is not None


def test_backend_is_not_tensorflow_only():
    # search_space itself never imports TensorFlow.
    import pathlib

    package = pathlib.Path(__file__).parents[2] / "search_space"
    for path in package.rglob("*.py"):
        text = path.read_text()
        if path.name == "storage.py":
            # The one exception: tf.io.gfile for object storage, imported
            # on first use and optional (ImportError -> local files).
            assert "except ImportError" in text, path
            assert "\nimport tensorflow" not in text, path
            continue
        assert "import tensorflow" not in text, path
        assert "tf." not in text.replace("tf.data", ""), path
    assert keras.backend.backend() in ("tensorflow", "jax", "torch")


def test_regression_head_rescales_to_the_label_units():
    """A target in the hundreds: predictions start at its mean and, after a
    few epochs, beat predicting the mean by far (MSE in the label's units)."""
    import numpy as np

    keras.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    x = {"a": rng.normal(size=(200, 1)).astype("float32")}
    y = (150 + 70 * x["a"][:, 0]).astype("float32")
    label = LabelSpec(
        "y", "regression", mean=float(y.mean()), std=float(y.std())
    )
    hypermodel = default_hypermodel([FeatureSpec("a", "numerical")], [label])
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    start = model.predict(x, verbose=0)
    assert abs(float(start.mean()) - y.mean()) < 0.5 * y.std()
    history = hypermodel.fit(
        hp, model, x, y, epochs=30, verbose=0, validation_data=(x, y)
    )
    assert history.history["val_loss"][-1] < 0.25 * y.var()
    assert model.layers[-1].name == "y"  # the output keeps the label's name


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd"])
def test_every_optimizer_builds_without_weight_decay(optimizer):
    # AdamW(weight_decay=None) is a Keras error: 0.0 must reach it as 0.0.
    from search_space import StructuredDataBlock

    inputs = [Input(FeatureSpec("x", "numerical"))]
    label = LabelSpec("y", "classification", num_classes=2)
    output = ClassificationHead(label)(StructuredDataBlock()(inputs))
    hp = keras_tuner.HyperParameters()
    hp.values["training/optimizer"] = optimizer
    hp.values["training/weight_decay"] = 0.0
    model = AutoModel(inputs, output).build(hp)
    assert float(model.optimizer.weight_decay or 0.0) == 0.0
